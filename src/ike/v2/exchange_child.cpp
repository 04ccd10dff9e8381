// exchange_child.cpp: CREATE_CHILD_SA (RFC 7296 §1.3), both roles: a new
// CHILD SA (§1.3.1), an IKE SA rekey (§1.3.2, keys per §2.18), a CHILD SA
// rekey with REKEY_SA and an optional new KE for PFS (§1.3.3, keys per
// §2.17), simultaneous rekeys (§2.8.1, §2.8.2) and the error notifies
// TEMPORARY_FAILURE, NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, CHILD_SA_NOT_FOUND.
#include <algorithm>
#include <array>

#include "crypto/dh.hpp"
#include "ike/nonce.hpp"
#include "ike/v2/exchange_util.hpp"
#include "ike/v2/ike_sa.hpp"

namespace strata::ike::v2 {

namespace {

constexpr unsigned kMaxRetries = 5;  // TEMPORARY_FAILURE / INVALID_KE_PAYLOAD retries per task

core::Bytes spi64_bytes(std::uint64_t v) {
    core::Bytes b(8);
    for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
    return b;
}

std::uint64_t spi64_of(core::ByteView b) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | b[i];
    return v;
}

core::Bytes group_bytes(crypto::DhGroup g) {
    const auto v = static_cast<std::uint16_t>(g);
    return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// offers says whether any proposal lists the group.
bool offers(const std::vector<crypto::Proposal>& ps, const crypto::DhInfo* g) {
    return std::any_of(ps.begin(), ps.end(), [&](const crypto::Proposal& p) {
        return std::find(p.dh.begin(), p.dh.end(), g) != p.dh.end();
    });
}

// first_group returns the first group configured in ps (nullptr: none, no PFS).
const crypto::DhInfo* first_group(const std::vector<crypto::Proposal>& ps) {
    for (const auto& p : ps)
        if (!p.dh.empty()) return p.dh.front();
    return nullptr;
}

// lowest returns the smaller of two nonces (compared as byte strings, §2.8.1).
const core::Bytes& lowest(const core::Bytes& a, const core::Bytes& b) { return b < a ? b : a; }

}  // namespace

bool IkeSa::start_create_child(const Task& t, core::Instant now, Output& out) {
    ChildExchange x;
    x.task = t;
    x.kind = t.kind;
    auto ni = make_nonce(eng_.rng_, kNonceLength);
    if (!ni) return false;
    x.ni = std::move(ni).value();
    std::vector<RawPayload> pl;
    if (t.kind == TaskKind::RekeyIke) {
        // RFC 7296 §1.3.2: SA (with the new IKE SA's initiator SPI), Ni, KEi.
        const crypto::DhInfo* g = t.group ? crypto::find_dh(*t.group) : algs_.dh;
        if (g == nullptr || !offers(conn_.ike_proposals, g)) g = first_group(conn_.ike_proposals);
        auto spi = make_spi64(eng_.rng_);
        if (g == nullptr || !spi) return false;
        auto ke = crypto::KeyExchange::generate(g->group, eng_.rng_);
        if (!ke) return false;
        x.new_ike_spi = *spi;
        pl.push_back(payload(PayloadType::SA,
                             encode_sa(to_wire(conn_.ike_proposals, ProtocolId::Ike, spi64_bytes(*spi)))));
        pl.push_back(payload(PayloadType::Nonce, x.ni));
        pl.push_back(payload(PayloadType::KE, encode_ke({static_cast<std::uint16_t>(g->group),
                                                         ke->public_value(crypto::Encoding::Ike)})));
        x.ke.emplace(std::move(ke).value());
    } else {
        ChildEntry* old = nullptr;
        if (t.kind == TaskKind::RekeyChild) {
            old = child_by_in(t.spi_in);
            if (old == nullptr || old->state != ChildState::Installed) return false;
            x.old_spi_in = old->spi_in;
            x.tsi = old->local_ts;
            x.tsr = old->remote_ts;
            x.mode = old->mode;
            x.spec = old->spec;  // a rekey keeps the child's configuration
        } else {
            const ChildSpec& s = spec(t.spec);
            x.tsi = s.local_ts;
            x.tsr = s.remote_ts;
            x.mode = s.mode;
            x.spec = t.spec < eng_.specs_for(conn_).size() ? t.spec : 0;
        }
        const auto& esp = spec(x.spec).esp_proposals;
        auto spi = make_spi32(eng_.rng_);
        if (!spi) return false;
        x.new_spi_in = *spi;
        // PFS: a KE of the group the SA uses (or the first configured one).
        const crypto::DhInfo* g = t.group ? crypto::find_dh(*t.group) : nullptr;
        if (g == nullptr && old != nullptr) g = old->algs.dh;
        if (g == nullptr || !offers(esp, g)) g = first_group(esp);
        // RFC 7296 §1.3.3: REKEY_SA names the SA being replaced by the SPI we receive on.
        if (old != nullptr)
            pl.push_back(notify(NotifyType::RekeySa, {}, ProtocolId::Esp, spi32_bytes(old->spi_in)));
        if (x.mode == ipsec::Mode::Transport) pl.push_back(notify(NotifyType::UseTransportMode));
        pl.push_back(
            payload(PayloadType::SA, encode_sa(to_wire(esp, ProtocolId::Esp, spi32_bytes(*spi), true))));
        pl.push_back(payload(PayloadType::Nonce, x.ni));
        if (g != nullptr) {
            auto ke = crypto::KeyExchange::generate(g->group, eng_.rng_);
            if (!ke) return false;
            pl.push_back(payload(PayloadType::KE, encode_ke({static_cast<std::uint16_t>(g->group),
                                                             ke->public_value(crypto::Encoding::Ike)})));
            x.ke.emplace(std::move(ke).value());
        }
        pl.push_back(payload(PayloadType::TSi, encode_ts(x.tsi)));
        pl.push_back(payload(PayloadType::TSr, encode_ts(x.tsr)));
        if (old != nullptr) old->state = ChildState::Rekeying;
    }
    if (!send_encrypted_request(out, ExchangeType::CreateChildSa, pl, now)) return false;
    cx_ = std::move(x);
    return true;
}

void IkeSa::child_failed(const std::string& reason, core::Instant /*now*/, Output& out) {
    if (!cx_) return;
    if (cx_->kind == TaskKind::RekeyChild) {
        if (auto* old = child_by_in(cx_->old_spi_in); old != nullptr && old->state == ChildState::Rekeying) {
            // After a collision the peer's rekey won and the peer deletes the
            // old SA (§2.8.1); otherwise it stays in use.
            old->state = old->collision ? ChildState::Rekeyed : ChildState::Installed;
        }
    }
    if (cx_->kind != TaskKind::RekeyIke) out.events.emplace_back(ChildSaFailed{conn_.name, id(), reason});
    cx_.reset();
}

void IkeSa::handle_create_child_response(const std::vector<RawPayload>& pl, core::Instant now, Output& out) {
    if (!cx_) return;
    auto ns = find_notifies(pl);
    if (!ns) return child_failed("malformed notify in CREATE_CHILD_SA response", now, out);
    Task retry = cx_->task;
    ++retry.retries;
    if (const auto* n = find_notify(*ns, NotifyType::InvalidKePayload)) {
        // RFC 7296 §1.3: try again with the group the responder asked for, if we offer it.
        const auto& props =
            cx_->kind == TaskKind::RekeyIke ? conn_.ike_proposals : spec(cx_->spec).esp_proposals;
        const crypto::DhInfo* g =
            n->data.size() == 2
                ? crypto::find_dh(static_cast<crypto::DhGroup>((n->data[0] << 8) | n->data[1]))
                : nullptr;
        if (g != nullptr && offers(props, g) && (!cx_->ke || cx_->ke->group() != g->group) &&
            retry.retries <= kMaxRetries) {
            child_failed_quietly();
            retry.group = g->group;
            queue(retry, true, now, out);
            return;
        }
        return child_failed("INVALID_KE_PAYLOAD without a usable group", now, out);
    }
    if (find_notify(*ns, NotifyType::TemporaryFailure) != nullptr) {
        // RFC 7296 §2.25: the peer is busy (e.g. rekeying itself): retry a little later.
        if (retry.retries <= kMaxRetries && (cx_->kind != TaskKind::RekeyChild || !has_collision())) {
            child_failed_quietly();
            retry.not_before = now + std::chrono::seconds(1) + jitter(std::chrono::seconds(4));
            tasks_.push_back(retry);
            return;
        }
        return child_failed("TEMPORARY_FAILURE", now, out);
    }
    if (const auto* e = first_error(*ns)) return child_failed("peer: " + to_string(e->type), now, out);
    if (cx_->kind == TaskKind::RekeyIke) return finish_rekey_ike(pl, *ns, now, out);
    finish_child(pl, *ns, now, out);
}

bool IkeSa::has_collision() {
    if (!cx_ || cx_->kind != TaskKind::RekeyChild) return false;
    const auto* old = child_by_in(cx_->old_spi_in);
    return old != nullptr && old->collision.has_value();
}

void IkeSa::child_failed_quietly() {
    if (!cx_) return;
    if (cx_->kind == TaskKind::RekeyChild)
        if (auto* old = child_by_in(cx_->old_spi_in); old != nullptr && old->state == ChildState::Rekeying)
            old->state = ChildState::Installed;
    cx_.reset();
}

void IkeSa::finish_child(const std::vector<RawPayload>& pl, const std::vector<Notify>& ns, core::Instant now,
                         Output& out) {
    const auto* sa = find(pl, PayloadType::SA);
    const auto* nr = find(pl, PayloadType::Nonce);
    const auto* kep = find(pl, PayloadType::KE);
    const auto* tsi = find(pl, PayloadType::TSi);
    const auto* tsr = find(pl, PayloadType::TSr);
    if (sa == nullptr || nr == nullptr || tsi == nullptr || tsr == nullptr ||
        nr->body.size() < kMinNonceLength || nr->body.size() > kMaxNonceLength)
        return child_failed("malformed CREATE_CHILD_SA response", now, out);
    auto props = parse_sa(sa->body);
    auto ti = parse_ts(tsi->body);
    auto tr = parse_ts(tsr->body);
    if (!props || !ti || !tr) return child_failed("malformed SA/TS in CREATE_CHILD_SA response", now, out);
    auto sel = accept_child(*props, spec(cx_->spec).esp_proposals, cx_->ke.has_value());
    // RFC 7296 §2.9: the responder may only narrow what we proposed.
    if (!sel || !all_within(*ti, cx_->tsi) || !all_within(*tr, cx_->tsr))
        return child_failed("response outside what was proposed", now, out);
    core::SecretBytes g_ir;
    if (sel->algorithms.dh != nullptr) {
        // PFS (§1.3.3): KEr of the group we sent; g^ir (new) feeds KEYMAT (§2.17).
        std::optional<KeyExchange> ke;
        if (kep != nullptr)
            if (auto k = parse_ke(kep->body)) ke = std::move(k).value();
        if (!ke || !cx_->ke || ke->group != static_cast<std::uint16_t>(cx_->ke->group()) ||
            sel->algorithms.dh->group != cx_->ke->group())
            return child_failed("KE missing or of the wrong group", now, out);
        auto g = cx_->ke->derive(ke->data, crypto::Encoding::Ike);
        if (!g) return child_failed("bad KE public value", now, out);
        g_ir = std::move(g).value();
    }
    const bool transport =
        cx_->mode == ipsec::Mode::Transport && find_notify(ns, NotifyType::UseTransportMode) != nullptr;
    const ChildExchange x = std::move(*cx_);
    cx_.reset();
    const ChildEntry* old = x.kind == TaskKind::RekeyChild ? child_by_in(x.old_spi_in) : nullptr;
    const bool collided = old != nullptr && old->collision.has_value();
    std::optional<std::uint32_t> replaces;
    if (old != nullptr && !collided) replaces = x.old_spi_in;
    if (!install_child(out, x.spec, sel->algorithms, x.new_spi_in, sel->peer_spi,
                       transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, *ti, *tr, g_ir.view(), x.ni,
                       nr->body, true, replaces, now))
        return;
    if (x.kind != TaskKind::RekeyChild) return;
    auto* o = child_by_in(x.old_spi_in);
    if (o == nullptr) return;  // deleted by the peer meanwhile
    o->state = ChildState::Rekeyed;
    if (!o->collision) {
        // §1.3.3: the new SA is in; now the old one goes.
        queue(Task{TaskKind::DeleteChild, x.old_spi_in, now, std::nullopt, 0}, true, now, out);
        return;
    }
    // §2.8.1: two new SAs replace one. The one created by the exchange with
    // the lowest of the four nonces is redundant and its creator deletes it;
    // the other side deletes the old SA.
    ++eng_.stats_.rekey_collisions;
    const core::Bytes& mine = lowest(x.ni, nr->body);
    const core::Bytes& theirs = lowest(o->collision->ni, o->collision->nr);
    if (mine < theirs) {
        queue(Task{TaskKind::DeleteChild, x.new_spi_in, now, std::nullopt, 0}, true, now, out);
    } else {
        queue(Task{TaskKind::DeleteChild, x.old_spi_in, now, std::nullopt, 0}, true, now, out);
    }
}

void IkeSa::handle_create_child_request(const Header& h, const std::vector<RawPayload>& pl, core::Instant now,
                                        Output& out) {
    auto ns = find_notifies(pl);
    if (!ns) return send_response(out, h.exchange, h.message_id, {notify(NotifyType::InvalidSyntax)});
    const auto* sa = find(pl, PayloadType::SA);
    if (sa == nullptr)
        return send_response(out, h.exchange, h.message_id, {notify(NotifyType::InvalidSyntax)});
    auto props = parse_sa(sa->body);
    if (!props || props->empty())
        return send_response(out, h.exchange, h.message_id, {notify(NotifyType::InvalidSyntax)});
    // §1.3.2: an SA payload with IKE proposals rekeys the IKE SA.
    if (props->front().protocol == ProtocolId::Ike) return answer_rekey_ike(h, pl, *ns, now, out);
    answer_child(h, pl, *ns, now, out);
}

void IkeSa::answer_child(const Header& h, const std::vector<RawPayload>& pl, const std::vector<Notify>& ns,
                         core::Instant now, Output& out) {
    auto refuse = [&](NotifyType t, core::Bytes data = {}) {
        send_response(out, h.exchange, h.message_id, {notify(t, std::move(data))});
    };
    // RFC 7296 §2.25: while our IKE rekey is in flight, no new CHILD SAs.
    if (cx_ && cx_->kind == TaskKind::RekeyIke) return refuse(NotifyType::TemporaryFailure);
    std::optional<std::uint32_t> old_spi;
    std::optional<std::size_t> chosen;  // the configured child
    bool collision = false;
    if (const auto* rk = find_notify(ns, NotifyType::RekeySa)) {
        if (rk->spi.size() != 4) return refuse(NotifyType::InvalidSyntax);
        const auto* old = child_by_out(spi32_of(rk->spi));
        if (old == nullptr) return refuse(NotifyType::ChildSaNotFound);  // §2.25
        // An SA already replaced or being deleted is not rekeyed again (§2.25).
        if (old->state == ChildState::Rekeyed || old->state == ChildState::Deleting)
            return refuse(NotifyType::TemporaryFailure);
        collision = old->state == ChildState::Rekeying;  // §2.8.1: ours is in flight too
        old_spi = old->spi_in;
        chosen = old->spec;  // a rekey keeps the child's configuration
    }
    const auto* sa = find(pl, PayloadType::SA);
    const auto* nip = find(pl, PayloadType::Nonce);
    const auto* kep = find(pl, PayloadType::KE);
    const auto* tsi = find(pl, PayloadType::TSi);
    const auto* tsr = find(pl, PayloadType::TSr);
    if (sa == nullptr || nip == nullptr || tsi == nullptr || tsr == nullptr ||
        nip->body.size() < kMinNonceLength || nip->body.size() > kMaxNonceLength)
        return refuse(NotifyType::InvalidSyntax);
    auto props = parse_sa(sa->body);
    auto ti = parse_ts(tsi->body);
    auto tr = parse_ts(tsr->body);
    if (!props || !ti || !tr) return refuse(NotifyType::InvalidSyntax);
    if (!chosen) {
        // A new CHILD SA: the configured child whose selectors fit (§2.9).
        NotifyType why = NotifyType::NoProposalChosen;
        chosen = pick_spec(*props, *ti, *tr, true, &why);
        if (!chosen) return refuse(why);
    }
    const ChildSpec& cs = spec(*chosen);
    auto sel = select_child(*props, cs.esp_proposals, true);
    if (!sel) return refuse(NotifyType::NoProposalChosen);
    std::optional<crypto::KeyExchange> kx;
    core::SecretBytes g_ir;
    if (sel->algorithms.dh != nullptr) {
        // §1.3.3: the KE must be of the chosen group, else name the group we want.
        std::optional<KeyExchange> ke;
        if (kep != nullptr)
            if (auto k = parse_ke(kep->body)) ke = std::move(k).value();
        if (!ke || ke->group != static_cast<std::uint16_t>(sel->algorithms.dh->group))
            return refuse(NotifyType::InvalidKePayload, group_bytes(sel->algorithms.dh->group));
        auto k = crypto::KeyExchange::generate(sel->algorithms.dh->group, eng_.rng_);
        if (!k) return refuse(NotifyType::TemporaryFailure);
        auto g = k->derive(ke->data, crypto::Encoding::Ike);
        if (!g) return refuse(NotifyType::InvalidSyntax);
        g_ir = std::move(g).value();
        kx.emplace(std::move(k).value());
    }
    auto n_tsi = narrow(*ti, cs.remote_ts);  // TSi is the requester's (the peer's) side
    auto n_tsr = narrow(*tr, cs.local_ts);
    if (n_tsi.empty() || n_tsr.empty()) return refuse(NotifyType::TsUnacceptable);
    const bool transport =
        find_notify(ns, NotifyType::UseTransportMode) != nullptr && cs.mode == ipsec::Mode::Transport;
    auto spi = make_spi32(eng_.rng_);
    auto nr = make_nonce(eng_.rng_, kNonceLength);
    if (!spi || !nr) return refuse(NotifyType::TemporaryFailure);
    Proposal reply = sel->reply;
    reply.spi = spi32_bytes(*spi);
    std::vector<RawPayload> resp;
    if (transport) resp.push_back(notify(NotifyType::UseTransportMode));
    resp.push_back(payload(PayloadType::SA, encode_sa({reply})));
    resp.push_back(payload(PayloadType::Nonce, *nr));
    if (kx)
        resp.push_back(payload(PayloadType::KE, encode_ke({static_cast<std::uint16_t>(kx->group()),
                                                           kx->public_value(crypto::Encoding::Ike)})));
    resp.push_back(payload(PayloadType::TSi, encode_ts(n_tsi)));
    resp.push_back(payload(PayloadType::TSr, encode_ts(n_tsr)));
    send_response(out, h.exchange, h.message_id, resp);
    if (!install_child(out, *chosen, sel->algorithms, *spi, sel->peer_spi,
                       transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, n_tsr, n_tsi, g_ir.view(),
                       nip->body, *nr, false, old_spi, now))
        return;
    if (!old_spi) return;
    auto* old = child_by_in(*old_spi);
    if (old == nullptr) return;
    if (collision) {
        // Remember the peer's exchange; our response decides (§2.8.1).
        old->collision = Collision{nip->body, *nr, *spi};
    } else {
        old->state = ChildState::Rekeyed;  // §1.3.3: the requester deletes it
    }
}

IkeSa* IkeSa::make_rekeyed_ike(bool initiator, std::uint64_t spi_i, std::uint64_t spi_r,
                               const NegotiatedIke& algs, core::ByteView g_ir, core::ByteView ni,
                               core::ByteView nr, core::Instant now) {
    // RFC 7296 §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), then
    // the seven keys from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) as in §2.14.
    auto keys = derive_ike_keys(algs, g_ir, ni, nr, spi_i, spi_r, keys_->sk_d.view());
    if (!keys) return nullptr;
    auto n = std::make_unique<IkeSa>(eng_, conn_, initiator);
    n->spi_i_ = spi_i;
    n->spi_r_ = spi_r;
    n->ni_.assign(ni.begin(), ni.end());
    n->nr_.assign(nr.begin(), nr.end());
    n->algs_ = algs;
    n->keys_ = std::move(keys).value();
    auto sk = SkCrypto::create(algs, *n->keys_, initiator);
    if (!sk) return nullptr;
    n->sk_.emplace(std::move(sk).value());
    n->local_ = local_;
    n->remote_ = remote_;
    n->nat_local_ = nat_local_;
    n->nat_remote_ = nat_remote_;
    n->peer_id_ = peer_id_;
    n->created_ = now;
    n->now_ = now;
    n->state_ = SaState::Established;
    n->became_up(now);
    IkeSa* raw = n.get();
    eng_.adopt(std::move(n));
    return raw;
}

void IkeSa::move_children_to(IkeSa& n, core::Instant now, Output& out) {
    // §1.3.2: the CHILD SAs keep their SPIs and keys and now belong to n.
    n.children_ = std::move(children_);
    children_.clear();
    for (const auto& t : tasks_)
        if (t.kind == TaskKind::NewChild || t.kind == TaskKind::RekeyChild || t.kind == TaskKind::DeleteChild)
            n.tasks_.push_back(t);
    tasks_.clear();
    n.announced_ = true;
    successor_ = n.local_spi();
    out.events.emplace_back(IkeSaRekeyed{conn_.name, id(), n.id(), n.algs_});
    n.pump(now, out);
}

void IkeSa::retire(core::Instant now) {
    state_ = SaState::Rekeyed;
    tasks_.clear();
    // Wait for the peer's DELETE about as long as it could retransmit.
    rekeyed_until_ = now + std::chrono::seconds(120);
}

void IkeSa::answer_rekey_ike(const Header& h, const std::vector<RawPayload>& pl,
                             const std::vector<Notify>& /*ns*/, core::Instant now, Output& out) {
    auto refuse = [&](NotifyType t, core::Bytes data = {}) {
        send_response(out, h.exchange, h.message_id, {notify(t, std::move(data))});
    };
    // §2.25: a request of ours other than an IKE rekey in flight (a CHILD SA
    // exchange, a DELETE): the peer should try again later, so that nothing
    // is left half done on the old IKE SA.
    if (outstanding_ && !(cx_ && cx_->kind == TaskKind::RekeyIke))
        return refuse(NotifyType::TemporaryFailure);
    const auto* sa = find(pl, PayloadType::SA);
    const auto* nip = find(pl, PayloadType::Nonce);
    const auto* kep = find(pl, PayloadType::KE);
    if (sa == nullptr || nip == nullptr || kep == nullptr || nip->body.size() < kMinNonceLength ||
        nip->body.size() > kMaxNonceLength)
        return refuse(NotifyType::InvalidSyntax);
    auto props = parse_sa(sa->body);
    auto ke = parse_ke(kep->body);
    if (!props || !ke) return refuse(NotifyType::InvalidSyntax);
    auto sel = select_ike(*props, conn_.ike_proposals, 8);
    if (!sel) return refuse(NotifyType::NoProposalChosen);
    if (ke->group != static_cast<std::uint16_t>(sel->algorithms.dh->group))
        return refuse(NotifyType::InvalidKePayload, group_bytes(sel->algorithms.dh->group));
    auto kx = crypto::KeyExchange::generate(sel->algorithms.dh->group, eng_.rng_);
    auto spi = make_spi64(eng_.rng_);
    auto nr = make_nonce(eng_.rng_, kNonceLength);
    if (!kx || !spi || !nr) return refuse(NotifyType::TemporaryFailure);
    auto g = kx->derive(ke->data, crypto::Encoding::Ike);
    if (!g) return refuse(NotifyType::InvalidSyntax);
    const std::uint64_t peer_spi = spi64_of(sel->peer_spi);
    Proposal reply = sel->reply;
    reply.spi = spi64_bytes(*spi);
    std::vector<RawPayload> resp;
    resp.push_back(payload(PayloadType::SA, encode_sa({reply})));
    resp.push_back(payload(PayloadType::Nonce, *nr));
    resp.push_back(payload(PayloadType::KE, encode_ke({static_cast<std::uint16_t>(kx->group()),
                                                       kx->public_value(crypto::Encoding::Ike)})));
    // The requester is the new IKE SA's initiator; its SPI is SPIi (§1.3.2).
    IkeSa* n = make_rekeyed_ike(false, peer_spi, *spi, sel->algorithms, g->view(), nip->body, *nr, now);
    if (n == nullptr) return refuse(NotifyType::TemporaryFailure);
    send_response(out, h.exchange, h.message_id, resp);
    if (cx_ && cx_->kind == TaskKind::RekeyIke) {
        // §2.8.2: both sides rekey at once; our response decides which new SA stays.
        n->announced_ = false;
        ike_collision_ = IkeCollision{nip->body, *nr, n->local_spi()};
        return;
    }
    move_children_to(*n, now, out);
    retire(now);
}

void IkeSa::finish_rekey_ike(const std::vector<RawPayload>& pl, const std::vector<Notify>& /*ns*/,
                             core::Instant now, Output& out) {
    const auto* sa = find(pl, PayloadType::SA);
    const auto* nr = find(pl, PayloadType::Nonce);
    const auto* kep = find(pl, PayloadType::KE);
    if (sa == nullptr || nr == nullptr || kep == nullptr || nr->body.size() < kMinNonceLength ||
        nr->body.size() > kMaxNonceLength)
        return child_failed("malformed IKE rekey response", now, out);
    auto props = parse_sa(sa->body);
    auto ke = parse_ke(kep->body);
    if (!props || !ke || props->size() != 1) return child_failed("malformed IKE rekey response", now, out);
    auto algs = accept_ike(*props, conn_.ike_proposals, 8);
    if (!algs || !cx_->ke || static_cast<std::uint16_t>(algs->dh->group) != ke->group ||
        algs->dh->group != cx_->ke->group())
        return child_failed("IKE rekey response outside what was proposed", now, out);
    auto g = cx_->ke->derive(ke->data, crypto::Encoding::Ike);
    if (!g) return child_failed("bad KE public value", now, out);
    const std::uint64_t peer_spi = spi64_of(props->front().spi);
    const ChildExchange x = std::move(*cx_);
    cx_.reset();
    IkeSa* n = make_rekeyed_ike(true, x.new_ike_spi, peer_spi, *algs, g->view(), x.ni, nr->body, now);
    if (n == nullptr) return;
    if (!ike_collision_) {
        // §1.3.2: the CHILD SAs move to the new IKE SA; then the old one is deleted.
        move_children_to(*n, now, out);
        announced_ = false;
        tasks_.clear();
        send_delete(out, now);
        return;
    }
    // §2.8.2: the new IKE SA created by the exchange with the lowest nonce is
    // redundant; its creator deletes it, the other side deletes the old one.
    ++eng_.stats_.rekey_collisions;
    IkeSa* theirs = eng_.find_sa(ike_collision_->new_local_spi);
    const bool ours_redundant = lowest(x.ni, nr->body) < lowest(ike_collision_->ni, ike_collision_->nr);
    ike_collision_.reset();
    if (ours_redundant && theirs != nullptr) {
        move_children_to(*theirs, now, out);
        n->announced_ = false;
        n->queue(Task{TaskKind::DeleteIke, 0, now, std::nullopt, 0}, true, now, out);
        retire(now);
        return;
    }
    move_children_to(*n, now, out);
    announced_ = false;
    tasks_.clear();
    send_delete(out, now);
}

}  // namespace strata::ike::v2
