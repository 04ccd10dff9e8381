// engine.cpp: the engine's dispatch, timers and requests.
#include "ike/v1/engine.hpp"

#include <algorithm>
#include <array>

#include "ike/nonce.hpp"
#include "ike/v1/engine_state.hpp"

namespace strata::ike::v1 {

std::string_view to_string(Phase1State s) noexcept {
    switch (s) {
        case Phase1State::Mm1Sent: return "MM1-sent";
        case Phase1State::Mm3Sent: return "MM3-sent";
        case Phase1State::Mm5Sent: return "MM5-sent";
        case Phase1State::Mm4Sent: return "MM4-sent";
        case Phase1State::Established: return "established";
    }
    return "unknown";
}

std::optional<std::vector<crypto::Proposal>> parse_ah_proposals(std::string_view text) {
    std::vector<crypto::Proposal> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        std::string_view one =
            text.substr(start, comma == std::string_view::npos ? text.size() - start : comma - start);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
        crypto::Proposal p;
        std::size_t at = 0;
        while (at <= one.size()) {
            const std::size_t dash = one.find('-', at);
            const std::string_view tok =
                one.substr(at, dash == std::string_view::npos ? one.size() - at : dash - at);
            if (const auto* i = crypto::find_integrity(tok)) {
                p.integrity.push_back(i);
            } else if (const auto* d = crypto::find_dh(tok)) {
                p.dh.push_back(d);
            } else {
                return std::nullopt;
            }
            if (dash == std::string_view::npos) break;
            at = dash + 1;
        }
        if (p.integrity.empty()) return std::nullopt;
        out.push_back(std::move(p));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string for_child(std::string_view child) {
    return child.empty() ? std::string() : " (child '" + std::string(child) + "')";
}

ipsec::Lifetimes ChildInfo::lifetimes() const {
    ipsec::Lifetimes l;
    l.hard.bytes = choice.life_kilobytes * 1024;
    l.soft.bytes = l.hard.bytes / 10 * 9;
    l.hard.time = expires_at - installed;
    if (rekey_at) l.soft.time = *rekey_at - installed;
    return l;
}

Engine::Engine(EngineConfig config, crypto::RandomSource& rng)
    : config_(std::move(config)), rng_(rng), cookies_(rng, config_.cookie_window) {
    if (!config_.certificate_cache)
        config_.certificate_cache =
            std::make_shared<crypto::CertificateCache>(kEngineCertificateCacheCapacity);
    for (const auto& c : config_.connections) {
        // The first child from the connection's own fields (single-child
        // users set only those), then the further ones.
        ChildSpec first;
        first.name = c.base.child_name;
        first.reqid = c.base.child_reqid;
        first.protocol = c.protocol;
        first.esp_proposals = c.base.esp_proposals;
        first.ah_proposals = c.ah_proposals;
        if (!c.base.local_ts.empty()) first.local_ts = c.base.local_ts.front();
        if (!c.base.remote_ts.empty()) first.remote_ts = c.base.remote_ts.front();
        first.mode = c.base.mode;
        first.lifetime = c.child_lifetime;
        first.kilobytes = c.child_kilobytes;
        first.rekey_margin = c.rekey_margin;
        first.start = c.initiate_child;
        std::vector<ChildSpec> specs{std::move(first)};
        specs.insert(specs.end(), c.more_children.begin(), c.more_children.end());
        specs_.push_back(std::move(specs));
    }
}

Engine::~Engine() = default;

const Connection* Engine::find_connection(std::string_view name) const {
    for (const auto& c : config_.connections)
        if (c.base.name == name) return &c;
    return nullptr;
}

const std::vector<ChildSpec>& Engine::specs_for(const Connection& c) const {
    return specs_.at(static_cast<std::size_t>(&c - config_.connections.data()));
}

bool Engine::child_pending(const Connection* conn, std::size_t spec) const {
    for (const auto& [spi, c] : children_)
        if (c->conn == conn && c->spec == spec) return true;
    for (const auto& [k, sa] : p1_) {
        if (sa->conn != conn) continue;
        for (const auto& [m, qx] : sa->quick)
            if (qx.initiator && qx.state == QuickState::Qm1Sent && qx.spec == spec && !qx.rekey_of)
                return true;
    }
    return false;
}

void Engine::start_children(Phase1Sa& sa, core::Instant now, Output& out) {
    // RFC 2409 §5.5: one quick mode per pair of client IDs, each under its
    // own message ID, all protected by this ISAKMP SA.
    const auto& specs = specs_for(*sa.conn);
    std::set<std::size_t> asked;
    if (auto it = requested_.find(sa.conn); it != requested_.end()) {
        asked = std::move(it->second);
        requested_.erase(it);
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (!specs[i].start && asked.count(i) == 0) continue;
        if (child_pending(sa.conn, i)) continue;
        start_quick(sa, now, out, std::nullopt, i);
    }
}

const Connection* Engine::connection_for(const Datagram& in) const {
    // RFC 2409 §5.4: with pre-shared keys in main mode the responder must pick
    // the key before it sees an identity, so the peer's address decides.
    for (const auto& c : config_.connections)
        if (c.base.remote_address == in.remote.address && c.base.local_address == in.local.address) return &c;
    return nullptr;
}

Engine::Phase1Sa* Engine::established_for(const Connection* conn) {
    Phase1Sa* best = nullptr;
    for (auto& [k, sa] : p1_)
        if (sa->conn == conn && sa->state == Phase1State::Established && !sa->rekeyed &&
            (best == nullptr || sa->established_at > best->established_at))
            best = sa.get();
    return best;
}

std::uint32_t Engine::new_message_id(const Phase1Sa& sa) {
    for (;;) {
        std::array<std::uint8_t, 4> b{};
        if (!rng_.fill(b)) b = {0, 0, 0, 1};
        const std::uint32_t v =
            (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
        if (v != 0 && sa.quick.count(v) == 0) return v;
    }
}

std::uint32_t Engine::new_spi() {
    for (int i = 0; i < 64; ++i) {
        auto s = make_spi32(rng_);
        if (s && children_.count(*s) == 0) {
            bool pending = false;
            for (const auto& [k, sa] : p1_)
                for (const auto& [m, qx] : sa->quick) pending = pending || qx.spi_in == *s;
            if (!pending) return *s;
        }
    }
    return 0;
}

void Engine::send(Phase1Sa& sa, core::Bytes bytes, Output& out) {
    out.datagrams.push_back(Datagram{sa.local, sa.remote, std::move(bytes)});
}

void Engine::arm_retransmit(Phase1Sa& sa, core::Instant now) {
    sa.rt.armed = true;
    sa.rt.sends = 1;
    sa.rt.wait = sa.conn->base.retransmit.initial;
    sa.rt.at = now + sa.rt.wait;
}

Output Engine::initiate(std::string_view connection, core::Instant now) {
    Output out;
    const Connection* conn = find_connection(connection);
    if (conn == nullptr) return out;
    if (Phase1Sa* sa = established_for(conn); sa != nullptr) {
        // The first child always (as with one child), the others with start
        // unless they have an SA.
        const auto& specs = specs_for(*conn);
        start_quick(*sa, now, out, std::nullopt, 0);
        for (std::size_t i = 1; i < specs.size(); ++i)
            if (specs[i].start && !child_pending(conn, i)) start_quick(*sa, now, out, std::nullopt, i);
        return out;
    }
    start_main_mode(*conn, now, out, std::nullopt);
    return out;
}

Output Engine::initiate_child(std::string_view connection, std::string_view child, core::Instant now) {
    Output out;
    const Connection* conn = find_connection(connection);
    if (conn == nullptr) return out;
    const auto& specs = specs_for(*conn);
    std::size_t index = specs.size();
    for (std::size_t i = 0; i < specs.size(); ++i)
        if (specs[i].name == child) index = i;
    if (index == specs.size()) return out;
    if (Phase1Sa* sa = established_for(conn); sa != nullptr) {
        if (!child_pending(conn, index)) start_quick(*sa, now, out, std::nullopt, index);
        return out;
    }
    requested_[conn].insert(index);
    for (const auto& [k, sa] : p1_)
        if (sa->conn == conn && sa->initiator && !sa->rekey_of) return out;  // main mode on its way
    start_main_mode(*conn, now, out, std::nullopt);
    return out;
}

Output Engine::receive(const Datagram& in, core::Instant now) {
    Output out;
    auto h = parse_header(in.data);
    if (!h) {
        ++stats_.malformed;
        return out;
    }
    const SaKey key{cookie_u64(h->initiator), cookie_u64(h->responder)};
    switch (static_cast<ExchangeType>(h->exchange)) {
        case ExchangeType::IdentityProtection: on_main_mode(in, *h, now, out); break;
        case ExchangeType::QuickMode: {
            auto it = p1_.find(key);
            if (it == p1_.end() || it->second->state != Phase1State::Established || !h->encrypted()) {
                ++stats_.unknown_cookies;
                break;
            }
            on_quick(*it->second, in, *h, now, out);
            break;
        }
        case ExchangeType::Informational: {
            auto it = p1_.find(key);
            if (it == p1_.end()) it = p1_.find(SaKey{key.first, 0});
            on_informational(it == p1_.end() ? nullptr : it->second.get(), in, *h, now, out);
            break;
        }
        case ExchangeType::Aggressive:
        case ExchangeType::Base:
        case ExchangeType::AuthenticationOnly:
        case ExchangeType::NewGroupMode:
            // Aggressive mode sends HASH_R in the clear next to everything an
            // offline dictionary attack on the PSK needs: refused on purpose.
            ++stats_.refused_exchanges;
            if (is_zero(h->responder)) send_plain_notify(in, *h, NotifyType::UnsupportedExchangeType, out);
            break;
        default:
            ++stats_.refused_exchanges;
            if (is_zero(h->responder)) send_plain_notify(in, *h, NotifyType::InvalidExchangeType, out);
            break;
    }
    return out;
}

std::optional<core::Instant> Engine::next_timer() const {
    std::optional<core::Instant> t;
    auto take = [&](core::Instant x) {
        if (!t || x < *t) t = x;
    };
    for (const auto& [k, sa] : p1_) {
        if (sa->rt.armed) take(sa->rt.at);
        if (sa->state != Phase1State::Established && !sa->rt.armed)
            take(sa->created + config_.half_open_timeout * 4);
        if (sa->state == Phase1State::Established) {
            take(sa->expires_at);
            if (sa->rekey_at) take(*sa->rekey_at);
            if (sa->dpd_at) take(*sa->dpd_at);
        }
        for (const auto& [m, qx] : sa->quick) {
            if (qx.rt.armed) take(qx.rt.at);
            if (qx.state == QuickState::Done) take(qx.forget_at);
        }
    }
    for (const auto& [k, ho] : half_open_) take(ho->created + config_.half_open_timeout);
    for (const auto& [spi, c] : children_) {
        take(c->expires_at);
        if (c->rekey_at && !c->rekeying) take(*c->rekey_at);
    }
    return t;
}

Output Engine::on_timer(core::Instant now) {
    Output out;
    // Half-open offers that never saw an MM3.
    while (!half_open_order_.empty()) {
        auto it = half_open_.find(half_open_order_.front());
        if (it != half_open_.end() && it->second->created + config_.half_open_timeout > now) break;
        if (it != half_open_.end()) half_open_.erase(it);
        half_open_order_.pop_front();
    }
    std::vector<SaKey> keys;
    for (const auto& [k, sa] : p1_) keys.push_back(k);
    for (const SaKey& k : keys) {
        auto it = p1_.find(k);
        if (it == p1_.end()) continue;
        Phase1Sa& sa = *it->second;
        const RetransmitConfig& rc = sa.conn->base.retransmit;
        if (sa.rt.armed && sa.rt.at <= now) {
            if (sa.rt.sends >= rc.tries) {
                remove_phase1(k, "retransmits exhausted", false, out);
                continue;
            }
            ++stats_.retransmits;
            ++sa.rt.sends;
            sa.rt.wait = std::chrono::duration_cast<core::Duration>(sa.rt.wait * rc.backoff);
            sa.rt.at = now + sa.rt.wait;
            send(sa, sa.last_out, out);
        }
        if (sa.state != Phase1State::Established) {
            if (!sa.rt.armed && sa.created + config_.half_open_timeout * 4 <= now) {
                remove_phase1(k, "negotiation stalled", false, out);
            }
            continue;
        }
        if (sa.expires_at <= now) {
            remove_phase1(k, "lifetime expired", false, out);
            continue;
        }
        if (sa.rekey_at && *sa.rekey_at <= now) {
            sa.rekey_at.reset();
            start_main_mode(*sa.conn, now, out, sa.id());
        }
        if (sa.dpd_at && *sa.dpd_at <= now) {
            if (sa.dpd_outstanding >= rc.tries) {
                remove_phase1(k, "dead peer (DPD)", false, out);
                continue;
            }
            send_dpd(sa, now, out);
        }
        std::vector<std::uint32_t> mids;
        for (const auto& [m, qx] : sa.quick) mids.push_back(m);
        for (std::uint32_t m : mids) {
            auto qit = sa.quick.find(m);
            QuickExchange& qx = qit->second;
            if (qx.state == QuickState::Done) {
                if (qx.forget_at <= now) sa.quick.erase(qit);
                continue;
            }
            if (!qx.rt.armed || qx.rt.at > now) continue;
            if (qx.rt.sends >= rc.tries) {
                const bool was_initiator = qx.initiator;
                const std::uint32_t spi = qx.spi_in;
                const std::optional<std::uint32_t> rekey_of = qx.rekey_of;
                const ipsec::Protocol protocol = qx.offer.protocol;
                const std::string child = specs_for(*sa.conn).at(qx.spec).name;
                sa.quick.erase(qit);
                if (was_initiator) {
                    out.events.emplace_back(ChildSaFailed{
                        sa.conn->base.name, sa.id(), "quick mode retransmits exhausted" + for_child(child)});
                    if (rekey_of) {
                        auto c = children_.find(*rekey_of);
                        if (c != children_.end()) c->second->rekeying = false;
                    }
                } else {
                    // The initiator may have installed the SA already: tell it
                    // to drop it (RFC 2408 §3.15, our SPI is its outbound SPI).
                    DeletePayload d;
                    d.protocol = static_cast<std::uint8_t>(protocol == ipsec::Protocol::Ah ? ProtocolId::Ah
                                                                                           : ProtocolId::Esp);
                    d.spi_size = 4;
                    d.spis.push_back({static_cast<std::uint8_t>(spi >> 24),
                                      static_cast<std::uint8_t>(spi >> 16),
                                      static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)});
                    send_informational(sa, {OutPayload{PayloadType::Delete, encode_delete(d)}}, out);
                }
                continue;
            }
            ++stats_.retransmits;
            ++qx.rt.sends;
            qx.rt.wait = std::chrono::duration_cast<core::Duration>(qx.rt.wait * rc.backoff);
            qx.rt.at = now + qx.rt.wait;
            send(sa, qx.last_out, out);
        }
    }
    // IPsec SA lifetimes (seconds): rekey at the soft time, delete at the hard one.
    std::vector<std::uint32_t> spis;
    for (const auto& [spi, c] : children_) spis.push_back(spi);
    for (std::uint32_t spi : spis) {
        auto it = children_.find(spi);
        if (it == children_.end()) continue;
        Child& c = *it->second;
        if (c.expires_at <= now) {
            send_delete_child(established_for(c.conn), c, out);
            remove_child(spi, "lifetime expired", out);
            continue;
        }
        if (c.rekey_at && !c.rekeying && *c.rekey_at <= now) {
            Phase1Sa* sa = established_for(c.conn);
            if (sa == nullptr) {
                // No ISAKMP SA to rekey under: make one, and try again later.
                bool negotiating = false;
                for (const auto& [k, other] : p1_) negotiating = negotiating || other->conn == c.conn;
                if (!negotiating) start_main_mode(*c.conn, now, out, std::nullopt);
                c.rekey_at = now + c.conn->base.retransmit.initial;
                continue;
            }
            c.rekeying = true;
            start_quick(*sa, now, out, spi);
        }
    }
    return out;
}

Output Engine::delete_child(std::uint32_t spi_in, core::Instant) {
    Output out;
    auto it = children_.find(spi_in);
    if (it == children_.end()) return out;
    send_delete_child(established_for(it->second->conn), *it->second, out);
    remove_child(spi_in, "deleted locally", out);
    return out;
}

Output Engine::delete_ike(std::string_view connection, core::Instant) {
    Output out;
    const Connection* conn = find_connection(connection);
    std::vector<std::uint32_t> spis;
    for (const auto& [spi, c] : children_)
        if (c->conn == conn) spis.push_back(spi);
    for (std::uint32_t spi : spis) {
        auto it = children_.find(spi);
        send_delete_child(established_for(conn), *it->second, out);
        remove_child(spi, "deleted locally", out);
    }
    std::vector<SaKey> keys;
    for (const auto& [k, sa] : p1_)
        if (sa->conn == conn) keys.push_back(k);
    for (const SaKey& k : keys) {
        Phase1Sa& sa = *p1_.at(k);
        if (sa.state == Phase1State::Established) {
            // RFC 2408 §3.15: the ISAKMP SA's "SPI" is the two cookies.
            DeletePayload d;
            d.protocol = static_cast<std::uint8_t>(ProtocolId::Isakmp);
            d.spi_size = 16;
            core::Bytes spi(sa.cky_i.begin(), sa.cky_i.end());
            spi.insert(spi.end(), sa.cky_r.begin(), sa.cky_r.end());
            d.spis.push_back(std::move(spi));
            send_informational(sa, {OutPayload{PayloadType::Delete, encode_delete(d)}}, out);
        }
        remove_phase1(k, "deleted locally", false, out);
    }
    return out;
}

Output Engine::rekey_child(std::uint32_t spi_in, core::Instant now) {
    Output out;
    auto it = children_.find(spi_in);
    if (it == children_.end() || it->second->rekeying) return out;
    Phase1Sa* sa = established_for(it->second->conn);
    if (sa == nullptr) return out;
    it->second->rekeying = true;
    start_quick(*sa, now, out, spi_in);
    return out;
}

Output Engine::rekey_ike(std::string_view connection, core::Instant now) {
    Output out;
    const Connection* conn = find_connection(connection);
    if (conn == nullptr) return out;
    Phase1Sa* sa = established_for(conn);
    if (sa == nullptr) return out;
    sa->rekey_at.reset();
    start_main_mode(*conn, now, out, sa->id());
    return out;
}

Output Engine::child_expired(std::uint32_t spi_in, bool hard, core::Instant now) {
    if (hard) return delete_child(spi_in, now);
    return rekey_child(spi_in, now);
}

Output Engine::shutdown(core::Instant now) {
    Output out;
    std::vector<std::string> names;
    for (const auto& c : config_.connections) names.push_back(c.base.name);
    for (const auto& n : names) {
        Output o = delete_ike(n, now);
        for (auto& d : o.datagrams) out.datagrams.push_back(std::move(d));
        for (auto& e : o.events) out.events.emplace_back(std::move(e));
    }
    half_open_.clear();
    half_open_order_.clear();
    return out;
}

std::vector<ChildInfo> Engine::children() const {
    std::vector<ChildInfo> v;
    for (const auto& [spi, c] : children_) {
        ChildInfo i;
        i.connection = c->conn->base.name;
        const ChildSpec& spec = specs_for(*c->conn).at(c->spec);
        i.child = spec.name;
        i.reqid = spec.reqid;
        if (!c->keys.local_ts.empty()) i.local_ts = c->keys.local_ts.front();
        if (!c->keys.remote_ts.empty()) i.remote_ts = c->keys.remote_ts.front();
        i.ike = c->ike;
        i.spi_in = c->keys.spi_in;
        i.spi_out = c->keys.spi_out;
        i.choice = c->choice;
        i.initiator = c->initiator;
        i.keymat_in = c->keymat_in;
        i.keymat_out = c->keymat_out;
        i.installed = c->installed;
        i.rekey_at = c->rekey_at;
        i.expires_at = c->expires_at;
        v.push_back(std::move(i));
    }
    return v;
}

std::vector<IkeInfo> Engine::ike_sas() const {
    std::vector<IkeInfo> v;
    for (const auto& [k, sa] : p1_) {
        IkeInfo i;
        i.connection = sa->conn->base.name;
        i.id = sa->id();
        i.initiator = sa->initiator;
        i.established = sa->state == Phase1State::Established;
        i.choice = sa->choice;
        i.local = sa->local;
        i.remote = sa->remote;
        i.nat_local = sa->nat_local;
        i.nat_remote = sa->nat_remote;
        if (sa->keys) {
            auto copy = [](const core::SecretBytes& s) {
                return core::Bytes(s.view().begin(), s.view().end());
            };
            i.enc_key = copy(sa->keys->enc_key);
            i.skeyid = copy(sa->keys->skeyid);
            i.skeyid_d = copy(sa->keys->skeyid_d);
            i.skeyid_a = copy(sa->keys->skeyid_a);
            i.skeyid_e = copy(sa->keys->skeyid_e);
        }
        v.push_back(std::move(i));
    }
    return v;
}

}  // namespace strata::ike::v1
