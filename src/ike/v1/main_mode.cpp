// main_mode.cpp: main mode with pre-shared keys (RFC 2409 §5, §5.4) or
// signatures (§5.1; phase1_auth.hpp).
//
//   Initiator                          Responder
//   HDR, SA                     -->
//                               <--    HDR, SA
//   HDR, KE, Ni [, CR]          -->
//                               <--    HDR, KE, Nr [, CR]
//   HDR*, IDii, HASH_I          -->                      (pre-shared key)
//   HDR*, IDii, CERT, SIG_I     -->                      (signatures)
//                               <--    HDR*, IDir, HASH_R / IDir, CERT, SIG_R
#include <algorithm>

#include "crypto/constant_time.hpp"
#include "ike/nonce.hpp"
#include "ike/v1/client_id.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/engine_state.hpp"
#include "ike/v1/natt.hpp"
#include "ike/v1/phase1_auth.hpp"

namespace strata::ike::v1 {

namespace {

constexpr std::size_t kNonceLength = 32;
// RFC 2409 §5: "The length of nonce payload MUST be between 8 and 256 bytes".
constexpr std::size_t kMinNonce = 8;
constexpr std::size_t kMaxNonce = 256;

core::Bytes body_of(const RawPayload& p) { return core::Bytes(p.body.begin(), p.body.end()); }

core::Bytes dpd_vid() { return core::Bytes(std::begin(kDpdVendorId), std::end(kDpdVendorId)); }

core::Bytes natt_vid() { return core::Bytes(std::begin(kNattVendorId), std::end(kNattVendorId)); }

bool has_vid(const std::vector<RawPayload>& chain, const core::Bytes& vid) {
    for (const auto& p : chain)
        if (p.type == PayloadType::VendorId && core::equal_public(p.body, vid)) return true;
    return false;
}

bool has_dpd_vid(const std::vector<RawPayload>& chain) { return has_vid(chain, dpd_vid()); }

// vendor_ids returns the VID payloads this host announces: DPD (RFC 3706
// §4.1) and, when enabled, NAT traversal (RFC 3947 §3.1).
std::vector<OutPayload> vendor_ids(bool natt) {
    std::vector<OutPayload> v{OutPayload{PayloadType::VendorId, dpd_vid()}};
    if (natt) v.push_back(OutPayload{PayloadType::VendorId, natt_vid()});
    return v;
}

std::vector<core::ByteView> natd_bodies(const std::vector<RawPayload>& chain) {
    std::vector<core::ByteView> v;
    for (const auto& p : chain)
        if (p.type == PayloadType::NatD) v.push_back(p.body);
    return v;
}

// check_ke returns InvalidKeyInformation unless the KE body has the group's length.
bool ke_fits(const crypto::DhInfo* g, core::ByteView ke) {
    return g != nullptr && ke.size() == g->public_len;
}

core::Result<std::vector<RawPayload>, Error> plain_chain(const Datagram& in, const Header& h) {
    if (h.encrypted()) return core::fail(Error::PayloadMalformed);
    return parse_chain(h.next, core::ByteView(in.data).subspan(kHeaderLength), false);
}

core::Result<std::vector<OutPayload>, Error> auth_payloads(const Engine::Phase1Sa& sa, core::ByteView hash) {
    // RFC 2409 §5: HASH_I / HASH_R; §5.1: the certificates, then SIG_I /
    // SIG_R, the same hash signed.
    if (!is_signature_method(sa.choice.auth_method))
        return std::vector<OutPayload>{OutPayload{PayloadType::Hash, core::Bytes(hash.begin(), hash.end())}};
    auto sig = sign_hash(sa.conn->base, hash);
    if (!sig) return core::fail(sig.error());
    std::vector<OutPayload> v = cert_payloads(sa.conn->base);
    v.push_back(OutPayload{PayloadType::Signature, std::move(sig).value()});
    return v;
}

core::Result<PeerCertificate, PeerAuthFailure> check_peer_signature(const EngineConfig& config,
                                                                    const Engine::Phase1Sa& sa,
                                                                    const std::vector<RawPayload>& chain,
                                                                    const Identity& peer_id,
                                                                    core::ByteView expected_hash) {
    // RFC 5280 §6.1.3: validity needs calendar time, which only the caller has.
    if (config.wall_clock == nullptr)
        return core::fail(PeerAuthFailure{NotifyType::AuthenticationFailed,
                                          "no wall clock to check the peer certificate's validity"});
    return check_signed_peer(sa.conn->base, sa.choice.auth_method, chain, peer_id, expected_hash,
                             config.wall_clock->wall_now(), config.certificate_cache.get());
}

}  // namespace

bool Engine::append_natd(Phase1Sa& sa, std::vector<OutPayload>& payloads) {
    // RFC 3947 §3.2: first the hash of the peer's address and port as this
    // host sees them, then this host's own; a host that must claim a NAT
    // (force_encap, strongSwan's encap=yes) sends a hash that matches nothing.
    auto peer = natd_hash(sa.hash(), sa.cky_i, sa.cky_r, sa.remote);
    auto own = natd_hash(sa.hash(), sa.cky_i, sa.cky_r, sa.local);
    if (!peer || !own) return false;
    if (sa.conn->base.force_encap && !rng_.fill(*own)) return false;
    payloads.push_back(OutPayload{PayloadType::NatD, std::move(peer).value()});
    payloads.push_back(OutPayload{PayloadType::NatD, std::move(own).value()});
    return true;
}

void Engine::start_main_mode(const Connection& conn, core::Instant now, Output& out,
                             std::optional<IkeSaId> rekey_of) {
    auto sa = std::make_unique<Phase1Sa>();
    sa->conn = &conn;
    sa->initiator = true;
    sa->local = Endpoint{conn.base.local_address, conn.base.local_port};
    sa->remote = Endpoint{conn.base.remote_address, conn.base.remote_port};
    sa->cky_i = cookies_.initiator_cookie(sa->remote, now);
    sa->created = now;
    sa->rekey_of = rekey_of;
    const auto method = auth_method_of(conn.base);
    if (!method) {
        out.events.emplace_back(AuthFailed{
            conn.base.name, {}, "no private key of a kind IKEv1 signs with (RSA, ECDSA P-256/P-384)"});
        return;
    }
    const auto life = std::chrono::duration_cast<std::chrono::seconds>(conn.ike_lifetime).count();
    const SaPayload offer = phase1_offer(conn.base.ike_proposals, static_cast<std::uint64_t>(life), *method);
    sa->sai_b = encode_sa(offer);
    Header h;
    h.initiator = sa->cky_i;
    h.exchange = static_cast<std::uint8_t>(ExchangeType::IdentityProtection);
    std::vector<OutPayload> mm1{OutPayload{PayloadType::Sa, sa->sai_b}};
    for (auto& v : vendor_ids(conn.nat_traversal)) mm1.push_back(std::move(v));
    sa->last_out = build_plain(h, mm1);
    sa->state = Phase1State::Mm1Sent;
    arm_retransmit(*sa, now);
    send(*sa, sa->last_out, out);
    p1_[SaKey{cookie_u64(sa->cky_i), 0}] = std::move(sa);
}

void Engine::on_main_mode(const Datagram& in, const Header& h, core::Instant now, Output& out) {
    const SaKey key{cookie_u64(h.initiator), cookie_u64(h.responder)};
    if (h.message_id != 0) {
        ++stats_.malformed;  // RFC 2409 §5: phase 1 messages carry M-ID 0
        return;
    }
    if (is_zero(h.responder)) {
        if (p1_.count(SaKey{key.first, 0}) != 0) return;  // our own MM1 reflected back
        respond_mm1(in, h, now, out);
        return;
    }
    auto it = p1_.find(key);
    if (it != p1_.end()) {
        Phase1Sa& sa = *it->second;
        // RFC 3947 §4: after NAT-D showed a NAT the initiator moves to port
        // 4500 (its NAT may pick any source port); on_mm5 follows it there.
        // A peer whose remote_port is not 500 keeps sending to the port it
        // started on, from its own NAT-T port.
        const bool floated = sa.nat() && !sa.initiator &&
                             (in.local.port == sa.conn->natt_port || in.local.port == sa.local.port) &&
                             in.remote.address == sa.remote.address;
        if (!(sa.remote == in.remote) && !floated) {
            ++stats_.unknown_cookies;
            return;
        }
        if (in.data == sa.last_in) {
            // A retransmitted request: the responder answers again; the
            // initiator's own timer drives its retransmissions.
            if (!sa.initiator) {
                ++stats_.duplicates;
                send(sa, sa.last_out, out);
            }
            return;
        }
        switch (sa.state) {
            case Phase1State::Mm3Sent: on_mm4(sa, in, h, now, out); break;
            case Phase1State::Mm5Sent: on_mm6(sa, in, h, now, out); break;
            case Phase1State::Mm4Sent: on_mm5(sa, in, h, now, out); break;
            default: ++stats_.duplicates; break;  // stale phase 1 message
        }
        return;
    }
    auto pending = p1_.find(SaKey{key.first, 0});
    if (pending != p1_.end() && pending->second->state == Phase1State::Mm1Sent &&
        pending->second->remote == in.remote) {
        on_mm2(*pending->second, in, h, now, out);
        return;
    }
    auto ho = half_open_.find(key);
    // RFC 2408 §2.5.3: the responder cookie is checked before any state is
    // made or any exponentiation done; a forged one gets INVALID-COOKIE.
    if (!cookies_.verify_responder(in.remote, h.initiator, h.responder, now)) {
        ++stats_.invalid_cookies;
        send_plain_notify(in, h, NotifyType::InvalidCookie, out);
        return;
    }
    if (ho == half_open_.end()) {
        ++stats_.unknown_cookies;  // evicted or expired: the initiator starts again
        return;
    }
    HalfOpen taken = std::move(*ho->second);
    half_open_.erase(ho);
    respond_mm3(in, h, std::move(taken), now, out);
}

void Engine::respond_mm1(const Datagram& in, const Header& h, core::Instant now, Output& out) {
    const Connection* conn = connection_for(in);
    if (conn == nullptr) {
        ++stats_.unknown_cookies;
        return;
    }
    const Cookie cky_r = cookies_.responder_cookie(in.remote, h.initiator, now);
    const SaKey key{cookie_u64(h.initiator), cookie_u64(cky_r)};
    if (auto it = half_open_.find(key); it != half_open_.end()) {
        if (it->second->mm1 == in.data) {
            ++stats_.duplicates;
            out.datagrams.push_back(Datagram{in.local, in.remote, it->second->mm2});
        }
        return;
    }
    if (p1_.count(key) != 0) return;  // MM1 retransmitted after MM3: already past it
    auto chain = plain_chain(in, h);
    if (!chain) {
        ++stats_.malformed;
        send_plain_notify(in, h, notify_for(chain.error()), out);
        return;
    }
    // RFC 2409 §5: MM1 carries one SA payload (and vendor IDs).
    if (count_payloads(*chain, PayloadType::Sa) != 1 || chain->front().type != PayloadType::Sa) {
        ++stats_.malformed;
        send_plain_notify(in, h, NotifyType::PayloadMalformed, out);
        return;
    }
    const RawPayload& sa_p = chain->front();
    auto offered = decode_sa(sa_p.body);
    if (!offered) {
        ++stats_.malformed;
        send_plain_notify(in, h, notify_for(offered.error()), out);
        return;
    }
    const auto method = auth_method_of(conn->base);
    auto sel = method ? select_phase1(*offered, conn->base.ike_proposals, *method)
                      : core::Result<Phase1Selection, Error>(core::fail(Error::NoProposalChosen));
    if (!sel) {
        send_plain_notify(in, h, notify_for(sel.error()), out);
        return;
    }
    auto ho = std::make_unique<HalfOpen>();
    ho->conn = conn;
    ho->local = in.local;
    ho->remote = in.remote;
    ho->cky_i = h.initiator;
    ho->cky_r = cky_r;
    ho->sai_b = body_of(sa_p);
    ho->choice = sel->choice;
    ho->peer_dpd = has_dpd_vid(*chain);
    ho->peer_natt = conn->nat_traversal && has_vid(*chain, natt_vid());
    ho->mm1 = in.data;
    ho->created = now;
    Header rh;
    rh.initiator = h.initiator;
    rh.responder = cky_r;
    rh.exchange = h.exchange;
    std::vector<OutPayload> mm2{OutPayload{PayloadType::Sa, encode_sa(sel->reply)}};
    for (auto& v : vendor_ids(ho->peer_natt)) mm2.push_back(std::move(v));
    ho->mm2 = build_plain(rh, mm2);
    out.datagrams.push_back(Datagram{in.local, in.remote, ho->mm2});
    // The offer is all that is kept, in a bounded table: no keys, no DH,
    // no timers until an MM3 shows the peer received this MM2.
    if (half_open_.size() >= config_.max_half_open && !half_open_order_.empty()) {
        half_open_.erase(half_open_order_.front());
        half_open_order_.pop_front();
        ++stats_.half_open_evicted;
    }
    half_open_order_.push_back(key);
    half_open_[key] = std::move(ho);
}

void Engine::on_mm2(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out) {
    auto chain = plain_chain(in, h);
    if (!chain) {
        ++stats_.malformed;
        return;  // a forged or broken MM2: wait for the real one
    }
    const RawPayload* sa_p = find_payload(*chain, PayloadType::Sa);
    if (sa_p == nullptr) {
        ++stats_.malformed;
        return;
    }
    auto reply = decode_sa(sa_p->body);
    if (!reply || reply->proposals.size() != 1 || reply->proposals.front().transforms.size() != 1) {
        ++stats_.malformed;
        return;
    }
    auto choice = read_phase1_transform(reply->proposals.front().transforms.front());
    if (!choice || auth_method_of(sa.conn->base) != choice->auth_method ||
        std::find_if(sa.conn->base.ike_proposals.begin(), sa.conn->base.ike_proposals.end(),
                     [&](const crypto::Proposal& p) {
                         return std::find(p.encryption.begin(), p.encryption.end(), choice->encryption) !=
                                    p.encryption.end() &&
                                std::find(p.prf.begin(), p.prf.end(), choice->hash) != p.prf.end() &&
                                std::find(p.dh.begin(), p.dh.end(), choice->group) != p.dh.end();
                     }) == sa.conn->base.ike_proposals.end()) {
        ++stats_.malformed;  // not something we offered
        return;
    }
    auto dh = crypto::KeyExchange::generate(choice->group->group, rng_);
    auto nonce = make_nonce(rng_, kNonceLength);
    if (!dh || !nonce) return;
    // Re-key the SA under both cookies now that the responder chose one.
    auto node = p1_.extract(SaKey{cookie_u64(sa.cky_i), 0});
    Phase1Sa& s = *node.mapped();
    s.cky_r = h.responder;
    s.choice = *choice;
    s.peer_dpd = has_dpd_vid(*chain);
    s.peer_natt = s.conn->nat_traversal && has_vid(*chain, natt_vid());
    s.dh = std::move(dh).value();
    s.gxi = s.dh->public_value(crypto::Encoding::Ike);
    s.ni_b = std::move(nonce).value();
    s.last_in = in.data;
    Header mh;
    mh.initiator = s.cky_i;
    mh.responder = s.cky_r;
    mh.exchange = h.exchange;
    std::vector<OutPayload> mm3{OutPayload{PayloadType::KeyExchange, s.gxi},
                                OutPayload{PayloadType::Nonce, s.ni_b}};
    // RFC 2409 §5.1: ask for the responder's certificate (CERTREQ naming our CAs).
    if (is_signature_method(s.choice.auth_method))
        for (auto& cr : certreq_payloads(s.conn->base)) mm3.push_back(std::move(cr));
    if (s.peer_natt && !append_natd(s, mm3)) return;
    s.last_out = build_plain(mh, mm3);
    s.state = Phase1State::Mm3Sent;
    arm_retransmit(s, now);
    send(s, s.last_out, out);
    node.key() = SaKey{cookie_u64(s.cky_i), cookie_u64(s.cky_r)};
    p1_.insert(std::move(node));
}

void Engine::respond_mm3(const Datagram& in, const Header& h, HalfOpen ho, core::Instant now, Output& out) {
    auto chain = plain_chain(in, h);
    const RawPayload* ke = chain ? find_payload(*chain, PayloadType::KeyExchange) : nullptr;
    const RawPayload* ni = chain ? find_payload(*chain, PayloadType::Nonce) : nullptr;
    if (!chain || ke == nullptr || ni == nullptr) {
        ++stats_.malformed;
        send_plain_notify(in, h, chain ? NotifyType::PayloadMalformed : notify_for(chain.error()), out);
        return;
    }
    if (!ke_fits(ho.choice.group, ke->body)) {
        send_plain_notify(in, h, NotifyType::InvalidKeyInformation, out);
        return;
    }
    if (ni->body.size() < kMinNonce || ni->body.size() > kMaxNonce) {
        send_plain_notify(in, h, NotifyType::PayloadMalformed, out);
        return;
    }
    auto dh = crypto::KeyExchange::generate(ho.choice.group->group, rng_);
    auto nonce = make_nonce(rng_, kNonceLength);
    if (!dh || !nonce) return;
    auto gxy = dh->derive(ke->body, crypto::Encoding::Ike);
    if (!gxy) {
        send_plain_notify(in, h, NotifyType::InvalidKeyInformation, out);
        return;
    }
    auto sa = std::make_unique<Phase1Sa>();
    sa->conn = ho.conn;
    sa->initiator = false;
    sa->cky_i = ho.cky_i;
    sa->cky_r = ho.cky_r;
    sa->local = ho.local;
    sa->remote = ho.remote;
    sa->choice = ho.choice;
    sa->sai_b = std::move(ho.sai_b);
    sa->peer_dpd = ho.peer_dpd;
    sa->peer_natt = ho.peer_natt && count_payloads(*chain, PayloadType::NatD) != 0;
    sa->created = now;
    sa->gxi = body_of(*ke);
    sa->ni_b = body_of(*ni);
    sa->dh = std::move(dh).value();
    sa->gxr = sa->dh->public_value(crypto::Encoding::Ike);
    sa->nr_b = std::move(nonce).value();
    const crypto::CipherAlg alg = sa->choice.encryption->cipher_alg;
    auto keys = derive_phase1(sa->conn->base, sa->choice, sa->ni_b, sa->nr_b, *gxy, sa->cky_i, sa->cky_r);
    if (!keys) return;
    auto prot = Protection::create(alg, keys->enc_key);
    if (!prot) return;
    auto iv = initial_iv(sa->hash(), sa->gxi, sa->gxr, prot->block_size());
    if (!iv) return;
    sa->keys = std::move(keys).value();
    sa->prot = std::move(prot).value();
    sa->iv = std::move(iv).value();
    sa->last_in = in.data;
    Header rh;
    rh.initiator = sa->cky_i;
    rh.responder = sa->cky_r;
    rh.exchange = h.exchange;
    std::vector<OutPayload> mm4{OutPayload{PayloadType::KeyExchange, sa->gxr},
                                OutPayload{PayloadType::Nonce, sa->nr_b}};
    if (is_signature_method(sa->choice.auth_method))
        for (auto& cr : certreq_payloads(sa->conn->base)) mm4.push_back(std::move(cr));
    if (sa->peer_natt) {
        auto nat = check_natd(sa->hash(), sa->cky_i, sa->cky_r, natd_bodies(*chain), sa->local, sa->remote);
        if (!nat) {
            ++stats_.malformed;
            send_plain_notify(in, h, NotifyType::PayloadMalformed, out);
            return;
        }
        sa->nat_local = nat->local || sa->conn->base.force_encap;
        sa->nat_remote = nat->remote;
        if (!append_natd(*sa, mm4)) return;
    }
    sa->last_out = build_plain(rh, mm4);
    sa->state = Phase1State::Mm4Sent;
    send(*sa, sa->last_out, out);
    p1_[SaKey{cookie_u64(sa->cky_i), cookie_u64(sa->cky_r)}] = std::move(sa);
}

void Engine::on_mm4(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out) {
    auto chain = plain_chain(in, h);
    const RawPayload* ke = chain ? find_payload(*chain, PayloadType::KeyExchange) : nullptr;
    const RawPayload* nr = chain ? find_payload(*chain, PayloadType::Nonce) : nullptr;
    if (!chain || ke == nullptr || nr == nullptr || !ke_fits(sa.choice.group, ke->body) ||
        nr->body.size() < kMinNonce || nr->body.size() > kMaxNonce) {
        ++stats_.malformed;
        return;
    }
    auto gxy = sa.dh->derive(ke->body, crypto::Encoding::Ike);
    if (!gxy) {
        ++stats_.malformed;
        return;
    }
    if (sa.peer_natt) {
        // RFC 3947 §3.2: MM4 must answer our NAT-D with its own.
        auto nat = check_natd(sa.hash(), sa.cky_i, sa.cky_r, natd_bodies(*chain), sa.local, sa.remote);
        if (!nat) {
            ++stats_.malformed;
            return;
        }
        sa.nat_local = nat->local || sa.conn->base.force_encap;
        sa.nat_remote = nat->remote;
    }
    sa.gxr = body_of(*ke);
    sa.nr_b = body_of(*nr);
    auto keys = derive_phase1(sa.conn->base, sa.choice, sa.ni_b, sa.nr_b, *gxy, sa.cky_i, sa.cky_r);
    if (!keys) return;
    auto prot = Protection::create(sa.choice.encryption->cipher_alg, keys->enc_key);
    if (!prot) return;
    auto iv = initial_iv(sa.hash(), sa.gxi, sa.gxr, prot->block_size());
    if (!iv) return;
    sa.keys = std::move(keys).value();
    sa.prot = std::move(prot).value();
    sa.iv = std::move(iv).value();
    sa.last_in = in.data;
    // MM5: IDii and HASH_I, or IDii, CERT and SIG_I, encrypted (RFC 2409 §5, §5.1).
    const core::Bytes idii_b = encode_id(identity_payload(local_identity(sa.conn->base)));
    auto hi = hash_i(sa.hash(), sa.keys->skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, idii_b);
    if (!hi) return;
    auto auth5 = auth_payloads(sa, *hi);
    if (!auth5) return;
    Header mh;
    mh.initiator = sa.cky_i;
    mh.responder = sa.cky_r;
    mh.exchange = h.exchange;
    mh.next = static_cast<std::uint8_t>(PayloadType::Identification);
    std::vector<OutPayload> p5{OutPayload{PayloadType::Identification, idii_b}};
    for (auto& p : *auth5) p5.push_back(std::move(p));
    const core::Bytes chain5 = encode_chain(p5);
    core::Bytes next_iv;
    auto msg = sa.prot->seal(mh, chain5, sa.iv, next_iv);
    if (!msg) return;
    sa.iv = std::move(next_iv);
    sa.last_out = std::move(msg).value();
    sa.state = Phase1State::Mm5Sent;
    if (sa.nat()) {
        // RFC 3947 §4: from MM5 on, both ports are 4500 (non-ESP marker):
        // ours moves from local_port to natt_port, the peer's from 500 to
        // 4500; a peer configured on another port stays there (as strongSwan).
        if (sa.local.port == sa.conn->base.local_port) sa.local.port = sa.conn->natt_port;
        sa.remote.port = float_remote_port(sa.remote.port);
    }
    arm_retransmit(sa, now);
    send(sa, sa.last_out, out);
}

void Engine::on_mm5(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out) {
    const SaKey key{cookie_u64(sa.cky_i), cookie_u64(sa.cky_r)};
    auto fail_auth = [&](std::string_view why, NotifyType notify = NotifyType::AuthenticationFailed) {
        ++stats_.auth_failed;
        send_plain_notify(in, h, notify, out);
        remove_phase1(key, why, true, out);
    };
    if (!h.encrypted()) {
        ++stats_.malformed;
        return;
    }
    core::Bytes next_iv;
    auto plain = sa.prot->open(in.data, sa.iv, next_iv);
    if (!plain) {
        ++stats_.malformed;
        return;
    }
    const bool signed_auth = is_signature_method(sa.choice.auth_method);
    auto chain = parse_chain(h.next, *plain, true);
    const RawPayload* id = chain ? find_payload(*chain, PayloadType::Identification) : nullptr;
    const RawPayload* hash =
        chain ? find_payload(*chain, signed_auth ? PayloadType::Signature : PayloadType::Hash) : nullptr;
    if (!chain || id == nullptr || hash == nullptr) {
        // A body that does not decrypt to payloads: with a pre-shared key
        // almost always a different key on the two sides.
        if (signed_auth)
            fail_auth(chain ? "MM5 without ID or SIG payload" : "MM5 did not decrypt",
                      NotifyType::PayloadMalformed);
        else
            fail_auth("MM5 did not decrypt (pre-shared key mismatch?)");
        return;
    }
    auto want = hash_i(sa.hash(), sa.keys->skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, id->body);
    if (!want) return;
    if (!signed_auth && !crypto::constant_time_equal(*want, hash->body)) {
        fail_auth("HASH_I mismatch");
        return;
    }
    auto id_p = decode_id(id->body);
    auto ident =
        id_p ? identity_of(*id_p) : core::Result<Identity, Error>(core::fail(Error::InvalidIdInformation));
    if (!ident || (!sa.conn->base.remote_id.data.empty() && !(*ident == sa.conn->base.remote_id))) {
        fail_auth("peer identity not the configured one");
        return;
    }
    if (signed_auth) {
        auto peer = check_peer_signature(config_, sa, *chain, *ident, *want);
        if (!peer) {
            fail_auth(peer.error().reason, peer.error().notify);
            return;
        }
    }
    sa.peer_id = *ident;
    sa.iv = std::move(next_iv);
    sa.last_in = in.data;
    sa.local = in.local;  // RFC 3947 §4: answer where the authenticated MM5 came from
    sa.remote = in.remote;
    const core::Bytes idir_b = encode_id(identity_payload(local_identity(sa.conn->base)));
    auto hr = hash_r(sa.hash(), sa.keys->skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, idir_b);
    if (!hr) return;
    auto auth6 = auth_payloads(sa, *hr);
    if (!auth6) return;
    Header rh;
    rh.initiator = sa.cky_i;
    rh.responder = sa.cky_r;
    rh.exchange = h.exchange;
    rh.next = static_cast<std::uint8_t>(PayloadType::Identification);
    std::vector<OutPayload> p6{OutPayload{PayloadType::Identification, idir_b}};
    for (auto& p : *auth6) p6.push_back(std::move(p));
    const core::Bytes chain6 = encode_chain(p6);
    core::Bytes iv6;
    auto msg = sa.prot->seal(rh, chain6, sa.iv, iv6);
    if (!msg) return;
    sa.iv = iv6;
    sa.p1_last = std::move(iv6);
    sa.last_out = std::move(msg).value();
    send(sa, sa.last_out, out);
    phase1_up(sa, now, out);
}

void Engine::on_mm6(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out) {
    const SaKey key{cookie_u64(sa.cky_i), cookie_u64(sa.cky_r)};
    if (!h.encrypted()) {
        ++stats_.malformed;
        return;
    }
    core::Bytes next_iv;
    auto plain = sa.prot->open(in.data, sa.iv, next_iv);
    if (!plain) {
        ++stats_.malformed;
        return;
    }
    const bool signed_auth = is_signature_method(sa.choice.auth_method);
    auto chain = parse_chain(h.next, *plain, true);
    const RawPayload* id = chain ? find_payload(*chain, PayloadType::Identification) : nullptr;
    const RawPayload* hash =
        chain ? find_payload(*chain, signed_auth ? PayloadType::Signature : PayloadType::Hash) : nullptr;
    if (!chain || id == nullptr || hash == nullptr) {
        ++stats_.auth_failed;
        remove_phase1(key,
                      signed_auth ? (chain ? "MM6 without ID or SIG payload" : "MM6 did not decrypt")
                                  : "MM6 did not decrypt (pre-shared key mismatch?)",
                      true, out);
        return;
    }
    auto want = hash_r(sa.hash(), sa.keys->skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, id->body);
    if (!want || (!signed_auth && !crypto::constant_time_equal(*want, hash->body))) {
        ++stats_.auth_failed;
        remove_phase1(key, "HASH_R mismatch", true, out);
        return;
    }
    auto id_p = decode_id(id->body);
    auto ident =
        id_p ? identity_of(*id_p) : core::Result<Identity, Error>(core::fail(Error::InvalidIdInformation));
    if (!ident || (!sa.conn->base.remote_id.data.empty() && !(*ident == sa.conn->base.remote_id))) {
        ++stats_.auth_failed;
        remove_phase1(key, "peer identity not the configured one", true, out);
        return;
    }
    if (signed_auth) {
        auto peer = check_peer_signature(config_, sa, *chain, *ident, *want);
        if (!peer) {
            ++stats_.auth_failed;
            remove_phase1(key, peer.error().reason, true, out);
            return;
        }
    }
    sa.peer_id = *ident;
    sa.iv = next_iv;
    sa.p1_last = std::move(next_iv);
    sa.last_in = in.data;
    sa.rt.armed = false;
    phase1_up(sa, now, out);
}

void Engine::phase1_up(Phase1Sa& sa, core::Instant now, Output& out) {
    sa.state = Phase1State::Established;
    sa.established_at = now;
    sa.last_heard = now;
    sa.dh.reset();
    core::Duration life = sa.conn->ike_lifetime;
    if (!sa.initiator && sa.choice.life_seconds != 0)
        life = std::min<core::Duration>(life, std::chrono::seconds(sa.choice.life_seconds));
    sa.expires_at = now + life;
    if (sa.initiator) sa.rekey_at = now + life - std::min<core::Duration>(sa.conn->rekey_margin, life / 2);
    if (sa.peer_dpd && sa.conn->base.dpd_interval > core::Duration::zero())
        sa.dpd_at = now + sa.conn->base.dpd_interval;
    IkeSaUp up;
    up.connection = sa.conn->base.name;
    up.id = sa.id();
    up.initiator = sa.initiator;
    up.algorithms = to_negotiated(sa.choice);
    up.local = sa.local;
    up.remote = sa.remote;
    up.nat_local = sa.nat_local;
    up.nat_remote = sa.nat_remote;
    up.local_id = local_identity(sa.conn->base);
    up.remote_id = sa.peer_id;
    out.events.emplace_back(std::move(up));
    // A new ISAKMP SA that replaces an old one: the old one is deleted; the
    // IPsec SAs belong to the connection and stay (RFC 2409 §5.5 needs only
    // some ISAKMP SA to rekey them).
    for (auto& [k, other] : p1_) {
        if (other.get() == &sa || other->conn != sa.conn || other->state != Phase1State::Established)
            continue;
        if (sa.rekey_of && !(other->id() == *sa.rekey_of)) continue;
        other->rekeyed = true;
        out.events.emplace_back(
            IkeSaRekeyed{sa.conn->base.name, other->id(), sa.id(), to_negotiated(sa.choice)});
        if (sa.initiator) {
            DeletePayload d;
            d.protocol = static_cast<std::uint8_t>(ProtocolId::Isakmp);
            d.spi_size = 16;
            core::Bytes spi(other->cky_i.begin(), other->cky_i.end());
            spi.insert(spi.end(), other->cky_r.begin(), other->cky_r.end());
            d.spis.push_back(std::move(spi));
            send_informational(*other, {OutPayload{PayloadType::Delete, encode_delete(d)}}, out);
            other->expires_at = now;  // forgotten at the next timer
        }
    }
    if (sa.initiator && !sa.rekey_of) start_children(sa, now, out);
}

}  // namespace strata::ike::v1
