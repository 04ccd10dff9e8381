// daemon.hpp: `strata gateway`: configuration, TUN, sockets, workers, control.
//
// The main thread owns the configuration, the TUN device and its routes, the
// control socket and the signals (SIGTERM/SIGINT: clean exit; SIGHUP:
// reload); the workers (worker.hpp) move the packets. Manually keyed SAs
// are installed at start and on reload; IKE peers run in the IKE service
// (ike_service.hpp) on this thread, fed by the port-500 sockets, the
// workers' inbox (port 4500, acquires, lifetimes) and its timer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "gateway/config.hpp"
#include "gateway/control_protocol.hpp"
#include "gateway/log.hpp"
#include "io/datagram_socket.hpp"

namespace strata::gateway {

struct PeerPlan;

class Daemon {
public:
    // Daemon prepares to run the configuration at config_path; a log level
    // given on the command line overrides the file's.
    Daemon(std::string config_path, Logger& log, std::optional<LogLevel> cli_level);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // run starts everything and serves until SIGTERM or SIGINT; returns the
    // process exit status (0 after a clean stop, 1 if the start failed).
    int run();

    // handle answers one control request (the control socket calls it).
    nlohmann::json handle(const Request& req);

private:
    struct State;
    std::string path_;
    Logger& log_;
    std::optional<LogLevel> cli_level_;
    std::unique_ptr<State> st_;

    bool start();
    void stop();
    std::optional<std::string> reload();
    // set_routes routes wanted into the TUN device and removes the other
    // routes it added; before: the configuration those were planned with.
    std::optional<std::string> set_routes(const std::vector<packet::IpPrefix>& wanted,
                                          const GatewayConfig* before = nullptr);
    nlohmann::json status() const;
    nlohmann::json list_sas() const;
    nlohmann::json list_policies() const;
    nlohmann::json counters() const;

    // IKE plumbing (daemon.cpp): reqids, sockets, the inbox and the timer.
    static std::uint32_t first_ike_reqid(const GatewayConfig& c);
    // create_ike_service starts the IKE service with these peers' engines
    // (none: a reload adds them); its datagrams go out through send_ike.
    void create_ike_service(std::vector<PeerPlan> plans);
    bool send_ike(const io::Endpoint& local, const io::Endpoint& remote, core::ByteView data, bool raw);
    void on_ike_socket(io::DatagramSocket& s);
    void on_inbox();
    void arm_ike_timer();
};

}  // namespace strata::gateway
