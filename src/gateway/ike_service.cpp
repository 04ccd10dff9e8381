#include "gateway/ike_service.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <type_traits>

namespace strata::gateway {

namespace {

using nlohmann::json;

std::string hex32(std::uint32_t v) { return fmt::format("0x{:08x}", v); }
std::string hex64(std::uint64_t v) { return fmt::format("{:016x}", v); }

io::Endpoint to_io(const ike::Endpoint& e) { return io::Endpoint{e.address, e.port}; }
ike::Endpoint to_ike(const io::Endpoint& e) { return ike::Endpoint{e.address, e.port}; }

std::int64_t seconds_between(core::Instant from, core::Instant to) {
    return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

// seconds_until is the whole seconds from now to t (0 if past), or null.
json seconds_until(const std::optional<core::Instant>& t, core::Instant now) {
    if (!t) return nullptr;
    return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(*t - now).count());
}

// sync_v1_reqids gives an IKEv1 engine's children the reqids of the plan's
// children of the same name (a reload renumbers ChildPlans, reload_plan.hpp).
void sync_v1_reqids(PeerPlan& plan) {
    auto reqid_of = [&](const std::string& name, std::uint32_t& reqid) {
        for (const auto& ch : plan.children) {
            if (ch.name == name) reqid = ch.reqid;
        }
    };
    for (auto& conn : plan.v1.connections) {
        reqid_of(conn.base.child_name, conn.base.child_reqid);
        for (auto& spec : conn.more_children) reqid_of(spec.name, spec.reqid);
    }
}

}  // namespace

// IkeRecord is an IKE SA as its events described it.
struct IkeService::IkeRecord {
    ike::IkeSaId id;
    bool initiator = false;
    std::string algorithms;
    ike::Endpoint local;
    ike::Endpoint remote;
    bool nat_local = false;
    bool nat_remote = false;
    std::string local_id;
    std::string remote_id;
    core::Instant up_at{};
};

// Installed is one CHILD SA pair in the datapath.
struct IkeService::Installed {
    std::size_t peer = 0;
    std::uint32_t reqid = 0;  // the configured child's (ChildPlan::reqid)
    ike::IkeSaId ike;
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
    ipsec::SaPtr in;
    ipsec::SaPtr out;
    std::string name;  // "peer/child"
    std::string algorithms;
    std::string local_ts;
    std::string remote_ts;
    core::Instant installed{};
    bool soft_handled = false;
    // out_active: the outbound SA is in the datapath (a CHILD SA rekeyed by
    // the peer gets it on the peer's DELETE of the old pair, or at activate_at).
    bool out_active = false;
    std::optional<core::Instant> activate_at;
    std::optional<std::uint32_t> replaces;    // the old pair's inbound SPI
    std::optional<core::Instant> retire_at;   // replaced: inbound SA goes then
    bool engine_gone = false;                 // the engine reported it down (replaced: kept for its grace)
    std::optional<core::Instant> rekey_at;    // for listings
    std::optional<core::Instant> expires_at;  // for listings
};

struct IkeService::Peer {
    std::size_t index = 0;
    PeerPlan plan;
    std::unique_ptr<ike::v2::Engine> v2;
    std::unique_ptr<ike::v1::Engine> v1;
    std::optional<core::Instant> initiated_at;  // last negotiation started here
    // child_requested_at: last CREATE_CHILD_SA asked for a child (by reqid), for the hold-off.
    std::map<std::uint32_t, std::optional<core::Instant>> child_requested_at;
    std::vector<IkeRecord> ikes;
    core::Duration v1_ike_lifetime{0};  // IKEv1: the ISAKMP SA lifetime we offer
};

IkeService::IkeService(std::vector<PeerPlan> plans, SendFn send, Logger& log)
    : send_(std::move(send)), log_(log) {
    for (auto& plan : plans) {
        auto p = std::make_unique<Peer>();
        p->index = peers_.size();
        p->plan = std::move(plan);
        if (p->plan.version == 1) {
            if (!p->plan.v1.connections.empty())
                p->v1_ike_lifetime = p->plan.v1.connections.front().ike_lifetime;
            sync_v1_reqids(p->plan);
            p->v1 = std::make_unique<ike::v1::Engine>(std::move(p->plan.v1), rng_);
        } else {
            p->v2 = std::make_unique<ike::v2::Engine>(std::move(p->plan.v2), rng_);
        }
        peers_.push_back(std::move(p));
    }
}

IkeService::~IkeService() = default;

void IkeService::set_datapath(Datapath* dp) {
    dp_ = dp;
    if (dp_ == nullptr) return;
    for (auto& [spi, c] : children_) {
        // A new generation starts without IKE SAs: the same SA objects move
        // in, so sequence numbers and replay windows continue.
        if (c.in) (void)dp_->add_sa(c.in, c.name);
        if (c.out && c.out_active) (void)dp_->add_sa(c.out, c.name);
    }
}

IkeService::Peer* IkeService::find_peer(const std::string& name) {
    const std::string peer = name.substr(0, name.find('/'));
    for (auto& p : peers_) {
        if (p->plan.name == peer) return p.get();
        for (const auto& c : p->plan.children) {
            if (c.name == name || c.config.name == name) return p.get();
        }
    }
    return nullptr;
}

template <typename Output>
void IkeService::handle(Peer& p, Output out, core::Instant now) {
    for (const auto& d : out.datagrams) {
        bool raw = false;
        if constexpr (requires { d.raw; }) raw = d.raw;
        if (send_(to_io(d.local), to_io(d.remote), core::ByteView(d.data.data(), d.data.size()), raw)) {
            ++counters_.datagrams_out;
        } else {
            ++counters_.send_failed;
        }
    }
    for (auto& ev : out.events) on_event(p, std::move(ev), now);
}

void IkeService::start_peer(Peer& p, core::Instant now, const char* why) {
    log_.info("peer '{}': initiating IKEv{} with {} ({})", p.plan.name, p.plan.version,
              p.plan.remote.to_string(), why);
    p.initiated_at = now;
    if (p.v1) {
        handle(p, p.v1->initiate(p.plan.name, now), now);
    } else {
        handle(p, p.v2->initiate(p.plan.name, now), now);
    }
}

void IkeService::start(core::Instant now) {
    for (auto& p : peers_) {
        const bool wanted =
            std::any_of(p->plan.children.begin(), p->plan.children.end(),
                        [](const ChildPlan& c) { return c.config.start_action == StartAction::Start; });
        if (wanted) start_peer(*p, now, "start_action = start");
    }
}

void IkeService::receive(const io::Endpoint& local, const io::Endpoint& remote, core::ByteView data,
                         core::Instant now) {
    ++counters_.datagrams_in;
    for (auto& p : peers_) {
        if (p->plan.remote != remote.address) continue;
        if (p->v1) {
            handle(*p,
                   p->v1->receive(ike::v1::Datagram{to_ike(local), to_ike(remote),
                                                    core::Bytes(data.begin(), data.end())},
                                  now),
                   now);
        } else {
            handle(*p,
                   p->v2->receive(ike::v2::Datagram{to_ike(local), to_ike(remote),
                                                    core::Bytes(data.begin(), data.end())},
                                  now),
                   now);
        }
        return;
    }
    ++counters_.unknown_peer;
    log_.debug("IKE datagram from {} dropped: no peer has that address", remote.to_string());
}

void IkeService::on_event(Peer& p, ike::Event&& ev, core::Instant now) {
    log_.debug("peer '{}': {}", p.plan.name, ike::event_name(ev));
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, ike::IkeSaUp>) {
                IkeRecord r;
                r.id = e.id;
                r.initiator = e.initiator;
                r.algorithms = ike::to_string(e.algorithms);
                r.local = e.local;
                r.remote = e.remote;
                r.nat_local = e.nat_local;
                r.nat_remote = e.nat_remote;
                r.local_id = ike::to_string(e.local_id);
                r.remote_id = ike::to_string(e.remote_id);
                r.up_at = now;
                p.ikes.push_back(std::move(r));
                p.initiated_at.reset();
                log_.info("peer '{}': IKE SA {}_i {}_r up ({}, {} -> {}{})", p.plan.name, hex64(e.id.spi_i),
                          hex64(e.id.spi_r), ike::to_string(e.algorithms), ike::to_string(e.local_id),
                          ike::to_string(e.remote_id), e.nat_local || e.nat_remote ? ", NAT-T" : "");
            } else if constexpr (std::is_same_v<T, ike::IkeSaDown>) {
                std::erase_if(p.ikes, [&](const IkeRecord& r) { return r.id == e.id; });
                std::vector<std::uint32_t> gone;
                for (const auto& [spi, c] : children_) {
                    if (c.peer == p.index && c.ike == e.id) gone.push_back(spi);
                }
                for (auto spi : gone) remove_child(spi, "its IKE SA went down");
                log_.info("peer '{}': IKE SA {}_i {}_r down: {}", p.plan.name, hex64(e.id.spi_i),
                          hex64(e.id.spi_r), e.reason);
            } else if constexpr (std::is_same_v<T, ike::IkeSaRekeyed>) {
                for (auto& r : p.ikes) {
                    if (r.id == e.old_id) {
                        r.id = e.new_id;
                        r.algorithms = ike::to_string(e.algorithms);
                        r.up_at = now;
                    }
                }
                for (auto& [spi, c] : children_) {
                    if (c.peer == p.index && c.ike == e.old_id) c.ike = e.new_id;
                }
                log_.info("peer '{}': IKE SA {}_i {}_r rekeyed: now {}_i {}_r ({})", p.plan.name,
                          hex64(e.old_id.spi_i), hex64(e.old_id.spi_r), hex64(e.new_id.spi_i),
                          hex64(e.new_id.spi_r), ike::to_string(e.algorithms));
            } else if constexpr (std::is_same_v<T, ike::ChildSaUp>) {
                p.initiated_at.reset();
                p.child_requested_at.erase(e.child.reqid);
                if (auto spi = install(p, e.ike, std::move(e.child), now)) {
                    ++counters_.children_up;
                    // One pair per configured child: an older pair of the
                    // same child is stale (the peer restarted, or both sides
                    // initiated); the new pair carries the traffic from now
                    // on and the old one is deleted after kRetireGrace.
                    // Within one IKEv2 SA the engine settles duplicates
                    // itself (a rekey collision, RFC 7296 §2.8.1, deletes
                    // the redundant SA), so only other IKE SAs' pairs go here.
                    const std::uint32_t reqid = children_.at(*spi).reqid;
                    for (auto& [old_spi, old] : children_) {
                        if (old_spi == *spi || old.peer != p.index || old.reqid != reqid || old.retire_at)
                            continue;
                        if (p.v2 && old.ike == e.ike) continue;
                        retire(old, now);
                        log_.info("peer '{}': CHILD SA {} ({}) replaced by {}: deleting it in {} s",
                                  p.plan.name, old.name, hex32(old_spi), hex32(*spi), kRetireGrace.count());
                    }
                    Installed& c = children_.at(*spi);
                    activate_out(c, "new");
                    log_.info("peer '{}': CHILD SA {} up: SPIs {} in / {} out, {}, {} === {}{}", p.plan.name,
                              c.name, hex32(c.spi_in), hex32(c.spi_out), c.algorithms, c.local_ts,
                              c.remote_ts, c.out && c.out->config().udp_encap ? ", ESP in UDP" : "");
                }
            } else if constexpr (std::is_same_v<T, ike::ChildSaRekeyed>) {
                child_rekeyed(p, e, now);
            } else if constexpr (std::is_same_v<T, ike::ChildSaDown>) {
                child_down(e, now);
            } else if constexpr (std::is_same_v<T, ike::ChildSaFailed>) {
                p.initiated_at.reset();
                log_.warn("peer '{}': CHILD SA refused: {}", p.plan.name, e.reason);
            } else if constexpr (std::is_same_v<T, ike::AuthFailed>) {
                p.initiated_at.reset();
                log_.error("peer '{}': authentication failed: {}", p.plan.name, e.reason);
            }
        },
        ev);
}

std::optional<std::uint32_t> IkeService::install(Peer& p, const ike::IkeSaId& id, ike::ChildSaKeys keys,
                                                 core::Instant now) {
    // The engine names the child by its reqid (IKEv2: ChildSpec::reqid;
    // IKEv1: one per quick mode, ike::v1::ChildSpec::reqid); none is the first.
    const ChildPlan* found = &p.plan.children.front();
    for (const auto& plan_child : p.plan.children) {
        if (keys.reqid != 0 && plan_child.reqid == keys.reqid) found = &plan_child;
    }
    const ChildPlan& ch = *found;
    keys.reqid = ch.reqid;
    auto [in_cfg, out_cfg] = keys.to_sa_configs();
    ipsec::Lifetimes life = child_lifetimes(ch.config);
    std::optional<core::Instant> rekey_at;
    std::optional<core::Instant> expires_at;
    if (p.v1) {
        // IKEv1 negotiated one lifetime and its engine rekeys (rekey_margin
        // before it) and deletes on time by itself; the datapath keeps only
        // the volume limits and a hard time a little past the engine's.
        life.soft.time = core::Duration::zero();
        if (life.hard.time > core::Duration::zero()) life.hard.time += std::chrono::seconds(10);
        for (const auto& info : p.v1->children()) {
            if (info.spi_in != keys.spi_in) continue;
            rekey_at = info.rekey_at;
            expires_at = info.expires_at;
        }
    } else {
        // IKEv2: the datapath's soft time lifetime asks the engine for the
        // rekey. A random share of up to a tenth comes off (strongSwan's
        // rand_time), so two gateways with one configuration rarely start
        // rekeys at once (a collision, RFC 7296 §2.8.1, costs an exchange).
        if (life.soft.time > core::Duration::zero()) {
            life.soft.time -= jitter(life.soft.time / 10);
            rekey_at = now + life.soft.time;
        }
        if (life.hard.time > core::Duration::zero()) expires_at = now + life.hard.time;
    }
    in_cfg.lifetimes = life;
    out_cfg.lifetimes = life;
    in_cfg.replay_window = ch.config.replay_window;
    out_cfg.replay_window = ch.config.replay_window;
    in_cfg.copy_dscp = out_cfg.copy_dscp = ch.config.copy_dscp;
    in_cfg.copy_ecn = out_cfg.copy_ecn = ch.config.copy_ecn;
    const std::string name = p.plan.name + "/" + ch.name;
    Installed c;
    c.peer = p.index;
    c.reqid = ch.reqid;
    c.ike = id;
    c.spi_in = keys.spi_in;
    c.spi_out = keys.spi_out;
    c.name = name;
    c.algorithms = ike::to_string(keys.algorithms);
    for (const auto& t : keys.local_ts) c.local_ts += (c.local_ts.empty() ? "" : ",") + ike::to_string(t);
    for (const auto& t : keys.remote_ts) c.remote_ts += (c.remote_ts.empty() ? "" : ",") + ike::to_string(t);
    c.installed = now;
    c.rekey_at = rekey_at;
    c.expires_at = expires_at;
    auto in = ipsec::SecurityAssociation::create(std::move(in_cfg), now);
    auto out = ipsec::SecurityAssociation::create(std::move(out_cfg), now);
    if (!in || !out) {
        ++counters_.sa_install_failed;
        log_.error("peer '{}': CHILD SA {} cannot be installed: {}", p.plan.name, hex32(keys.spi_in),
                   ipsec::to_string(!in ? in.error() : out.error()));
        return std::nullopt;
    }
    c.in = std::move(in).value();
    c.out = std::move(out).value();
    if (dp_ != nullptr) {
        if (auto r = dp_->add_sa(c.in, name); !r) {
            ++counters_.sa_install_failed;
            log_.error("peer '{}': inbound SA {}: {}", p.plan.name, hex32(keys.spi_in),
                       ipsec::to_string(r.error()));
            return std::nullopt;
        }
    }
    // The outbound SA goes in with activate_out (at once, or for a rekey
    // the peer started, once the peer has its new inbound SA).
    const std::uint32_t spi = c.spi_in;
    children_[spi] = std::move(c);
    return spi;
}

void IkeService::remove_child(std::uint32_t spi_in, const std::string& why) {
    auto it = children_.find(spi_in);
    if (it == children_.end()) return;
    Installed& c = it->second;
    if (dp_ != nullptr) {
        if (c.in) (void)dp_->remove_sa(ipsec::Direction::Inbound, ipsec::key_of(*c.in));
        if (c.out) (void)dp_->remove_sa(ipsec::Direction::Outbound, ipsec::key_of(*c.out));
    }
    log_.info("CHILD SA {} (SPIs {} in / {} out) removed: {}", c.name, hex32(c.spi_in), hex32(c.spi_out),
              why);
    children_.erase(it);
}

void IkeService::activate_out(Installed& c, const char* why) {
    c.activate_at.reset();
    if (c.out_active || !c.out) return;
    if (dp_ != nullptr) {
        if (auto r = dp_->add_sa(c.out, c.name); !r) {
            ++counters_.sa_install_failed;
            log_.error("CHILD SA {}: outbound SA {}: {}", c.name, hex32(c.spi_out),
                       ipsec::to_string(r.error()));
            return;
        }
    }
    c.out_active = true;
    if (c.replaces) {
        // The SAD already sends with the newest outbound SA of the reqid;
        // the old one leaves so that it is never picked again.
        auto it = children_.find(*c.replaces);
        if (it != children_.end() && it->second.out_active) {
            if (dp_ != nullptr && it->second.out)
                (void)dp_->remove_sa(ipsec::Direction::Outbound, ipsec::key_of(*it->second.out));
            it->second.out_active = false;
        }
        log_.debug("CHILD SA {}: outbound SA {} carries the traffic now ({}), {} no longer", c.name,
                   hex32(c.spi_out), why,
                   it != children_.end() ? hex32(it->second.spi_out) : std::string("the old one"));
    }
}

void IkeService::retire(Installed& c, core::Instant now) {
    if (c.out_active && dp_ != nullptr && c.out)
        (void)dp_->remove_sa(ipsec::Direction::Outbound, ipsec::key_of(*c.out));
    c.out_active = false;
    c.activate_at.reset();
    if (!c.retire_at) c.retire_at = now + kRetireGrace;
}

void IkeService::child_rekeyed(Peer& p, ike::ChildSaRekeyed& e, core::Instant now) {
    // Make-before-break: the new pair first (RFC 7296 §1.3.3; IKEv1: the
    // new quick mode's SAs before the old ones' DELETE, RFC 2409 §5.5).
    auto spi = install(p, e.ike, std::move(e.child), now);
    if (!spi) return;
    ++counters_.children_rekeyed;
    Installed& c = children_.at(*spi);
    auto old = children_.find(e.old_spi_in);
    if (old != children_.end() && !old->second.retire_at) c.replaces = e.old_spi_in;
    // Did this host send the CREATE_CHILD_SA request? Then the peer had
    // installed both new SAs before it answered, and ours can send at once.
    bool we_asked = true;
    if (p.v2) {
        for (const auto& info : p.v2->children()) {
            if (info.spi_in == *spi) we_asked = info.initiator;
        }
    }
    if (we_asked || old == children_.end() || old->second.retire_at || !old->second.out_active) {
        activate_out(c, we_asked ? "we rekeyed" : "no old SA to wait for");
        if (old != children_.end()) retire(old->second, now);
    } else {
        // The peer asked: it may read our response after our first packet
        // on the new SA, so the old outbound SA carries on until its DELETE
        // of the old pair (child_down) or kRetireGrace, whichever first.
        c.activate_at = now + kRetireGrace;
        old->second.retire_at = now + kRetireGrace;
    }
    log_.info("peer '{}': CHILD SA rekeyed: SPIs {} in / {} out replace {} / {}{}", p.plan.name, hex32(*spi),
              hex32(c.spi_out), hex32(e.old_spi_in), hex32(e.old_spi_out),
              c.out_active ? "" : " (the new outbound SA waits for the peer's DELETE of the old one)");
}

void IkeService::child_down(const ike::ChildSaDown& e, core::Instant now) {
    auto it = children_.find(e.spi_in);
    if (it == children_.end()) return;
    Installed& c = it->second;
    // A replacement waiting for this DELETE may send now.
    for (auto& [spi, n] : children_) {
        if (n.replaces == e.spi_in && !n.out_active && !n.retire_at)
            activate_out(n, "the old SA was deleted");
    }
    ++counters_.children_down;
    if (c.retire_at) {
        // Replaced: its inbound SA still takes what is in flight until
        // the end of the grace; the engine has forgotten it already.
        c.engine_gone = true;
        retire(c, now);
        log_.debug("CHILD SA {} ({}) deleted by IKE ({}); its inbound SA goes in {} s", c.name,
                   hex32(e.spi_in), e.reason,
                   std::chrono::duration_cast<std::chrono::seconds>(*c.retire_at - now).count());
        return;
    }
    remove_child(e.spi_in, e.reason);
}

IkeService::Installed* IkeService::find_sa(std::uint32_t spi, ipsec::Direction dir) {
    if (dir == ipsec::Direction::Inbound) {
        auto it = children_.find(spi);
        return it == children_.end() ? nullptr : &it->second;
    }
    for (auto& [k, c] : children_) {
        if (c.spi_out == spi) return &c;
    }
    return nullptr;
}

void IkeService::lifetime(std::uint32_t spi, ipsec::Direction dir, bool hard, core::Instant now) {
    Installed* c = find_sa(spi, dir);
    if (c == nullptr || c->retire_at) return;  // not ours, or already replaced
    Peer& p = *peers_[c->peer];
    const std::uint32_t spi_in = c->spi_in;
    if (!hard) {
        if (c->soft_handled) return;
        c->soft_handled = true;
        log_.info("CHILD SA {} ({}) reached its soft lifetime: rekeying", c->name, hex32(spi_in));
        // IKEv2: CREATE_CHILD_SA with REKEY_SA (RFC 7296 §1.3.3); IKEv1: a new quick mode.
        if (p.v1) {
            handle(p, p.v1->child_expired(spi_in, false, now), now);
        } else {
            handle(p, p.v2->child_expired(spi_in, false, now), now);
        }
        return;
    }
    log_.warn("CHILD SA {} ({}) reached its hard lifetime: deleting it", c->name, hex32(spi_in));
    // The engine tells the peer (a DELETE); the SAs leave the datapath now.
    if (p.v1) {
        handle(p, p.v1->child_expired(spi_in, true, now), now);
    } else {
        handle(p, p.v2->child_expired(spi_in, true, now), now);
    }
    if (children_.count(spi_in) != 0) remove_child(spi_in, "hard lifetime");
}

void IkeService::datapath_event(const InboxEvent& e, core::Instant now) {
    switch (e.kind) {
        case ipsec::EventKind::Acquire: {
            ++counters_.acquires;
            for (auto& p : peers_) {
                for (const auto& ch : p->plan.children) {
                    if (ch.reqid != e.reqid) continue;
                    if (ch.config.start_action == StartAction::None) {
                        ++counters_.acquires_ignored;
                        log_.debug("acquire for {}/{}: start_action = none, waiting for the peer",
                                   p->plan.name, ch.name);
                        return;
                    }
                    const bool has_child =
                        std::any_of(children_.begin(), children_.end(), [&](const auto& kv) {
                            return kv.second.peer == p->index && kv.second.reqid == ch.reqid &&
                                   !kv.second.retire_at;
                        });
                    if (!has_child) start_child(*p, ch, now, "traffic with no SA (acquire)");
                    return;
                }
            }
            return;
        }
        case ipsec::EventKind::SoftExpired: lifetime(e.spi, e.direction, false, now); return;
        case ipsec::EventKind::HardExpired: lifetime(e.spi, e.direction, true, now); return;
    }
}

void IkeService::lifetime_tick(const ipsec::SecurityAssociation& sa, bool hard, core::Instant now) {
    lifetime(sa.spi(), sa.config().direction, hard, now);
}

void IkeService::on_timer(core::Instant now) {
    for (auto& p : peers_) {
        if (p->v1) {
            if (auto t = p->v1->next_timer(); t && *t <= now) handle(*p, p->v1->on_timer(now), now);
        } else {
            if (auto t = p->v2->next_timer(); t && *t <= now) handle(*p, p->v2->on_timer(now), now);
        }
    }
    // A rekey the peer started whose DELETE of the old pair did not come
    // within kRetireGrace: the new outbound SA takes over anyway.
    for (auto& [spi, c] : children_) {
        if (c.activate_at && *c.activate_at <= now) activate_out(c, "no DELETE from the peer in time");
    }
    std::vector<std::uint32_t> expired;
    for (const auto& [spi, c] : children_) {
        if (c.retire_at && *c.retire_at <= now) expired.push_back(spi);
    }
    for (auto spi : expired) {
        auto it = children_.find(spi);
        if (it == children_.end()) continue;
        Peer& p = *peers_[it->second.peer];
        // The engine tells the peer (a DELETE) unless the pair is gone
        // there already (IKEv2: deleted in the rekey exchange's wake).
        if (!it->second.engine_gone) {
            if (p.v1) {
                handle(p, p.v1->delete_child(spi, now), now);
            } else {
                handle(p, p.v2->delete_child(spi, now), now);
            }
        }
        remove_child(spi, "replaced");
    }
}

std::optional<core::Instant> IkeService::next_timer() const {
    std::optional<core::Instant> best;
    auto take = [&](std::optional<core::Instant> t) {
        if (t && (!best || *t < *best)) best = t;
    };
    for (const auto& p : peers_) take(p->v1 ? p->v1->next_timer() : p->v2->next_timer());
    for (const auto& [spi, c] : children_) {
        take(c.retire_at);
        take(c.activate_at);
    }
    return best;
}

void IkeService::shutdown(core::Instant now) {
    for (auto& p : peers_) {
        if (p->v1) {
            handle(*p, p->v1->shutdown(now), now);
        } else {
            handle(*p, p->v2->shutdown(now), now);
        }
    }
    std::vector<std::uint32_t> rest;
    for (const auto& [spi, c] : children_) rest.push_back(spi);
    for (auto spi : rest) remove_child(spi, "shutdown");
}

void IkeService::add_peer(PeerPlan plan, core::Instant now) {
    auto p = std::make_unique<Peer>();
    p->index = peers_.size();
    p->plan = std::move(plan);
    if (p->plan.version == 1) {
        if (!p->plan.v1.connections.empty()) p->v1_ike_lifetime = p->plan.v1.connections.front().ike_lifetime;
        sync_v1_reqids(p->plan);
        p->v1 = std::make_unique<ike::v1::Engine>(std::move(p->plan.v1), rng_);
    } else {
        p->v2 = std::make_unique<ike::v2::Engine>(std::move(p->plan.v2), rng_);
    }
    Peer& added = *p;
    peers_.push_back(std::move(p));
    const bool wanted =
        std::any_of(added.plan.children.begin(), added.plan.children.end(),
                    [](const ChildPlan& c) { return c.config.start_action == StartAction::Start; });
    if (wanted) start_peer(added, now, "added by a reload, start_action = start");
}

bool IkeService::remove_peer(const std::string& name, core::Instant now) {
    auto it = std::find_if(peers_.begin(), peers_.end(), [&](const auto& p) { return p->plan.name == name; });
    if (it == peers_.end()) return false;
    Peer& p = **it;
    const std::size_t index = p.index;
    if (p.v1) {
        handle(p, p.v1->shutdown(now), now);
    } else {
        handle(p, p.v2->shutdown(now), now);
    }
    // What the engine did not report down (a replaced pair in its grace).
    std::vector<std::uint32_t> rest;
    for (const auto& [spi, c] : children_) {
        if (c.peer == index) rest.push_back(spi);
    }
    for (auto spi : rest) remove_child(spi, "peer removed by a reload");
    peers_.erase(it);
    // Children point at their peer by index: close the gap.
    for (auto& q : peers_) {
        if (q->index > index) --q->index;
    }
    for (auto& [spi, c] : children_) {
        if (c.peer > index) --c.peer;
    }
    return true;
}

void IkeService::start_child(Peer& p, const ChildPlan& ch, core::Instant now, const char* why) {
    // With an IKEv2 SA up, a missing child gets its own CREATE_CHILD_SA
    // (RFC 7296 §1.3.1); without one, the IKE SA is set up first (its
    // IKE_AUTH carries the first child, the others follow). IKEv1: a quick
    // mode of its own under the ISAKMP SA (RFC 2409 §5.5), or main mode
    // first, after which the engine runs this child's quick mode too.
    if (p.v1) {
        if (!p.ikes.empty()) {
            auto& last = p.child_requested_at[ch.reqid];
            if (last && now - *last < kInitiateHoldOff) return;
            last = now;
        } else {
            if (p.initiated_at && now - *p.initiated_at < kInitiateHoldOff) return;
            p.initiated_at = now;
        }
        log_.info("peer '{}': asking for IPsec SA {} with quick mode ({})", p.plan.name, ch.name, why);
        handle(p, p.v1->initiate_child(p.plan.name, ch.name, now), now);
        return;
    }
    if (p.v2 && !p.ikes.empty()) {
        auto& last = p.child_requested_at[ch.reqid];
        if (last && now - *last < kInitiateHoldOff) return;
        last = now;
        log_.info("peer '{}': asking for CHILD SA {} ({})", p.plan.name, ch.name, why);
        handle(p, p.v2->create_child(p.plan.name, ch.name, now), now);
        return;
    }
    if (p.initiated_at && now - *p.initiated_at < kInitiateHoldOff) return;
    start_peer(p, now, why);
}

std::vector<const ChildPlan*> IkeService::find_children(const Peer& p, const std::string& name) {
    const auto slash = name.find('/');
    const std::string child = slash == std::string::npos ? name : name.substr(slash + 1);
    std::vector<const ChildPlan*> out;
    if (slash == std::string::npos && child == p.plan.name) return out;  // the whole peer
    for (const auto& c : p.plan.children) {
        if (c.name == child) out.push_back(&c);
    }
    // An IKEv1 child of several subnet pairs by its configured name: all its pairs.
    if (out.empty()) {
        for (const auto& c : p.plan.children) {
            if (c.config.name == child) out.push_back(&c);
        }
    }
    return out;
}

IkeService::Reply IkeService::initiate(const std::string& name, core::Instant now) {
    Peer* p = find_peer(name);
    if (p == nullptr) return {false, "no peer or child named '" + name + "'"};
    if (const auto named = find_children(*p, name); !named.empty() && (p->v1 || !p->ikes.empty())) {
        std::string names;
        for (const ChildPlan* ch : named) {
            p->child_requested_at.erase(ch->reqid);
            if (p->v1) p->initiated_at.reset();
            start_child(*p, *ch, now, "strata ctl initiate");
            names += (names.empty() ? "" : ", ") + ch->name;
        }
        return {true, "asking peer '" + p->plan.name + "' for CHILD SA " + names};
    }
    start_peer(*p, now, "strata ctl initiate");
    return {true, "initiating peer '" + p->plan.name + "' (IKEv" + std::to_string(p->plan.version) + ")"};
}

IkeService::Reply IkeService::terminate(const std::string& name, core::Instant now) {
    Peer* p = find_peer(name);
    if (p == nullptr) return {false, "no peer or child named '" + name + "'"};
    const std::size_t before = p->ikes.size();
    if (before == 0) return {false, "peer '" + p->plan.name + "' has no IKE SA to terminate"};
    // RFC 7296 §1.4.1 / RFC 2409 §5.7: a DELETE of the IKE SA takes its
    // CHILD SAs along; the engine reports them down as the peer answers.
    if (p->v1) {
        handle(*p, p->v1->delete_ike(p->plan.name, now), now);
    } else {
        handle(*p, p->v2->delete_ike(p->plan.name, now), now);
    }
    return {true, "deleting " + std::to_string(before) + (p->v1 ? " ISAKMP SA(s)" : " IKE SA(s)") +
                      " of peer '" + p->plan.name + "' and their CHILD SAs"};
}

IkeService::Reply IkeService::rekey(const std::string& name, core::Instant now) {
    Peer* p = find_peer(name);
    if (p == nullptr) return {false, "no peer or child named '" + name + "'"};
    // A child's name rekeys that child's SAs only; the peer's, all of them.
    const auto named = find_children(*p, name);
    auto wanted = [&](std::uint32_t reqid) {
        return named.empty() || std::any_of(named.begin(), named.end(),
                                            [&](const ChildPlan* ch) { return ch->reqid == reqid; });
    };
    std::vector<std::uint32_t> spis;
    for (const auto& [spi, c] : children_) {
        if (c.peer == p->index && !c.retire_at && wanted(c.reqid)) spis.push_back(spi);
    }
    if (spis.empty())
        return {false, !named.empty() ? "child '" + named.front()->config.name + "' of peer '" +
                                            p->plan.name + "' has no CHILD SA to rekey"
                                      : "peer '" + p->plan.name + "' has no CHILD SA to rekey"};
    for (auto spi : spis) {
        if (p->v1) {
            handle(*p, p->v1->rekey_child(spi, now), now);
        } else {
            handle(*p, p->v2->rekey_child(spi, now), now);
        }
    }
    return {true, "rekeying " + std::to_string(spis.size()) + " CHILD SA(s) of peer '" + p->plan.name + "'"};
}

IkeService::Reply IkeService::rekey_ike(const std::string& name, core::Instant now) {
    Peer* p = find_peer(name);
    if (p == nullptr) return {false, "no peer or child named '" + name + "'"};
    if (p->ikes.empty()) return {false, "peer '" + p->plan.name + "' has no IKE SA to rekey"};
    const std::size_t n = p->ikes.size();
    if (p->v1) {
        handle(*p, p->v1->rekey_ike(p->plan.name, now), now);
    } else {
        handle(*p, p->v2->rekey_ike(p->plan.name, now), now);
    }
    return {true, "rekeying " + std::to_string(n) + (p->v1 ? " ISAKMP SA(s)" : " IKE SA(s)") + " of peer '" +
                      p->plan.name + "'"};
}

core::Duration IkeService::jitter(core::Duration max) {
    if (max <= core::Duration::zero()) return core::Duration::zero();
    std::array<std::uint8_t, 8> b{};
    if (!rng_.fill(core::MutableByteView(b.data(), b.size()))) return core::Duration::zero();
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    const auto span = static_cast<std::uint64_t>(max.count()) + 1;
    return core::Duration(static_cast<core::Duration::rep>(v % span));
}

std::size_t IkeService::ike_sa_count() const {
    std::size_t n = 0;
    for (const auto& p : peers_) n += p->ikes.size();
    return n;
}

nlohmann::json IkeService::ike_sas(core::Instant now) const {
    json out = json::array();
    for (const auto& p : peers_) {
        for (const auto& r : p->ikes) {
            json children = json::array();
            for (const auto& [spi, c] : children_) {
                if (c.peer != p->index || !(c.ike == r.id)) continue;
                children.push_back(
                    json{{"name", c.name},
                         {"spi_in", hex32(c.spi_in)},
                         {"spi_out", hex32(c.spi_out)},
                         {"algorithms", c.algorithms},
                         {"local_ts", c.local_ts},
                         {"remote_ts", c.remote_ts},
                         {"age_seconds", seconds_between(c.installed, now)},
                         {"rekey_in_seconds", c.retire_at ? json(nullptr) : seconds_until(c.rekey_at, now)},
                         {"expires_in_seconds", seconds_until(c.retire_at ? c.retire_at : c.expires_at, now)},
                         {"replaced", c.retire_at.has_value()}});
            }
            const auto age = seconds_between(r.up_at, now);
            std::optional<core::Instant> rekey_at;
            std::optional<core::Instant> expires_at;
            if (p->v2) {
                for (const auto& info : p->v2->ike_sas()) {
                    if (!(info.id == r.id)) continue;
                    rekey_at = info.rekey_at;
                    expires_at = info.expires_at;
                }
            } else if (p->v1_ike_lifetime > core::Duration::zero()) {
                expires_at = r.up_at + p->v1_ike_lifetime;  // the lifetime we offered (RFC 2409 §5)
            }
            out.push_back(json{{"name", p->plan.name},
                               {"keying", p->v1 ? "IKEv1" : "IKEv2"},
                               {"state", "established"},
                               {"spi_i", hex64(r.id.spi_i)},
                               {"spi_r", hex64(r.id.spi_r)},
                               {"initiator", r.initiator},
                               {"algorithms", r.algorithms},
                               {"local", r.local.address.to_string() + ":" + std::to_string(r.local.port)},
                               {"remote", r.remote.address.to_string() + ":" + std::to_string(r.remote.port)},
                               {"nat_t", r.nat_local || r.nat_remote},
                               {"local_id", r.local_id},
                               {"remote_id", r.remote_id},
                               {"age_seconds", age},
                               {"rekey_in_seconds", seconds_until(rekey_at, now)},
                               {"expires_in_seconds", seconds_until(expires_at, now)},
                               {"children", children}});
        }
    }
    return out;
}

nlohmann::json IkeService::child_view(std::uint32_t spi, ipsec::Direction dir, core::Instant now) const {
    const Installed* c = nullptr;
    if (dir == ipsec::Direction::Inbound) {
        auto it = children_.find(spi);
        if (it != children_.end()) c = &it->second;
    } else {
        for (const auto& [k, v] : children_) {
            if (v.spi_out == spi) c = &v;
        }
    }
    if (c == nullptr) return nullptr;
    return json{{"state", c->retire_at ? "replaced" : "installed"},
                {"rekey_in_seconds", c->retire_at ? json(nullptr) : seconds_until(c->rekey_at, now)},
                {"expires_in_seconds", seconds_until(c->retire_at ? c->retire_at : c->expires_at, now)}};
}

nlohmann::json IkeService::counters() const {
    json peers = json::object();
    for (const auto& p : peers_) {
        if (p->v1) {
            const auto& s = p->v1->stats();
            peers[p->plan.name] = json{{"version", 1},
                                       {"malformed", s.malformed},
                                       {"unknown_cookies", s.unknown_cookies},
                                       {"invalid_cookies", s.invalid_cookies},
                                       {"auth_failed", s.auth_failed},
                                       {"duplicates", s.duplicates},
                                       {"retransmits", s.retransmits},
                                       {"refused_exchanges", s.refused_exchanges}};
        } else {
            const auto& s = p->v2->stats();
            peers[p->plan.name] = json{{"version", 2},
                                       {"malformed", s.malformed},
                                       {"integrity_failed", s.integrity_failed},
                                       {"unknown_spi", s.unknown_spi},
                                       {"bad_message_id", s.bad_message_id},
                                       {"retransmits_answered", s.retransmits_answered},
                                       {"half_open_dropped", s.half_open_dropped}};
        }
    }
    const IkeCounters& c = counters_;
    return json{{"datagrams_in", c.datagrams_in},
                {"datagrams_out", c.datagrams_out},
                {"send_failed", c.send_failed},
                {"unknown_peer", c.unknown_peer},
                {"acquires", c.acquires},
                {"acquires_ignored", c.acquires_ignored},
                {"sa_install_failed", c.sa_install_failed},
                {"children_up", c.children_up},
                {"children_rekeyed", c.children_rekeyed},
                {"children_down", c.children_down},
                {"peers", peers}};
}

}  // namespace strata::gateway
