// cmd_ike.cpp: `strata ike`: one IKEv2 engine over UDP (ports 500 and 4500
// of --local) talking to one peer, printing the events it reports. No
// datapath: CHILD SAs are reported, not installed. Ends after --events
// events, after --timeout seconds (exit status 1), when the peer stops
// answering (exit status 3), or on SIGTERM/SIGINT, when it sends a DELETE
// for its IKE SA first (ike_loop.cpp). SIGUSR1 lists the SAs held.
#include <fmt/core.h>

#include <algorithm>

#include "apps/strata/commands.hpp"
#include "apps/strata/ike_loop.hpp"
#include "apps/strata/ike_options.hpp"
#include "apps/strata/ike_print.hpp"
#include "apps/strata/ike_udp.hpp"
#include "apps/strata/ike_v1_run.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "ike/v2/engine.hpp"

namespace strata::apps {

namespace {

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "strata ike: {}\n", msg);
    throw ExitCode{2};
}

// V2Driver puts the IKEv2 engine behind run_ike_loop.
class V2Driver final : public IkeDriver {
public:
    explicit V2Driver(ike::v2::Engine& engine) : engine_(engine) {}

    IkeStep initiate(core::Instant now) override { return step(engine_.initiate("strata", now)); }
    IkeStep receive(ike::v2::Datagram&& d, core::Instant now) override {
        return step(engine_.receive(d, now));
    }
    IkeStep on_timer(core::Instant now) override { return step(engine_.on_timer(now)); }
    IkeStep shutdown(core::Instant now) override { return step(engine_.shutdown(now)); }
    [[nodiscard]] std::optional<core::Instant> next_timer() const override { return engine_.next_timer(); }
    [[nodiscard]] bool write_keylog(const std::string& path) const override {
        return write_ikev2_keylog(path, engine_.key_log());
    }
    [[nodiscard]] nlohmann::json stats() const override { return stats_json(engine_.stats()); }
    [[nodiscard]] std::optional<nlohmann::json> sas() const override {
        return sas_json(engine_.ike_sas(), engine_.children());
    }

private:
    static IkeStep step(ike::v2::Output&& out) {
        return IkeStep{std::move(out.datagrams), std::move(out.events)};
    }
    ike::v2::Engine& engine_;
};

// keep_from_file: a value from --config unless the flag was on the command line.
template <class T>
void keep_from_file(const std::vector<std::string>& set_flags, const char* flag, T& field,
                    const T& file_value) {
    if (std::find(set_flags.begin(), set_flags.end(), flag) == set_flags.end()) field = file_value;
}

int run(IkeOptions& opts, const std::vector<std::string>& set_flags) {
    if (!opts.config_file.empty()) {
        // The file gives defaults; flags given on the command line win.
        IkeOptions from_file = opts;
        if (auto err = load_ike_toml(opts.config_file, from_file)) die(*err);
        auto keep = [&](const char* flag, auto& field, const auto& file_value) {
            keep_from_file(set_flags, flag, field, file_value);
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
        keep("--encap", opts.encap, from_file.encap);
        keep("--dpd", opts.dpd, from_file.dpd);
        keep("--rekey-after", opts.rekey_after, from_file.rekey_after);
        keep("--rekey-ike-after", opts.rekey_ike_after, from_file.rekey_ike_after);
        keep("--retransmit-timeout", opts.retransmit_timeout, from_file.retransmit_timeout);
        keep("--retransmit-tries", opts.retransmit_tries, from_file.retransmit_tries);
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
    V2Driver driver(engine);
    return run_ike_loop(opts, driver, sockets);
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
    cmd->add_option(
        "--cert", opts->cert,
        "PEM certificate (then intermediates): certificate auth (IKEv2: RFC 7427; IKEv1: RFC 2409 "
        "§5.1 signatures, RSA or ECDSA P-256/P-384)");
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
    cmd->add_option("--dpd", opts->dpd,
                    "liveness check after this many idle seconds (IKEv2: empty INFORMATIONAL, IKEv1: "
                    "R-U-THERE); an unanswered one ends the IKE SA and strata ike (exit 3); 0: never");
    cmd->add_option("--rekey-after", opts->rekey_after,
                    "IKEv2: rekey each CHILD SA this many seconds after it came up (new KE if the ESP "
                    "proposal has a group: PFS); 0: never");
    cmd->add_option("--rekey-ike-after", opts->rekey_ike_after,
                    "IKEv2: rekey the IKE SA this many seconds after it came up; 0: never");
    cmd->add_option("--retransmit-timeout", opts->retransmit_timeout,
                    "seconds before the first retransmission, then x1.8 each (default 2)");
    cmd->add_option("--retransmit-tries", opts->retransmit_tries,
                    "sends of a request before the peer counts as dead (default 5)");
    cmd->add_flag("--json", opts->json, "one JSON object per event");
    cmd->add_option("--keylog", opts->keylog,
                    "write Wireshark's ikev2_decryption_table here (test keys only)");
    cmd->add_option("--events", opts->events, "exit after this many events");
    cmd->add_option("--timeout", opts->timeout, "give up after this many seconds (exit 1); 0: never");
    cmd->callback([opts, cmd]() {
        std::vector<std::string> set;
        for (const char* f : {"--local",
                              "--remote",
                              "--role",
                              "--psk",
                              "--cert",
                              "--key",
                              "--ca",
                              "--local-id",
                              "--remote-id",
                              "--ike-proposals",
                              "--esp-proposals",
                              "--local-ts",
                              "--remote-ts",
                              "--mode",
                              "--encap",
                              "--dpd",
                              "--rekey-after",
                              "--rekey-ike-after",
                              "--retransmit-timeout",
                              "--retransmit-tries"}) {
            if (cmd->count(f) > 0) set.emplace_back(f);
        }
        const int rc = run(*opts, set);
        if (rc != 0) throw ExitCode{rc};
    });
}

}  // namespace strata::apps
