#include "gateway/tun_routes.hpp"

#include <algorithm>

#include "io/process.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::gateway {

namespace {

const char* family(packet::IpVersion v) { return v == packet::IpVersion::V6 ? "-6" : "-4"; }

}  // namespace

TunRoute plan_route(const GatewayConfig& cfg, const packet::IpPrefix& prefix) {
    TunRoute r{prefix, std::nullopt, false};
    for (const auto& p : cfg.peers) {
        if (prefix.contains(p.address)) r.own_table = true;
        for (const auto& ch : p.children) {
            if (std::find(ch.remote_ts.begin(), ch.remote_ts.end(), prefix) == ch.remote_ts.end()) continue;
            for (const auto& a : cfg.gateway.addresses) {
                const bool ours = std::any_of(ch.local_ts.begin(), ch.local_ts.end(),
                                              [&](const packet::IpPrefix& l) { return l.contains(a); });
                if (ours && a.version() == prefix.version() && !r.src) r.src = a;
            }
        }
    }
    // Manual SAs: a subnet holding the far end of one (transport mode
    // between the gateways) needs the table too, and a policy whose local
    // range holds a gateway address gives its routes that source.
    for (const auto& m : cfg.manual_routes) {
        for (const auto& peer : m.peers) {
            if (prefix.contains(peer)) r.own_table = true;
        }
        if (!m.remote.contains(prefix.address())) continue;
        for (const auto& a : cfg.gateway.addresses) {
            if (m.local.contains(a) && a.version() == prefix.version() && !r.src) r.src = a;
        }
    }
    return r;
}

bool needs_own_table(const GatewayConfig& cfg, const std::vector<packet::IpPrefix>& prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const packet::IpPrefix& p) { return plan_route(cfg, p).own_table; });
}

std::vector<std::string> route_argv(const std::string& ip, const std::string& verb, const TunRoute& r,
                                    const std::string& dev) {
    std::vector<std::string> argv{ip, family(r.prefix.version()), "route", verb, r.prefix.to_string(), "dev",
                                  dev};
    if (r.own_table) {
        argv.emplace_back("table");
        argv.push_back(std::to_string(kTunTable));
    }
    if (r.src && verb != "del") {
        argv.emplace_back("src");
        argv.push_back(r.src->to_string());
    }
    return argv;
}

std::vector<std::vector<std::string>> rule_argvs(const std::string& ip, const GatewayConfig& cfg, bool add) {
    std::vector<std::vector<std::string>> out;
    for (const auto& a : cfg.gateway.addresses) {
        const char* f = family(a.version());
        auto pref = [&](std::uint32_t i) { return std::to_string(kRulePriority + i); };
        if (!add) {
            for (std::uint32_t i = 0; i < kRuleCount; ++i)
                out.push_back({ip, f, "rule", "del", "pref", pref(i)});
            continue;
        }
        const std::string from = a.to_string();
        const std::uint16_t ports[] = {cfg.gateway.ike_port, cfg.gateway.natt_port};
        for (std::uint32_t i = 0; i < 2; ++i) {
            out.push_back({ip, f, "rule", "add", "pref", pref(i), "from", from, "ipproto", "udp", "sport",
                           std::to_string(ports[i]), "lookup", "main"});
        }
        out.push_back({ip, f, "rule", "add", "pref", pref(2), "from", from, "ipproto",
                       std::to_string(packet::ipproto::kEsp), "lookup", "main"});
        // AH leaves through IP_HDRINCL sockets, which route as IPPROTO_RAW,
        // not 51: they carry kOwnMark (SO_MARK) instead.
        out.push_back(
            {ip, f, "rule", "add", "pref", pref(3), "fwmark", std::to_string(kOwnMark), "lookup", "main"});
        out.push_back(
            {ip, f, "rule", "add", "pref", pref(kRuleCount - 1), "lookup", std::to_string(kTunTable)});
    }
    return out;
}

std::optional<std::string> add_bypass_rules(const std::string& ip, const GatewayConfig& cfg) {
    remove_bypass_rules(ip, cfg);
    for (const auto& argv : rule_argvs(ip, cfg, true)) {
        auto r = io::run_program(argv);
        std::string cmd;
        for (std::size_t i = 1; i < argv.size(); ++i) cmd += (i > 1 ? " " : "") + argv[i];
        if (!r) return "ip " + cmd + ": " + io::to_string(r.error());
        if (r->exit_status != 0) return "ip " + cmd + ": ip said: " + r->error_output;
    }
    return std::nullopt;
}

void remove_bypass_rules(const std::string& ip, const GatewayConfig& cfg) {
    for (const auto& argv : rule_argvs(ip, cfg, false)) (void)io::run_program(argv);
}

}  // namespace strata::gateway
