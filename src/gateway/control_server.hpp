// control_server.hpp: the gateway's control socket, on the main event loop.
//
// Accepts `strata ctl` connections on a UNIX socket (mode 0600), reads
// request lines (control_protocol.hpp) and writes one JSON line per request.
// A misbehaving client only ever costs itself: a bad line gets an error
// reply, an over-long line or too many connections close the connection,
// and an idle connection is closed after kIdleTimeout.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "gateway/control_protocol.hpp"
#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"

namespace strata::gateway {

class ControlServer {
public:
    // Handler answers a well-formed request with the reply object
    // ({"ok":..., ...}); it runs on the event loop's thread.
    using Handler = std::function<nlohmann::json(const Request&)>;

    static constexpr std::size_t kMaxConnections = 16;
    static constexpr std::chrono::seconds kIdleTimeout{30};

    // start listens on path and registers with loop (which must outlive it).
    static io::IoResult<std::unique_ptr<ControlServer>> start(io::EventLoop& loop, const std::string& path,
                                                              Handler handler);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // sweep closes connections idle for longer than kIdleTimeout.
    void sweep(std::chrono::steady_clock::time_point now);
    // errors_answered counts request lines refused with an error reply.
    [[nodiscard]] std::uint64_t errors_answered() const noexcept { return errors_; }
    [[nodiscard]] std::size_t connections() const noexcept { return conns_.size(); }

    // reply_for parses one line and answers it (the handler for good lines,
    // an error object for bad ones). Exposed for tests.
    nlohmann::json reply_for(std::string_view line);

private:
    ControlServer(io::EventLoop& loop, io::UnixListener listener, Handler handler);
    struct Connection;
    void on_accept();
    void on_ready(int fd, std::uint32_t events);
    void flush(Connection& c);
    void close(int fd);

    io::EventLoop& loop_;
    io::UnixListener listener_;
    Handler handler_;
    std::unordered_map<int, std::unique_ptr<Connection>> conns_;
    std::uint64_t errors_ = 0;
};

}  // namespace strata::gateway
