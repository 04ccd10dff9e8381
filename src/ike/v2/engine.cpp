#include "ike/v2/engine.hpp"

#include <algorithm>

#include "crypto/dh.hpp"
#include "ike/nonce.hpp"
#include "ike/v2/certificates.hpp"
#include "ike/v2/exchange_util.hpp"
#include "ike/v2/ike_sa.hpp"
#include "ike/v2/negotiation.hpp"

namespace strata::ike::v2 {

Engine::Engine(EngineConfig config, crypto::RandomSource& rng) : config_(std::move(config)), rng_(rng) {
    if (!config_.certificate_cache) {
        config_.certificate_cache =
            std::make_shared<crypto::CertificateCache>(kEngineCertificateCacheCapacity);
    }
    specs_.reserve(config_.connections.size());
    for (const auto& c : config_.connections) {
        std::vector<ChildSpec> v;
        ChildSpec first;
        first.name = c.child_name;
        first.reqid = c.child_reqid;
        first.esp_proposals = c.esp_proposals;
        first.local_ts = c.local_ts;
        first.remote_ts = c.remote_ts;
        first.mode = c.mode;
        first.rekey_time = c.child_rekey_time;
        first.rand_time = c.child_rand_time;
        first.life_time = c.child_life_time;
        v.push_back(std::move(first));
        v.insert(v.end(), c.more_children.begin(), c.more_children.end());
        specs_.push_back(std::move(v));
    }
}

const std::vector<ChildSpec>& Engine::specs_for(const ConnectionConfig& c) const {
    // Every IkeSa's connection is an element of config_.connections.
    return specs_[static_cast<std::size_t>(&c - config_.connections.data())];
}
Engine::~Engine() = default;

const ConnectionConfig* Engine::find_connection(std::string_view name) const {
    for (const auto& c : config_.connections)
        if (c.name == name) return &c;
    return nullptr;
}

const ConnectionConfig* Engine::connection_for(const Endpoint& local, const Endpoint& remote) const {
    for (const auto& c : config_.connections)
        if (c.remote_address == remote.address && c.local_address == local.address) return &c;
    for (const auto& c : config_.connections)
        if (c.remote_address == remote.address) return &c;
    return nullptr;
}

std::size_t Engine::half_open() const noexcept {
    return static_cast<std::size_t>(std::count_if(
        sas_.begin(), sas_.end(), [](const auto& kv) { return kv.second->state_ == SaState::HalfOpen; }));
}

Output Engine::initiate(std::string_view connection, core::Instant now) {
    Output out;
    const auto* c = find_connection(connection);
    if (c == nullptr || c->ike_proposals.empty() || c->ike_proposals.front().dh.empty()) return out;
    auto sa = std::make_unique<IkeSa>(*this, *c, true);
    auto spi = make_spi64(rng_);
    auto ni = make_nonce(rng_, kNonceLength);
    if (!spi || !ni || sas_.count(*spi) != 0) return out;
    sa->spi_i_ = *spi;
    sa->ni_ = std::move(ni).value();
    sa->local_ = {c->local_address, c->local_port};
    sa->remote_ = {c->remote_address, c->remote_port};
    sa->created_ = now;
    if (!sa->start(out, now, c->ike_proposals.front().dh.front())) return out;
    sas_.emplace(*spi, std::move(sa));
    return out;
}

void Engine::respond_init(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
    const Header& h = m.header;
    // A retransmitted IKE_SA_INIT gets the same answer again (RFC 7296 §2.1).
    for (const auto& [spi, sa] : sas_) {
        if (!sa->initiator_ && sa->spi_i_ == h.spi_i && sa->remote_ == in.remote) {
            if (sa->state_ == SaState::HalfOpen && !sa->last_response_.empty()) {
                ++stats_.retransmits_answered;
                out.datagrams.push_back(Datagram{in.local, in.remote, sa->last_response_});
            }
            return;
        }
    }
    const auto* c = connection_for(in.local, in.remote);
    if (c == nullptr) return;
    if (half_open() >= config_.max_half_open) {
        ++stats_.half_open_dropped;
        return;
    }
    auto reply_plain = [&](const std::vector<RawPayload>& pl) {
        Header r;
        r.spi_i = h.spi_i;
        r.exchange = ExchangeType::IkeSaInit;
        r.flags = kFlagResponse;
        out.datagrams.push_back(Datagram{in.local, in.remote, encode_plain(r, pl)});
    };
    // RFC 7296 §2.6: once too many SAs are half-open, only a request that
    // echoes our COOKIE gets state; others get a stateless COOKIE notify.
    if (half_open() >= config_.cookie_threshold) {
        const auto* ni0 = find(m.payloads, PayloadType::Nonce);
        auto ns0 = find_notifies(m.payloads);
        if (ni0 == nullptr || !ns0) {
            ++stats_.malformed;
            return;
        }
        const auto* ck = find_notify(*ns0, NotifyType::Cookie);
        if (ck == nullptr || !cookies_.check(ck->data, ni0->body, in.remote.address, h.spi_i, now)) {
            auto cookie = cookies_.make(ni0->body, in.remote.address, h.spi_i, now);
            if (!cookie) return;
            ++stats_.cookies_sent;
            return reply_plain({notify(NotifyType::Cookie, std::move(cookie).value())});
        }
    }
    const auto* sap = find(m.payloads, PayloadType::SA);
    const auto* kep = find(m.payloads, PayloadType::KE);
    const auto* nip = find(m.payloads, PayloadType::Nonce);
    auto ns = find_notifies(m.payloads);
    if (sap == nullptr || kep == nullptr || nip == nullptr || !ns) {
        ++stats_.malformed;
        return reply_plain({notify(NotifyType::InvalidSyntax)});  // RFC 7296 §2.21.1
    }
    auto props = parse_sa(sap->body);
    auto ke = parse_ke(kep->body);
    if (!props || !ke || nip->body.size() < kMinNonceLength || nip->body.size() > kMaxNonceLength) {
        ++stats_.malformed;
        return reply_plain({notify(NotifyType::InvalidSyntax)});
    }
    auto sel = select_ike(*props, c->ike_proposals);
    if (!sel) return reply_plain({notify(NotifyType::NoProposalChosen)});
    const auto group = static_cast<std::uint16_t>(sel->algorithms.dh->group);
    if (ke->group != group) {
        // RFC 7296 §1.2: name the group we want; keep no state.
        return reply_plain({notify(NotifyType::InvalidKePayload, {static_cast<std::uint8_t>(group >> 8),
                                                                  static_cast<std::uint8_t>(group)})});
    }
    auto sa = std::make_unique<IkeSa>(*this, *c, false);
    auto spi = make_spi64(rng_);
    auto nr = make_nonce(rng_, kNonceLength);
    auto kx = crypto::KeyExchange::generate(sel->algorithms.dh->group, rng_);
    if (!spi || !nr || !kx || sas_.count(*spi) != 0) return;
    auto g = kx->derive(ke->data, crypto::Encoding::Ike);
    if (!g) return reply_plain({notify(NotifyType::InvalidSyntax)});
    sa->spi_i_ = h.spi_i;
    sa->spi_r_ = *spi;
    sa->ni_ = nip->body;
    sa->nr_ = std::move(nr).value();
    sa->algs_ = sel->algorithms;
    sa->g_ir_ = std::move(g).value();
    sa->local_ = in.local;
    sa->remote_ = in.remote;
    sa->created_ = now;
    sa->init_request_.assign(in.data.begin(), in.data.end());
    if (!sa->setup_keys()) return;
    sa->check_nat(*ns, h, in);
    read_init_notifies(*ns, *c, sa->auth_);
    std::vector<RawPayload> pl;
    pl.push_back(payload(PayloadType::SA, encode_sa({sel->reply})));
    pl.push_back(payload(PayloadType::KE, encode_ke({group, kx->public_value(crypto::Encoding::Ike)})));
    pl.push_back(payload(PayloadType::Nonce, sa->nr_));
    // RFC 7296 §1.2: a responder that authenticates with certificates asks
    // for the initiator's in its IKE_SA_INIT response (strongSwan's default
    // send_cert = ifasked sends no CERT without it).
    if (c->auth == AuthKind::PublicKey) {
        if (auto req = certreq_payload(c->ca_certs)) pl.push_back(std::move(*req));
    }
    for (auto& p : sa->nat_payloads(h.spi_i, *spi)) pl.push_back(std::move(p));
    for (auto& p : init_notifies(*c)) pl.push_back(std::move(p));  // RFC 7427 §4, RFC 7383 §2.3
    sa->init_response_ = encode_plain(sa->header(ExchangeType::IkeSaInit, true, 0), pl);
    sa->last_response_ = sa->init_response_;
    sa->expected_request_id_ = 1;
    sa->next_request_id_ = 0;
    sa->state_ = SaState::HalfOpen;
    out.datagrams.push_back(Datagram{in.local, in.remote, sa->init_response_});
    sas_.emplace(*spi, std::move(sa));
}

Output Engine::receive(const Datagram& in, core::Instant now) {
    Output out;
    auto m = parse_message(in.data);
    if (!m) {
        ++stats_.malformed;
        return out;
    }
    const Header& h = m->header;
    if (h.exchange == ExchangeType::IkeSaInit && !h.is_response() && h.spi_r == 0 && h.message_id == 0) {
        respond_init(in, *m, now, out);
        return out;
    }
    // The SPI this host chose: the responder's if the sender is the initiator.
    const std::uint64_t ours = h.from_initiator() ? h.spi_r : h.spi_i;
    auto it = sas_.find(ours);
    if (it == sas_.end() ||
        (h.from_initiator() ? it->second->spi_i_ != h.spi_i
                            : (it->second->spi_r_ != 0 && it->second->spi_r_ != h.spi_r))) {
        ++stats_.unknown_spi;
        return out;
    }
    it->second->raw_ = in.data;
    it->second->handle(in, *m, now, out);
    it->second->raw_ = {};
    settle();
    return out;
}

Output Engine::on_timer(core::Instant now) {
    Output out;
    for (auto& [spi, sa] : sas_) sa->timer(now, out);
    settle();
    return out;
}

Output Engine::shutdown(core::Instant now) {
    Output out;
    settle();
    for (auto& [spi, sa] : sas_) {
        if (sa->state_ == SaState::Established) {
            sa->now_ = now;
            sa->outstanding_.reset();
            sa->send_delete(out, now);
            sa->children_down(out, "IKE SA deleted locally");
            if (sa->announced_)
                out.events.emplace_back(IkeSaDown{sa->conn_.name, sa->id(), "deleted locally"});
        }
    }
    sas_.clear();
    return out;
}

std::optional<core::Instant> Engine::next_timer() const {
    std::optional<core::Instant> t;
    for (const auto& [spi, sa] : sas_) {
        auto s = sa->next_timer(config_);
        if (s && (!t || *s < *t)) t = s;
    }
    return t;
}

std::vector<KeyLogEntry> Engine::key_log() const {
    std::vector<KeyLogEntry> v;
    for (const auto& [spi, sa] : sas_) {
        if (!sa->keys_) continue;
        auto copy = [](const core::SecretBytes& s) { return core::Bytes(s.view().begin(), s.view().end()); };
        v.push_back(KeyLogEntry{sa->id(), sa->algs_, copy(sa->keys_->sk_ei), copy(sa->keys_->sk_er),
                                copy(sa->keys_->sk_ai), copy(sa->keys_->sk_ar), copy(sa->keys_->skeyseed),
                                copy(sa->keys_->sk_d)});
    }
    return v;
}

void Engine::adopt(std::unique_ptr<IkeSa> sa) { adopted_.push_back(std::move(sa)); }

void Engine::settle() {
    for (auto& n : adopted_) {
        const auto spi = n->local_spi();
        if (sas_.count(spi) == 0) sas_.emplace(spi, std::move(n));
    }
    adopted_.clear();
    for (auto it = sas_.begin(); it != sas_.end();) {
        if (it->second->state_ == SaState::Dead) {
            it = sas_.erase(it);
        } else {
            ++it;
        }
    }
}

IkeSa* Engine::find_sa(std::uint64_t local_spi) {
    if (auto it = sas_.find(local_spi); it != sas_.end()) return it->second.get();
    for (auto& n : adopted_)
        if (n->local_spi() == local_spi) return n.get();
    return nullptr;
}

IkeSa* Engine::owner_of_child(std::uint32_t spi_in) {
    for (auto& [spi, sa] : sas_)
        if (sa->state_ == SaState::Established && sa->child_by_in(spi_in) != nullptr) return sa.get();
    return nullptr;
}

Output Engine::rekey_child(std::uint32_t spi_in, core::Instant now) {
    Output out;
    if (auto* sa = owner_of_child(spi_in)) {
        const auto* c = sa->child_by_in(spi_in);
        if (c->state == ChildState::Installed) {
            sa->now_ = now;
            sa->queue(Task{TaskKind::RekeyChild, spi_in, now, std::nullopt, 0}, false, now, out);
        }
    }
    settle();
    return out;
}

Output Engine::delete_child(std::uint32_t spi_in, core::Instant now) {
    Output out;
    if (auto* sa = owner_of_child(spi_in)) {
        const auto* c = sa->child_by_in(spi_in);
        if (c->state != ChildState::Deleting) {
            sa->now_ = now;
            sa->queue(Task{TaskKind::DeleteChild, spi_in, now, std::nullopt, 0}, false, now, out);
        }
    }
    settle();
    return out;
}

Output Engine::child_expired(std::uint32_t spi_in, bool hard, core::Instant now) {
    // A soft limit asks for a rekey, a hard one ends the SA.
    return hard ? delete_child(spi_in, now) : rekey_child(spi_in, now);
}

Output Engine::rekey_ike(std::string_view connection, core::Instant now) {
    Output out;
    for (auto& [spi, sa] : sas_) {
        if (sa->conn_.name != connection || sa->state_ != SaState::Established || !sa->announced_) continue;
        sa->now_ = now;
        sa->queue(Task{TaskKind::RekeyIke, 0, now, std::nullopt, 0}, false, now, out);
    }
    settle();
    return out;
}

Output Engine::delete_ike(std::string_view connection, core::Instant now) {
    Output out;
    for (auto& [spi, sa] : sas_) {
        if (sa->conn_.name != connection || sa->state_ != SaState::Established) continue;
        sa->now_ = now;
        sa->queue(Task{TaskKind::DeleteIke, 0, now, std::nullopt, 0}, true, now, out);
    }
    settle();
    return out;
}

Output Engine::create_child(std::string_view connection, core::Instant now) {
    return new_child(connection, 0, false, now);
}

Output Engine::create_child(std::string_view connection, std::string_view child, core::Instant now) {
    const auto* c = find_connection(connection);
    if (c == nullptr) return {};
    const auto& specs = specs_for(*c);
    auto it = std::find_if(specs.begin(), specs.end(), [&](const ChildSpec& s) { return s.name == child; });
    if (it == specs.end()) return {};
    return new_child(connection, static_cast<std::size_t>(it - specs.begin()), true, now);
}

Output Engine::new_child(std::string_view connection, std::size_t index, bool unless_present,
                         core::Instant now) {
    Output out;
    for (auto& [spi, sa] : sas_) {
        if (sa->conn_.name != connection || sa->state_ != SaState::Established || !sa->announced_) continue;
        if (unless_present && sa->has_child_for(index)) break;
        sa->now_ = now;
        Task t{TaskKind::NewChild, 0, now, std::nullopt, 0};
        t.spec = index;
        sa->queue(t, false, now, out);
        break;
    }
    settle();
    return out;
}

std::vector<ChildInfo> Engine::children() const {
    std::vector<ChildInfo> v;
    for (const auto& [spi, sa] : sas_) {
        for (const auto& c : sa->children_) {
            ChildInfo i;
            i.connection = sa->conn_.name;
            const ChildSpec& spec = sa->spec(c.spec);
            i.child = spec.name;
            i.reqid = spec.reqid;
            i.ike = sa->id();
            i.spi_in = c.spi_in;
            i.spi_out = c.spi_out;
            i.algorithms = c.algs;
            i.mode = c.mode;
            i.local_ts = c.local_ts;
            i.remote_ts = c.remote_ts;
            i.initiator = c.initiator;
            i.rekeying = c.state != ChildState::Installed;
            i.keymat_in = c.keymat_in;
            i.keymat_out = c.keymat_out;
            i.installed = c.installed;
            i.rekey_at = c.rekey_at;
            i.expires_at = c.expire_at;
            v.push_back(std::move(i));
        }
    }
    return v;
}

std::vector<IkeInfo> Engine::ike_sas() const {
    std::vector<IkeInfo> v;
    for (const auto& [spi, sa] : sas_) {
        IkeInfo i;
        i.connection = sa->conn_.name;
        i.id = sa->id();
        i.initiator = sa->initiator_;
        i.established = sa->state_ == SaState::Established && sa->announced_;
        i.algorithms = sa->algs_;
        i.local = sa->local_;
        i.remote = sa->remote_;
        i.nat_local = sa->nat_local_;
        i.nat_remote = sa->nat_remote_;
        i.rekey_at = sa->ike_rekey_at_;
        i.expires_at = sa->ike_expire_at_;
        i.children = sa->children_.size();
        v.push_back(std::move(i));
    }
    return v;
}

}  // namespace strata::ike::v2
