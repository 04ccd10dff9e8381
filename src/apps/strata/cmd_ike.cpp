// cmd_ike.cpp: `strata ike`: one IKEv2 engine over UDP (ports 500 and 4500
// of --local) talking to one peer, printing the events it reports. No
// datapath: CHILD SAs are reported, not installed. Ends after --events
// events, after --timeout seconds (exit status 1), or on SIGTERM/SIGINT,
// when it sends a DELETE for its IKE SA first.
#include <fmt/core.h>

#include <atomic>
#include <csignal>
#include <cstdio>

#include "apps/strata/commands.hpp"
#include "apps/strata/ike_options.hpp"
#include "apps/strata/ike_print.hpp"
#include "apps/strata/ike_udp.hpp"
#include "apps/strata/ike_v1_run.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "ike/v2/engine.hpp"

namespace strata::apps {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*sig*/) { g_stop.store(true); }

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "strata ike: {}\n", msg);
    throw ExitCode{2};
}

class Runner {
public:
    Runner(const IkeOptions& opts, ike::v2::Engine& engine, IkeUdpSockets& sockets)
        : opts_(opts), engine_(engine), sockets_(sockets) {}

    void emit(ike::v2::Output& out) {
        for (const auto& d : out.datagrams) {
            if (!sockets_.send(d))
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
        if (keys_changed && !opts_.keylog.empty() && !write_ikev2_keylog(opts_.keylog, engine_.key_log())) {
            fmt::print(stderr, "strata ike: cannot write {}\n", opts_.keylog);
        }
    }

    [[nodiscard]] unsigned events() const noexcept { return events_; }

private:
    const IkeOptions& opts_;
    ike::v2::Engine& engine_;
    IkeUdpSockets& sockets_;
    unsigned events_ = 0;
};

int run(IkeOptions& opts, const std::vector<std::string>& set_flags) {
    if (!opts.config_file.empty()) {
        // The file gives defaults; flags given on the command line win.
        IkeOptions from_file = opts;
        if (auto err = load_ike_toml(opts.config_file, from_file)) die(*err);
        auto keep = [&](const char* flag, std::string& field, const std::string& file_value) {
            if (std::find(set_flags.begin(), set_flags.end(), flag) == set_flags.end()) field = file_value;
        };
        keep("--local", opts.local, from_file.local);
        keep("--remote", opts.remote, from_file.remote);
        keep("--role", opts.role, from_file.role);
        keep("--psk", opts.psk, from_file.psk);
        keep("--cert", opts.cert, from_file.cert);
        keep("--key", opts.key, from_file.key);
        keep("--ca", opts.ca, from_file.ca);
        keep("--local-id", opts.local_id, from_file.local_id);
        keep("--remote-id", opts.remote_id, from_file.remote_id);
        keep("--ike-proposals", opts.ike_proposals, from_file.ike_proposals);
        keep("--esp-proposals", opts.esp_proposals, from_file.esp_proposals);
        keep("--local-ts", opts.local_ts, from_file.local_ts);
        keep("--remote-ts", opts.remote_ts, from_file.remote_ts);
        keep("--mode", opts.mode, from_file.mode);
        if (std::find(set_flags.begin(), set_flags.end(), "--encap") == set_flags.end())
            opts.encap = from_file.encap;
    }
    if (opts.ike_version == 1) return run_ikev1(opts);
    if (opts.ike_version != 2) die("--ike must be 1 or 2");
    ike::EngineConfig cfg;
    ike::ConnectionConfig conn;
    if (auto err = to_connection(opts, conn)) die(*err);
    const packet::IpAddress local = conn.local_address;
    cfg.connections.push_back(std::move(conn));
    static const core::RealClock wall_clock;  // certificate validity (RFC 5280 §6.1.3)
    cfg.wall_clock = &wall_clock;

    IkeUdpSockets sockets(local, opts.ike_port, opts.natt_port);
    if (!sockets.ok()) die(sockets.error());
    ike::v2::Engine engine(std::move(cfg), crypto::system_random());
    Runner runner(opts, engine, sockets);
    core::RealClock clock;

    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    const auto start = clock.now();
    if (opts.role == "initiator") {
        auto out = engine.initiate("strata", clock.now());
        runner.emit(out);
    }
    while (!g_stop.load()) {
        if (opts.events != 0 && runner.events() >= opts.events) return 0;
        const auto now = clock.now();
        if (opts.timeout > 0 && now - start > std::chrono::duration<double>(opts.timeout)) {
            fmt::print(stderr, "strata ike: timeout after {} s with {} event(s)\n", opts.timeout,
                       runner.events());
            return 1;
        }
        auto wait = std::chrono::milliseconds(100);
        if (auto t = engine.next_timer()) {
            const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now);
            if (until < wait) wait = std::max(until, std::chrono::milliseconds(0));
        }
        if (auto d = sockets.receive(wait)) {
            auto out = engine.receive(*d, clock.now());
            runner.emit(out);
        }
        auto out = engine.on_timer(clock.now());
        runner.emit(out);
    }
    // RFC 7296 §1.4.1: tell the peer before going away.
    auto out = engine.shutdown(clock.now());
    runner.emit(out);
    return 0;
}

}  // namespace

void add_ike_command(CLI::App& app) {
    auto opts = std::make_shared<IkeOptions>();
    CLI::App* cmd = app.add_subcommand("ike", "run one IKEv2 engine against a peer over UDP (no datapath)");
    cmd->add_option("--config", opts->config_file, "TOML file with the keys below (flags override it)");
    cmd->add_option("--local", opts->local, "local address (IKE binds ports 500 and 4500 here)");
    cmd->add_option("--remote", opts->remote, "peer address");
    cmd->add_option("--role", opts->role, "initiator | responder");
    cmd->add_option("--psk", opts->psk, "pre-shared key (text)");
    cmd->add_option("--cert", opts->cert,
                    "PEM certificate (then intermediates): certificate auth (RFC 7427)");
    cmd->add_option("--key", opts->key, "PEM private key of --cert");
    cmd->add_option("--ca", opts->ca, "PEM CA certificate(s) the peer's certificate must chain to");
    cmd->add_option("--local-id", opts->local_id, "own identity (default: --local)");
    cmd->add_option("--remote-id", opts->remote_id, "peer identity required (default: --remote)");
    cmd->add_option("--ike-proposals", opts->ike_proposals,
                    "strongSwan-style, e.g. aes256gcm16-prfsha384-ecp384");
    cmd->add_option("--esp-proposals", opts->esp_proposals,
                    "strongSwan-style, e.g. aes128gcm16 or aes128-sha256");
    cmd->add_option("--local-ts", opts->local_ts, "local traffic selectors, comma separated prefixes");
    cmd->add_option("--remote-ts", opts->remote_ts, "remote traffic selectors");
    cmd->add_option("--mode", opts->mode, "tunnel | transport (requests USE_TRANSPORT_MODE)");
    cmd->add_flag("--encap", opts->encap,
                  "force UDP encapsulation (claim a NAT, like strongSwan's encap=yes)");
    cmd->add_option("--ike-port", opts->ike_port, "IKE port (default 500)");
    cmd->add_option("--ike", opts->ike_version, "IKE version: 2 (default) or 1 (main + quick mode)");
    cmd->add_option("--dpd", opts->dpd, "IKEv1: send R-U-THERE after this many idle seconds (0: never)");
    cmd->add_flag("--json", opts->json, "one JSON object per event");
    cmd->add_option("--keylog", opts->keylog,
                    "write Wireshark's ikev2_decryption_table here (test keys only)");
    cmd->add_option("--events", opts->events, "exit after this many events");
    cmd->add_option("--timeout", opts->timeout, "give up after this many seconds (exit 1); 0: never");
    cmd->callback([opts, cmd]() {
        std::vector<std::string> set;
        for (const char* f : {"--local", "--remote", "--role", "--psk", "--cert", "--key", "--ca",
                              "--local-id", "--remote-id", "--ike-proposals", "--esp-proposals", "--local-ts",
                              "--remote-ts", "--mode", "--encap"}) {
            if (cmd->count(f) > 0) set.emplace_back(f);
        }
        const int rc = run(*opts, set);
        if (rc != 0) throw ExitCode{rc};
    });
}

}  // namespace strata::apps
