// ike_v1_run.cpp: the I/O loop around ike::v1::Engine for `strata ike --ike 1`.
//
// The engine is sans-IO; this file owns the sockets (ike_udp: ports 500 and
// 4500 with the RFC 3948 non-ESP marker), the clock and the signals. No
// datapath: IPsec SAs are reported, not installed.
#include "apps/strata/ike_v1_run.hpp"

#include <fmt/core.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "apps/strata/commands.hpp"
#include "apps/strata/ike_print.hpp"
#include "apps/strata/ike_udp.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "packet/keylog.hpp"

namespace strata::apps {

namespace {

std::atomic<bool> g_stop_v1{false};

extern "C" void on_stop_signal_v1(int /*sig*/) { g_stop_v1.store(true); }

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "strata ike: {}\n", msg);
    throw ExitCode{2};
}

ike::v2::Datagram to_wire(const ike::v1::Datagram& d) { return ike::v2::Datagram{d.local, d.remote, d.data}; }

ike::v1::Datagram from_wire(ike::v2::Datagram&& d) {
    return ike::v1::Datagram{d.local, d.remote, std::move(d.data)};
}

nlohmann::json stats_json(const ike::v1::EngineStats& s) {
    nlohmann::json j;
    j["event"] = "stats";
    j["malformed"] = s.malformed;
    j["unknown_cookies"] = s.unknown_cookies;
    j["invalid_cookies"] = s.invalid_cookies;
    j["auth_failed"] = s.auth_failed;
    j["duplicates"] = s.duplicates;
    j["retransmits"] = s.retransmits;
    j["notifies_sent"] = s.notifies_sent;
    j["refused_exchanges"] = s.refused_exchanges;
    j["dpd_sent"] = s.dpd_sent;
    j["dpd_acked"] = s.dpd_acked;
    j["dpd_answered"] = s.dpd_answered;
    return j;
}

class V1Runner {
public:
    V1Runner(const IkeOptions& opts, ike::v1::Engine& engine, IkeUdpSockets& sockets)
        : opts_(opts), engine_(engine), sockets_(sockets) {}

    void emit(ike::v1::Output& out) {
        for (const auto& d : out.datagrams) {
            if (!sockets_.send(to_wire(d)))
                fmt::print(stderr, "strata ike: send to {} failed\n", d.remote.address.to_string());
        }
        bool keys_changed = false;
        for (const auto& e : out.events) {
            if (opts_.json) {
                fmt::print("{}\n", event_json(e).dump());
            } else {
                fmt::print("{}\n", event_text(e));
            }
            if (std::holds_alternative<ike::IkeSaUp>(e)) keys_changed = true;
            ++events_;
        }
        std::fflush(stdout);
        if (keys_changed && !opts_.keylog.empty() && !write_ikev1_keylog(opts_.keylog, engine_.ike_sas()))
            fmt::print(stderr, "strata ike: cannot write {}\n", opts_.keylog);
    }

    void print_stats() {
        const nlohmann::json j = stats_json(engine_.stats());
        if (opts_.json) {
            fmt::print("{}\n", j.dump());
        } else {
            fmt::print(stderr, "strata ike: {}\n", j.dump());
        }
        std::fflush(stdout);
    }

    [[nodiscard]] unsigned events() const noexcept { return events_; }

private:
    const IkeOptions& opts_;
    ike::v1::Engine& engine_;
    IkeUdpSockets& sockets_;
    unsigned events_ = 0;
};

}  // namespace

bool write_ikev1_keylog(const std::string& path, const std::vector<ike::v1::IkeInfo>& sas) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return false;
    for (const auto& sa : sas) {
        if (sa.enc_key.empty()) continue;
        out << packet::ikev1_record(sa.id.spi_i, sa.enc_key) << '\n';
    }
    return static_cast<bool>(out);
}

int run_ikev1(const IkeOptions& opts) {
    ike::ConnectionConfig base;
    if (auto err = to_connection(opts, base)) die(*err);
    if (opts.dpd < 0) die("--dpd must not be negative");
    base.dpd_interval = std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(opts.dpd));
    const packet::IpAddress local = base.local_address;
    ike::v1::EngineConfig cfg;
    ike::v1::Connection conn;
    conn.base = std::move(base);
    conn.natt_port = opts.natt_port;
    cfg.connections.push_back(std::move(conn));

    IkeUdpSockets sockets(local, opts.ike_port, opts.natt_port);
    if (!sockets.ok()) die(sockets.error());
    ike::v1::Engine engine(std::move(cfg), crypto::system_random());
    V1Runner runner(opts, engine, sockets);
    core::RealClock clock;

    struct sigaction sa {};
    sa.sa_handler = on_stop_signal_v1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    const auto start = clock.now();
    if (opts.role == "initiator") {
        auto out = engine.initiate("strata", clock.now());
        runner.emit(out);
    }
    while (!g_stop_v1.load()) {
        if (opts.events != 0 && runner.events() >= opts.events) {
            runner.print_stats();
            return 0;
        }
        const auto now = clock.now();
        if (opts.timeout > 0 && now - start > std::chrono::duration<double>(opts.timeout)) {
            fmt::print(stderr, "strata ike: timeout after {} s with {} event(s)\n", opts.timeout,
                       runner.events());
            runner.print_stats();
            return 1;
        }
        auto wait = std::chrono::milliseconds(100);
        if (auto t = engine.next_timer()) {
            const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now);
            if (until < wait) wait = std::max(until, std::chrono::milliseconds(0));
        }
        if (auto d = sockets.receive(wait)) {
            auto out = engine.receive(from_wire(std::move(*d)), clock.now());
            runner.emit(out);
        }
        auto out = engine.on_timer(clock.now());
        runner.emit(out);
    }
    // RFC 2408 §3.15: DELETE every SA before going away.
    auto out = engine.shutdown(clock.now());
    runner.emit(out);
    runner.print_stats();
    return 0;
}

}  // namespace strata::apps
