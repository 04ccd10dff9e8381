#include "gateway/reload_plan.hpp"

#include <algorithm>

#include "crypto/constant_time.hpp"

namespace strata::gateway {

namespace {

const PeerConfig* find(const GatewayConfig& c, const std::string& name) {
    for (const auto& p : c.peers) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

void list(std::string& out, const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    if (!out.empty()) out += "; ";
    out += what;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? " " : ", ") + names[i];
}

}  // namespace

std::string PeerChanges::summary() const {
    std::string out;
    list(out, "added", added);
    list(out, "removed", removed);
    list(out, "changed", changed);
    list(out, "unchanged", unchanged);
    return out.empty() ? "no peers" : out;
}

std::string peer_settings(const PeerConfig& p, const GatewaySection& g) {
    // One field per line, named, so that any difference shows and no two
    // different settings can run together.
    std::string out;
    auto put = [&out](const char* k, const std::string& v) { out += std::string(k) + "=" + v + "\n"; };
    auto secs = [](std::chrono::seconds s) { return std::to_string(s.count()); };
    put("address", p.address.to_string());
    put("local_address", p.local_address ? p.local_address->to_string() : std::string());
    put("remote_port", std::to_string(p.remote_port));
    put("version", std::to_string(p.version));
    for (const auto& pr : p.proposals) put("proposal", pr);
    put("local_id", p.local_id);
    put("remote_id", p.remote_id);
    put("auth", std::string(to_string(p.auth.method)));
    put("cert", p.auth.cert);
    put("key", p.auth.key);
    put("cacert", p.auth.cacert);
    // The certificates' and CAs' DER: a file swapped on disk is a change.
    put("certificates", p.auth.fingerprint);
    put("rekey_time", secs(p.rekey_time));
    put("dpd_delay", secs(p.dpd_delay));
    // Gateway settings the engines are built with (ike_config.cpp).
    put("encapsulation", std::string(to_string(g.encapsulation)));
    put("ike_port", std::to_string(g.ike_port));
    put("natt_port", std::to_string(g.natt_port));
    for (const auto& ch : p.children) {
        put("child", ch.name);
        for (const auto& t : ch.local_ts) put(" local_ts", t.to_string());
        for (const auto& t : ch.remote_ts) put(" remote_ts", t.to_string());
        put(" mode", std::string(ipsec::to_string(ch.mode)));
        for (const auto& e : ch.esp_proposals) put(" esp_proposal", e);
        put(" rekey_time", secs(ch.lifetimes.rekey_time));
        put(" life_time", secs(ch.lifetimes.life_time));
        put(" rekey_bytes", std::to_string(ch.lifetimes.rekey_bytes));
        put(" life_bytes", std::to_string(ch.lifetimes.life_bytes));
        put(" rekey_packets", std::to_string(ch.lifetimes.rekey_packets));
        put(" life_packets", std::to_string(ch.lifetimes.life_packets));
        put(" replay_window", std::to_string(ch.replay_window));
        put(" start_action", std::string(to_string(ch.start_action)));
        put(" copy_dscp", std::string(ipsec::to_string(ch.copy_dscp)));
        put(" copy_ecn", ch.copy_ecn ? "yes" : "no");
    }
    return out;
}

bool same_peer(const PeerConfig& a, const GatewaySection& ga, const PeerConfig& b, const GatewaySection& gb) {
    if (peer_settings(a, ga) != peer_settings(b, gb)) return false;
    const auto& x = a.auth.psk;
    const auto& y = b.auth.psk;
    return x.size() == y.size() && crypto::constant_time_equal(x.view(), y.view());
}

PeerChanges diff_peers(const GatewayConfig& running, const GatewayConfig& next) {
    PeerChanges c;
    for (const auto& p : running.peers) {
        if (find(next, p.name) == nullptr) c.removed.push_back(p.name);
    }
    for (const auto& p : next.peers) {
        const PeerConfig* old = find(running, p.name);
        if (old == nullptr) {
            c.added.push_back(p.name);
        } else if (same_peer(*old, running.gateway, p, next.gateway)) {
            c.unchanged.push_back(p.name);
        } else {
            c.changed.push_back(p.name);
        }
    }
    return c;
}

ReqidMap reqids_of(const std::vector<PeerPlan>& plans) {
    ReqidMap out;
    for (const auto& p : plans) {
        for (const auto& ch : p.children) out[p.name + "/" + ch.name] = ch.reqid;
    }
    return out;
}

void assign_reqids(std::vector<PeerPlan>& plans, const std::vector<std::string>& keep,
                   const ReqidMap& running, std::uint32_t& next) {
    for (auto& p : plans) {
        const bool kept = std::find(keep.begin(), keep.end(), p.name) != keep.end();
        std::map<std::string, std::uint32_t> by_child;
        for (auto& ch : p.children) {
            auto it = running.find(p.name + "/" + ch.name);
            if (kept && it != running.end()) {
                ch.reqid = it->second;
            } else {
                ch.reqid = next++;
            }
            by_child[ch.name] = ch.reqid;
        }
        // The IKEv2 engine names each child by its reqid too (the first in
        // child_reqid, the others in their ChildSpec): the same numbers.
        for (auto& conn : p.v2.connections) {
            if (auto it = by_child.find(conn.child_name); it != by_child.end()) conn.child_reqid = it->second;
            for (auto& spec : conn.more_children) {
                if (auto it = by_child.find(spec.name); it != by_child.end()) spec.reqid = it->second;
            }
        }
    }
}

}  // namespace strata::gateway
