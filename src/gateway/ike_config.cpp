#include "gateway/ike_config.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "ike/proposal.hpp"
#include "ike/v2/certificates.hpp"

namespace strata::gateway {

namespace {

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += ',';
        out += s;
    }
    return out;
}

core::Result<void, ConfigError> refuse_at(const SourceRef& at, const std::string& why) {
    return core::fail(ConfigError{at.where() + ": " + why});
}

packet::IpAddress local_for(const PeerConfig& p, const GatewaySection& g) {
    if (p.local_address) return *p.local_address;
    for (const auto& a : g.addresses) {
        if (a.version() == p.address.version()) return a;
    }
    return g.addresses.front();  // parse_gateway_config guarantees one of the family
}

std::vector<ike::TrafficSelector> to_ts(const std::vector<packet::IpPrefix>& prefixes) {
    std::vector<ike::TrafficSelector> out;
    out.reserve(prefixes.size());
    for (const auto& p : prefixes) out.push_back(ike::from_prefix(p));
    return out;
}

// connection builds the version-independent part of a peer's connection.
core::Result<ike::ConnectionConfig, ConfigError> connection(const PeerConfig& p, const GatewaySection& g,
                                                            const packet::IpAddress& local) {
    ike::ConnectionConfig c;
    c.name = p.name;
    c.local_address = local;
    c.remote_address = p.address;
    // Our ports are the gateway's (strongSwan's charon.port and
    // port_nat_t), the peer's its remote_port; the engines float them on
    // NAT-T (RFC 7296 §2.23, RFC 3947 §4: ours to natt_port, the peer's
    // from 500 to 4500 only).
    c.local_port = g.ike_port;
    c.remote_port = p.remote_port;
    c.natt_port = g.natt_port;
    const bool pubkey = p.auth.method == AuthMethod::PubKey;
    // An empty id is the address with a PSK, as swanctl's default (RFC 7296
    // §3.5). With certificates, an empty local id is the certificate's
    // subject DN (set below); an empty remote id accepts
    // whatever identity the peer's certificate certifies (swanctl's %any):
    // the chain to cacert is what authenticates it (RFC 4945 §3.1).
    std::optional<ike::Identity> lid = ike::Identity{};
    std::optional<ike::Identity> rid = ike::Identity{};
    if (!p.local_id.empty() || !pubkey)
        lid = ike::parse_identity(p.local_id.empty() ? local.to_string() : p.local_id);
    if (!p.remote_id.empty() || !pubkey)
        rid = ike::parse_identity(p.remote_id.empty() ? p.address.to_string() : p.remote_id);
    if (!lid || !rid) {
        return core::fail(
            ConfigError{p.at.where() + ": peer '" + p.name + "': local_id or remote_id is not an identity"});
    }
    c.local_id = *lid;
    c.remote_id = *rid;
    c.psk = p.auth.psk.clone();
    if (pubkey) {
        // RFC 7296 §2.15 with RFC 7427 signatures; the files were loaded and
        // checked by parse_gateway_config.
        c.auth = ike::AuthKind::PublicKey;
        // No local_id: the certificate's subject DN (RFC 4945 §3.1), named
        // here so that the IKE SA reports what was sent.
        if (p.local_id.empty() && !p.auth.certs.empty()) {
            if (auto dn = ike::v2::default_identity(p.auth.certs.front())) c.local_id = std::move(dn).value();
        }
        c.local_certs = p.auth.certs;
        c.private_key = p.auth.private_key;
        c.ca_certs = p.auth.cacerts;
    }
    std::string bad;
    auto ikep = ike::parse_proposals(join(p.proposals), ike::ProposalUse::Ike, &bad);
    if (!ikep) {
        return core::fail(ConfigError{p.at.where() + ": peer '" + p.name + "': IKE proposal '" + bad +
                                      "': " + std::string(ike::to_string(ikep.error()))});
    }
    c.ike_proposals = std::move(ikep).value();
    const ChildConfig& child = p.children.front();
    auto espp = ike::parse_proposals(join(child.esp_proposals), ike::ProposalUse::Esp, &bad);
    if (!espp) {
        return core::fail(ConfigError{child.at.where() + ": child '" + child.name + "': ESP proposal '" +
                                      bad + "': " + std::string(ike::to_string(espp.error()))});
    }
    c.esp_proposals = std::move(espp).value();
    c.local_ts = to_ts(child.local_ts);
    c.remote_ts = to_ts(child.remote_ts);
    c.mode = child.mode;
    // encapsulation = "udp": ESP goes in UDP 4500 even without a NAT, which
    // the engines arrange by claiming one (RFC 3948; strongSwan's encap=yes).
    c.force_encap = g.encapsulation == Encapsulation::Udp;
    c.dpd_interval = p.dpd_delay;
    return c;
}

bool overlaps(const packet::IpPrefix& a, const packet::IpPrefix& b) {
    return a.version() == b.version() && (a.contains(b) || b.contains(a));
}

// overlapping_children finds two children of p whose selectors overlap
// (some local and remote subnet of one overlap those of the other): their
// SPD entries would shadow each other and a responder could not tell which
// child a peer asks for (RFC 4301 §4.4.1 wants decorrelated entries). The
// reason names both; the second child is where it is refused.
std::optional<std::pair<std::string, const ChildConfig*>> overlapping_children(const PeerConfig& p) {
    for (std::size_t j = 1; j < p.children.size(); ++j) {
        const ChildConfig& b = p.children[j];
        for (std::size_t i = 0; i < j; ++i) {
            const ChildConfig& a = p.children[i];
            for (const auto& al : a.local_ts) {
                for (const auto& bl : b.local_ts) {
                    if (!overlaps(al, bl)) continue;
                    for (const auto& ar : a.remote_ts) {
                        for (const auto& br : b.remote_ts) {
                            if (!overlaps(ar, br)) continue;
                            return std::pair<std::string, const ChildConfig*>{
                                "peer '" + p.name + "': children '" + a.name + "' and '" + b.name +
                                    "' overlap (" + al.to_string() + " === " + ar.to_string() + " and " +
                                    bl.to_string() + " === " + br.to_string() +
                                    "): each child needs subnets of its own",
                                &b};
                        }
                    }
                }
            }
        }
    }
    return std::nullopt;
}

// child_spec turns a further child of an IKEv2 peer into the engine's
// ChildSpec. Its lifetimes stay with the datapath (soft: the gateway asks
// for the rekey), as for the first child.
core::Result<ike::ChildSpec, ConfigError> child_spec(const ChildConfig& child, std::uint32_t reqid) {
    ike::ChildSpec s;
    s.name = child.name;
    s.reqid = reqid;
    std::string bad;
    auto espp = ike::parse_proposals(join(child.esp_proposals), ike::ProposalUse::Esp, &bad);
    if (!espp) {
        return core::fail(ConfigError{child.at.where() + ": child '" + child.name + "': ESP proposal '" +
                                      bad + "': " + std::string(ike::to_string(espp.error()))});
    }
    s.esp_proposals = std::move(espp).value();
    s.local_ts = to_ts(child.local_ts);
    s.remote_ts = to_ts(child.remote_ts);
    s.mode = child.mode;
    // Negotiated right after IKE_AUTH unless it waits for the peer
    // (start_action = none); a trap child is asked for by its acquire
    // too, but once the IKE SA is up every child is wanted anyway.
    s.start = child.start_action != StartAction::None;
    return s;
}

// v1_pairs lists a child's (local, remote) subnet pairs of one IP version,
// local_ts-major in the order written.
std::vector<std::pair<packet::IpPrefix, packet::IpPrefix>> v1_pairs(const ChildConfig& c) {
    std::vector<std::pair<packet::IpPrefix, packet::IpPrefix>> out;
    for (const auto& l : c.local_ts) {
        for (const auto& r : c.remote_ts) {
            if (l.version() == r.version()) out.emplace_back(l, r);
        }
    }
    return out;
}

// v1_child_plans gives an IKEv1 peer one ChildPlan per quick mode: one per
// (child, local subnet, remote subnet) of one IP version, each with its own
// reqid and selectors (RFC 2409 §5.5: a quick mode carries one pair of
// client IDs; Libreswan does the same with leftsubnets/rightsubnets). A
// child of one pair keeps its name; the pairs of a child with several are
// named "child.LxR" (1-based indices into local_ts and remote_ts).
std::vector<ChildPlan> v1_child_plans(const PeerConfig& p, std::uint32_t& reqid) {
    std::vector<ChildPlan> out;
    for (const auto& c : p.children) {
        const auto pairs = v1_pairs(c);
        for (const auto& [l, r] : pairs) {
            ChildConfig one = c;
            one.local_ts = {l};
            one.remote_ts = {r};
            std::string name = c.name;
            if (pairs.size() > 1) {
                const auto li = std::find(c.local_ts.begin(), c.local_ts.end(), l) - c.local_ts.begin();
                const auto ri = std::find(c.remote_ts.begin(), c.remote_ts.end(), r) - c.remote_ts.begin();
                name += "." + std::to_string(li + 1) + "x" + std::to_string(ri + 1);
            }
            out.push_back(ChildPlan{std::move(name), reqid++, std::move(one)});
        }
    }
    return out;
}

// v1_lifetimes sets an IKEv1 child's lifetimes: IKEv1 negotiates one
// lifetime and the initiator rekeys rekey_margin before it ends (RFC 2409
// §5.5 leaves the policy to us).
void v1_lifetimes(const ChildConfig& child, core::Duration& lifetime, core::Duration& margin,
                  std::uint64_t& kilobytes) {
    lifetime = child.lifetimes.life_time;
    margin = std::max<core::Duration>(child.lifetimes.life_time - child.lifetimes.rekey_time,
                                      std::chrono::seconds(1));
    kilobytes = child.lifetimes.life_bytes / 1024;
}

// v1_connection makes an IKEv1 peer's connection: children[0] in the
// connection's own fields, the others as ChildSpecs (a quick mode each).
core::Result<ike::v1::Connection, ConfigError> v1_connection(ike::ConnectionConfig base, const PeerConfig& p,
                                                             const std::vector<ChildPlan>& children) {
    ike::v1::Connection v1;
    v1.base = std::move(base);
    const ChildPlan& first = children.front();
    v1.base.child_name = first.name;
    v1.base.child_reqid = first.reqid;
    v1.base.local_ts = to_ts(first.config.local_ts);
    v1.base.remote_ts = to_ts(first.config.remote_ts);
    v1.ike_lifetime = p.rekey_time;
    v1_lifetimes(first.config, v1.child_lifetime, v1.rekey_margin, v1.child_kilobytes);
    for (std::size_t i = 1; i < children.size(); ++i) {
        const ChildConfig& c = children[i].config;
        ike::v1::ChildSpec s;
        s.name = children[i].name;
        s.reqid = children[i].reqid;
        std::string bad;
        auto espp = ike::parse_proposals(join(c.esp_proposals), ike::ProposalUse::Esp, &bad);
        if (!espp) {
            return core::fail(ConfigError{c.at.where() + ": child '" + c.name + "': ESP proposal '" + bad +
                                          "': " + std::string(ike::to_string(espp.error()))});
        }
        s.esp_proposals = std::move(espp).value();
        s.local_ts = ike::from_prefix(c.local_ts.front());
        s.remote_ts = ike::from_prefix(c.remote_ts.front());
        s.mode = c.mode;
        v1_lifetimes(c, s.lifetime, s.rekey_margin, s.kilobytes);
        // After main mode, as the first child (the engine's initiate_child),
        // unless it waits for the peer or for traffic.
        s.start = c.start_action != StartAction::None;
        v1.more_children.push_back(std::move(s));
    }
    return v1;
}

const core::Clock& system_clock() {
    static const core::RealClock clock;
    return clock;
}

}  // namespace

ipsec::Lifetimes child_lifetimes(const ChildConfig& c) {
    ipsec::Lifetimes l;
    l.soft.time = c.lifetimes.rekey_time;
    l.soft.bytes = c.lifetimes.rekey_bytes;
    l.soft.packets = c.lifetimes.rekey_packets;
    l.hard.time = c.lifetimes.life_time;
    l.hard.bytes = c.lifetimes.life_bytes;
    l.hard.packets = c.lifetimes.life_packets;
    return l;
}

core::Result<std::vector<PeerPlan>, ConfigError> plan_peers(const GatewayConfig& cfg,
                                                            std::uint32_t first_reqid) {
    std::vector<PeerPlan> out;
    std::uint32_t reqid = first_reqid;
    for (const auto& p : cfg.peers) {
        if (p.auth.method == AuthMethod::PubKey && (p.auth.certs.empty() || !p.auth.private_key)) {
            // parse_gateway_config refuses this; a hand-built configuration might not.
            if (auto r = refuse_at(
                    p.at, "peer '" + p.name + "': auth = \"pubkey\" needs a loaded cert, key and cacert");
                !r)
                return core::fail(r.error());
        }
        if (auto clash = overlapping_children(p)) {
            if (auto r = refuse_at(clash->second->at, clash->first); !r) return core::fail(r.error());
        }
        if (p.version == 1) {
            // RFC 2409 §5.5: a quick mode negotiates one pair of client IDs,
            // so each child needs a local and a remote subnet of one family.
            for (const auto& c : p.children) {
                if (!v1_pairs(c).empty()) continue;
                if (auto r = refuse_at(c.at, "peer '" + p.name + "' (IKEv1): child '" + c.name +
                                                 "' has no local_ts and remote_ts of the same IP version "
                                                 "(a quick mode carries one subnet pair)");
                    !r)
                    return core::fail(r.error());
            }
        }
        for (const auto& q : out) {
            if (q.remote == p.address) {
                if (auto r = refuse_at(p.at, "peer '" + p.name + "' has the same address as peer '" + q.name +
                                                 "': IKE datagrams could not be told apart");
                    !r)
                    return core::fail(r.error());
            }
        }
        PeerPlan plan;
        plan.name = p.name;
        plan.version = p.version;
        plan.local = local_for(p, cfg.gateway);
        plan.remote = p.address;
        plan.dpd_delay = p.dpd_delay;
        if (p.version == 1) {
            plan.children = v1_child_plans(p, reqid);
        } else {
            for (const auto& c : p.children) plan.children.push_back(ChildPlan{c.name, reqid++, c});
        }
        auto conn = connection(p, cfg.gateway, plan.local);
        if (!conn) return core::fail(conn.error());
        if (p.version == 1) {
            auto v1 = v1_connection(std::move(conn).value(), p, plan.children);
            if (!v1) return core::fail(v1.error());
            v1->natt_port = cfg.gateway.natt_port;  // RFC 3947 §4: our port from MM5 on
            plan.v1.connections.push_back(std::move(v1).value());
            plan.v1.wall_clock = &system_clock();  // certificate validity (RFC 5280 §6.1.3)
        } else {
            ike::ConnectionConfig v2 = std::move(conn).value();
            // The first child goes in IKE_AUTH; the others follow with
            // CREATE_CHILD_SA (RFC 7296 §1.3.1), each with its own reqid.
            v2.child_name = plan.children.front().name;
            v2.child_reqid = plan.children.front().reqid;
            for (std::size_t i = 1; i < p.children.size(); ++i) {
                auto spec = child_spec(p.children[i], plan.children[i].reqid);
                if (!spec) return core::fail(spec.error());
                v2.more_children.push_back(std::move(spec).value());
            }
            // RFC 7296 §2.18: this gateway rekeys its IKE SA itself at
            // rekey_time less a random share of rand_time, and deletes it
            // over_time later if that did not work; swanctl's defaults make
            // both a tenth of rekey_time.
            v2.ike_rekey_time = p.rekey_time;
            v2.ike_over_time = p.rekey_time / 10;
            v2.ike_rand_time = v2.ike_over_time;
            plan.v2.connections.push_back(std::move(v2));
            // Certificate validity is checked against calendar time (RFC
            // 5280 §6.1.3); the gateway runs on the system's.
            plan.v2.wall_clock = &system_clock();
        }
        out.push_back(std::move(plan));
    }
    return out;
}

std::vector<ipsec::Policy> child_policies(const PeerPlan& plan) {
    std::vector<ipsec::Policy> out;
    for (const auto& ch : plan.children) {
        for (const auto& l : ch.config.local_ts) {
            for (const auto& r : ch.config.remote_ts) {
                if (l.version() != r.version()) continue;
                for (auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
                    ipsec::Policy pol;
                    pol.name =
                        plan.name + "/" + ch.name + (dir == ipsec::Direction::Outbound ? "-out" : "-in");
                    pol.direction = dir;
                    pol.selector.local = ipsec::AddressRange::from_prefix(l);
                    pol.selector.remote = ipsec::AddressRange::from_prefix(r);
                    pol.action = ipsec::Action::Protect;
                    pol.protect.protocols = {ipsec::Protocol::Esp};
                    pol.protect.mode = ch.config.mode;
                    const bool out_dir = dir == ipsec::Direction::Outbound;
                    pol.protect.tunnel_src = out_dir ? plan.local : plan.remote;
                    pol.protect.tunnel_dst = out_dir ? plan.remote : plan.local;
                    pol.protect.reqid = ch.reqid;
                    out.push_back(std::move(pol));
                }
            }
        }
    }
    return out;
}

}  // namespace strata::gateway
