#include "apps/strata/gateway_ctl_text.hpp"

#include <fmt/core.h>

namespace strata::apps {

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) return "-";
    const json& v = j.at(key);
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

std::string status_text(const json& d) {
    std::string out;
    out += fmt::format("gateway      pid {}, up {} s, {}\n", str(d, "pid"), str(d, "uptime_seconds"),
                       str(d, "mode"));
    out += fmt::format("config       {}\n", str(d, "config"));
    out += fmt::format("manual SAs   {}\n", str(d, "manual"));
    out += fmt::format("tun          {} (mtu {}), {} worker(s)\n", str(d, "tun"), str(d, "tun_mtu"),
                       str(d, "workers"));
    std::string addrs;
    const json addr_list = d.value("addresses", json::array());
    for (const auto& a : addr_list) addrs += (addrs.empty() ? "" : ", ") + a.get<std::string>();
    out += fmt::format("addresses    {} (NAT-T port {}, encapsulation {})\n", addrs, str(d, "natt_port"),
                       str(d, "encapsulation"));
    std::string routes;
    const json route_list = d.value("routes", json::array());
    for (const auto& r : route_list) routes += (routes.empty() ? "" : ", ") + r.get<std::string>();
    out += fmt::format("routes       {}\n", routes.empty() ? "-" : routes);
    out += fmt::format("SAs          {} CHILD SA(s), {} IKE SA(s), {} policies\n", str(d, "sas"),
                       str(d, "ike_sas"), str(d, "policies"));
    const json p = d.value("packets", json::object());
    out += fmt::format("packets      tun rx {} / tx {}, network rx {} / tx {}\n", str(p, "tun_rx"),
                       str(p, "tun_tx"), str(p, "net_rx"), str(p, "net_tx"));
    return out;
}

std::string sas_text(const json& d) {
    if (d.empty()) return "no SAs\n";
    std::string out;
    for (const auto& s : d) {
        std::string alg = str(s, "encryption");
        const std::string integrity = str(s, "integrity");
        if (!integrity.empty() && integrity != "-") alg += "/" + integrity;
        out += fmt::format("{} ({}, {}): {} {} {} SPI {} {} -> {} reqid {}\n", str(s, "name"),
                           str(s, "keying"), str(s, "direction"), str(s, "protocol"), str(s, "mode"), alg,
                           str(s, "spi"), str(s, "src"), str(s, "dst"), str(s, "reqid"));
        if (s.contains("remote_id"))  // IKE SAs: who authenticated (RFC 7296 §3.5)
            out += fmt::format("    local id {}, remote id {}\n", str(s, "local_id"), str(s, "remote_id"));
        std::string drops;
        const json drop_counts = s.value("drops", json::object());
        for (const auto& [k, v] : drop_counts.items()) drops += fmt::format(" {}={}", k, v.dump());
        out += fmt::format(
            "    {} packets, {} bytes, last seq {}, age {} s, rekey in {} s, expires in {} s{}{}{}\n",
            str(s, "packets"), str(s, "bytes"), str(s, "last_sequence"), str(s, "age_seconds"),
            str(s, "rekey_in_seconds"), str(s, "expires_in_seconds"),
            s.value("ike_state", "") == "replaced" ? ", replaced (kept for packets in flight)" : "",
            s.value("udp_encap", json()).is_null() ? "" : ", UDP-encapsulated",
            drops.empty() ? "" : ", drops:" + drops);
    }
    return out;
}

std::string policies_text(const json& d) {
    if (d.empty()) return "no policies\n";
    std::string out;
    for (const auto& p : d) {
        out += fmt::format("{:>3} {:<3} {:<8} {} -> {} proto {} ports {} -> {}  prio {}  {}", str(p, "id"),
                           str(p, "direction"), str(p, "action"), str(p, "local"), str(p, "remote"),
                           str(p, "protocol"), str(p, "local_ports"), str(p, "remote_ports"),
                           str(p, "priority"), str(p, "name"));
        if (p.value("action", "") == "protect") {
            out += fmt::format("  [{} reqid {}", str(p, "mode"), str(p, "reqid"));
            if (p.contains("tunnel_src"))
                out += fmt::format(" {} -> {}", str(p, "tunnel_src"), str(p, "tunnel_dst"));
            out += "]";
        }
        out += "\n";
    }
    return out;
}

std::string counters_text(const json& d) {
    std::string out;
    for (const char* section : {"packets", "ipsec_drops", "gateway_drops"}) {
        out += std::string(section) + ":\n";
        const json values = d.value(section, json::object());
        for (const auto& [k, v] : values.items()) out += fmt::format("  {:<24} {}\n", k, v.dump());
    }
    out += fmt::format("drops total                {}\ncontrol errors answered    {}\n",
                       str(d, "drops_total"), str(d, "control_errors"));
    return out;
}

}  // namespace

std::string format_ctl_text(gateway::Command command, const nlohmann::json& data) {
    switch (command) {
        case gateway::Command::Status: return status_text(data);
        case gateway::Command::ListSas: return sas_text(data);
        case gateway::Command::ListPolicies: return policies_text(data);
        case gateway::Command::Counters: return counters_text(data);
        case gateway::Command::Reload: return "reloaded\n";
        default: return data.dump(2) + "\n";
    }
}

}  // namespace strata::apps
