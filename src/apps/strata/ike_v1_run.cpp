// ike_v1_run.cpp: the I/O loop around ike::v1::Engine for `strata ike --ike 1`.
//
// The engine is sans-IO; run_ike_loop (ike_loop.cpp) owns the sockets
// (ike_udp: ports 500 and 4500 with the RFC 3948 non-ESP marker), the clock
// and the signals, as for IKEv2. No datapath: IPsec SAs are reported, not
// installed.
#include "apps/strata/ike_v1_run.hpp"

#include <fmt/core.h>

#include <fstream>

#include "apps/strata/commands.hpp"
#include "apps/strata/ike_loop.hpp"
#include "apps/strata/ike_udp.hpp"
#include "crypto/random.hpp"
#include "ike/v1/phase1_auth.hpp"
#include "packet/keylog.hpp"

namespace strata::apps {

namespace {

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "strata ike: {}\n", msg);
    throw ExitCode{2};
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

// V1Driver puts the IKEv1 engine behind run_ike_loop; its datagrams are
// the same UDP payloads with both endpoints.
class V1Driver final : public IkeDriver {
public:
    explicit V1Driver(ike::v1::Engine& engine) : engine_(engine) {}

    IkeStep initiate(core::Instant now) override { return step(engine_.initiate("strata", now)); }
    IkeStep receive(ike::v2::Datagram&& d, core::Instant now) override {
        return step(engine_.receive(ike::v1::Datagram{d.local, d.remote, std::move(d.data)}, now));
    }
    IkeStep on_timer(core::Instant now) override { return step(engine_.on_timer(now)); }
    IkeStep shutdown(core::Instant now) override { return step(engine_.shutdown(now)); }
    [[nodiscard]] std::optional<core::Instant> next_timer() const override { return engine_.next_timer(); }
    [[nodiscard]] bool write_keylog(const std::string& path) const override {
        return write_ikev1_keylog(path, engine_.ike_sas());
    }
    [[nodiscard]] nlohmann::json stats() const override { return stats_json(engine_.stats()); }
    [[nodiscard]] std::optional<nlohmann::json> sas() const override { return std::nullopt; }

private:
    static IkeStep step(ike::v1::Output&& out) {
        IkeStep s;
        s.datagrams.reserve(out.datagrams.size());
        for (auto& d : out.datagrams)
            s.datagrams.push_back(ike::v2::Datagram{d.local, d.remote, std::move(d.data)});
        s.events = std::move(out.events);
        return s;
    }
    ike::v1::Engine& engine_;
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
    // The IKEv1 engine schedules no rekeys of its own (strongSwan may rekey it).
    if (opts.rekey_after > 0 || opts.rekey_ike_after > 0)
        die("--rekey-after and --rekey-ike-after are IKEv2 only");
    ike::ConnectionConfig base;
    if (auto err = to_connection(opts, base)) die(*err);
    // RFC 2409 §5.1, RFC 4754: IKEv1 signs with RSA or ECDSA on P-256/P-384.
    if (!ike::v1::auth_method_of(base)) die("--key: IKEv1 signs with RSA or ECDSA P-256/P-384 keys only");
    const packet::IpAddress local = base.local_address;
    ike::v1::EngineConfig cfg;
    static const core::RealClock wall_clock;  // certificate validity (RFC 5280 §6.1.3)
    cfg.wall_clock = &wall_clock;
    ike::v1::Connection conn;
    conn.base = std::move(base);
    conn.natt_port = opts.natt_port;
    cfg.connections.push_back(std::move(conn));

    IkeUdpSockets sockets(local, opts.ike_port, opts.natt_port);
    if (!sockets.ok()) die(sockets.error());
    ike::v1::Engine engine(std::move(cfg), crypto::system_random());
    V1Driver driver(engine);
    return run_ike_loop(opts, driver, sockets);
}

}  // namespace strata::apps
