// exchange_auth.cpp: IKE_AUTH, both roles (RFC 7296 §1.2): authentication
// with a PSK (§2.15) or with signatures over X.509 certificates (§2.15,
// RFC 7427 Digital Signature method with RSA-PSS, RSA PKCS#1 v1.5, ECDSA
// and Ed25519; CERT and CERTREQ, §3.6, §3.7), and the first CHILD SA (§1.3,
// §2.9 narrowing, USE_TRANSPORT_MODE). Large messages go as SKF fragments
// when both sides support them (fragment_exchange.cpp).
#include "ike/v2/ike_sa.hpp"

#include "crypto/constant_time.hpp"
#include "ike/nonce.hpp"
#include "ike/v2/auth_signature.hpp"
#include "ike/v2/certificates.hpp"
#include "ike/v2/exchange_util.hpp"

namespace strata::ike::v2 {

namespace {

// local_identity is the configured ID, or with certificates and none
// configured the subject DN of this host's certificate.
Identity local_identity(const ConnectionConfig& c) {
    if (!c.local_id.data.empty() || c.auth != AuthKind::PublicKey || c.local_certs.empty()) return c.local_id;
    auto dn = default_identity(c.local_certs.front());
    return dn ? std::move(dn).value() : c.local_id;
}

}  // namespace

// own_auth returns this host's CERT payloads (with certificates) and its
// AUTH payload over signed_msg | nonce | prf(sk_p, id_body) (RFC 7296 §2.15).
bool IkeSa::own_auth(std::vector<RawPayload>& pl, const core::Bytes& signed_msg, const core::Bytes& nonce,
                     const core::SecretBytes& sk_p, const core::Bytes& id_body, std::string& why) {
    if (conn_.auth == AuthKind::Psk) {
        auto auth = psk_auth(*algs_.prf, conn_.psk, signed_msg, nonce, sk_p, id_body);
        if (!auth) {
            why = "AUTH computation failed";
            return false;
        }
        pl.push_back(
            payload(PayloadType::AUTH,
                    encode_auth({AuthMethod::Psk, core::Bytes(auth->view().begin(), auth->view().end())})));
        return true;
    }
    if (!conn_.private_key || conn_.local_certs.empty()) {
        why = "no certificate or private key configured";
        return false;
    }
    // RFC 7427 §4: sign only with a hash the peer announced.
    auto alg = choose_signature(conn_.private_key->type(), auth_.peer_hashes, conn_.rsa_pss);
    if (!alg) {
        why = auth_.peer_hashes.empty() ? "peer sent no SIGNATURE_HASH_ALGORITHMS (RFC 7427 required)"
                                        : "no signature hash in common with the peer for our key";
        return false;
    }
    auto octets = signed_octets(*algs_.prf, signed_msg, nonce, sk_p, id_body);
    auto data = octets ? sign_digital_signature(*conn_.private_key, *alg, *octets)
                       : core::Result<core::Bytes>(core::fail(octets.error()));
    if (!data) {
        why = "signing the AUTH payload failed";
        return false;
    }
    // RFC 7296 §3.6: the certificate holding the signing key comes first.
    for (auto& c : cert_payloads(conn_.local_certs)) pl.push_back(std::move(c));
    pl.push_back(
        payload(PayloadType::AUTH, encode_auth({AuthMethod::DigitalSignature, std::move(data).value()})));
    return true;
}

void IkeSa::send_auth(Output& out, core::Instant now) {
    const core::Bytes idi = encode_identity_payload(local_identity(conn_));
    auto spi = make_spi32(eng_.rng_);
    if (!spi) return fail_down(out, "AUTH computation failed");
    first_child_spi_ = *spi;
    std::vector<RawPayload> pl;
    pl.push_back(payload(PayloadType::IDi, idi));
    std::vector<RawPayload> auth;
    std::string why;
    if (!own_auth(auth, init_request_, nr_, keys_->sk_pi, idi, why)) return fail_down(out, why);
    // IDi | CERT* | CERTREQ | IDr | AUTH (the order of RFC 7296 §1.2).
    for (std::size_t n = 0; n + 1 < auth.size(); ++n) pl.push_back(std::move(auth[n]));
    if (conn_.auth == AuthKind::PublicKey) {
        if (auto req = certreq_payload(conn_.ca_certs)) pl.push_back(std::move(*req));
    }
    if (!conn_.remote_id.data.empty())
        pl.push_back(payload(PayloadType::IDr, encode_identity_payload(conn_.remote_id)));
    pl.push_back(std::move(auth.back()));
    // The first configured child goes in IKE_AUTH (§1.2); the others follow
    // with CREATE_CHILD_SA once the IKE SA is up (§1.3.1).
    const ChildSpec& first = spec(0);
    if (first.mode == ipsec::Mode::Transport) pl.push_back(notify(NotifyType::UseTransportMode));
    pl.push_back(payload(PayloadType::SA,
                         encode_sa(to_wire(first.esp_proposals, ProtocolId::Esp, spi32_bytes(*spi), false))));
    pl.push_back(payload(PayloadType::TSi, encode_ts(first.local_ts)));
    pl.push_back(payload(PayloadType::TSr, encode_ts(first.remote_ts)));
    next_request_id_ = 1;
    if (!send_fragmented_request(out, ExchangeType::IkeAuth, pl, now))
        return fail_down(out, "encryption failed");
    state_ = SaState::AuthSent;
}

bool IkeSa::verify_auth(const std::vector<RawPayload>& pl, PayloadType id_type, const core::Bytes& signed_msg,
                        const core::Bytes& nonce, const core::SecretBytes& sk_p, std::string& why) {
    const auto* idp = find(pl, id_type);
    const auto* ap = find(pl, PayloadType::AUTH);
    if (idp == nullptr || ap == nullptr) {
        why = "ID or AUTH payload missing";
        return false;
    }
    auto id = parse_identity_payload(idp->body);
    auto a = parse_auth(ap->body);
    if (!id || !a) {
        why = "malformed ID or AUTH payload";
        return false;
    }
    peer_id_ = *id;
    if (!conn_.remote_id.data.empty() && !(*id == conn_.remote_id)) {
        why = "peer identity " + to_string(*id) + " is not " + to_string(conn_.remote_id);
        return false;
    }
    if (conn_.auth == AuthKind::Psk) {
        if (a->method != AuthMethod::Psk) {
            why = "peer used auth method " + std::to_string(static_cast<unsigned>(a->method)) +
                  ", expected PSK";
            return false;
        }
        auto expect = psk_auth(*algs_.prf, conn_.psk, signed_msg, nonce, sk_p, idp->body);
        if (!expect || !crypto::constant_time_equal(*expect, a->data)) {
            why = "peer AUTH does not verify (wrong PSK?)";
            return false;
        }
        return true;
    }
    if (a->method != AuthMethod::DigitalSignature) {
        why = "peer used auth method " + std::to_string(static_cast<unsigned>(a->method)) +
              ", expected a digital signature (14)";
        return false;
    }
    if (eng_.config_.wall_clock == nullptr) {
        why = "no wall clock to check certificate validity";
        return false;
    }
    // The peer's certificate chains to our CA and certifies its ID (RFC 4945 §3.1).
    auto peer = check_peer_certificates(pl, *id, conn_.ca_certs, eng_.config_.wall_clock->wall_now(),
                                        eng_.config_.certificate_cache.get());
    if (!peer) {
        why = peer.error().reason;
        return false;
    }
    auto octets = signed_octets(*algs_.prf, signed_msg, nonce, sk_p, idp->body);
    if (!octets) {
        why = "AUTH computation failed";
        return false;
    }
    auto check = verify_digital_signature(peer->key, a->data, *octets);
    if (!check.ok) {
        why = check.reason;
        return false;
    }
    return true;
}

void IkeSa::handle_auth_response(const std::vector<RawPayload>& pl, Output& out) {
    outstanding_.reset();
    auto ns = find_notifies(pl);
    if (!ns) return fail_down(out, "malformed notify in IKE_AUTH response");
    if (find_notify(*ns, NotifyType::AuthenticationFailed) != nullptr) {
        out.events.emplace_back(AuthFailed{conn_.name, id(), "AUTHENTICATION_FAILED from peer"});
        state_ = SaState::Dead;
        return;
    }
    std::string why;
    if (!verify_auth(pl, PayloadType::IDr, init_response_, ni_, keys_->sk_pr, why)) {
        out.events.emplace_back(AuthFailed{conn_.name, id(), why});
        // RFC 7296 §2.21.2: the responder already considers the IKE SA up;
        // tell it to delete the SA (sent once, no answer awaited).
        const std::vector<RawPayload> del{payload(PayloadType::Delete, encode_delete({ProtocolId::Ike, {}}))};
        if (auto b =
                sk_->seal(header(ExchangeType::Informational, false, next_request_id_++), del, eng_.rng_))
            out.datagrams.push_back(dg(std::move(b).value()));
        state_ = SaState::Dead;
        return;
    }
    state_ = SaState::Established;
    emit_up(out);
    // RFC 7296 §1.3.1: the further configured children, one CREATE_CHILD_SA
    // each, queued now and sent once the IKE_AUTH exchange is done.
    const auto& specs = eng_.specs_for(conn_);
    for (std::size_t i = 1; i < specs.size(); ++i) {
        if (!specs[i].start) continue;
        Task t{TaskKind::NewChild, 0, now_, std::nullopt, 0};
        t.spec = i;
        tasks_.push_back(t);
    }
    const auto* sa = find(pl, PayloadType::SA);
    const auto* tsi = find(pl, PayloadType::TSi);
    const auto* tsr = find(pl, PayloadType::TSr);
    if (sa == nullptr || tsi == nullptr || tsr == nullptr) {
        const auto* e = first_error(*ns);
        out.events.emplace_back(
            ChildSaFailed{conn_.name, id(), e != nullptr ? to_string(e->type) : "no CHILD SA in response"});
        return;
    }
    auto props = parse_sa(sa->body);
    auto ti = parse_ts(tsi->body);
    auto tr = parse_ts(tsr->body);
    if (!props || !ti || !tr) {
        out.events.emplace_back(ChildSaFailed{conn_.name, id(), "malformed SA/TS in response"});
        return;
    }
    const ChildSpec& first = spec(0);
    auto sel = accept_child(*props, first.esp_proposals, false);
    // RFC 7296 §2.9: the responder may only narrow what we proposed.
    if (!sel || !all_within(*ti, first.local_ts) || !all_within(*tr, first.remote_ts)) {
        out.events.emplace_back(ChildSaFailed{conn_.name, id(), "response outside what was proposed"});
        return;
    }
    const bool transport =
        first.mode == ipsec::Mode::Transport && find_notify(*ns, NotifyType::UseTransportMode) != nullptr;
    emit_child(out, 0, sel->algorithms, first_child_spi_, sel->peer_spi,
               transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, *ti, *tr);
}

void IkeSa::handle_auth_request(const Datagram& in, const Header& h, const std::vector<RawPayload>& pl,
                                Output& out) {
    // RFC 7296 §2.23: behind a NAT, reply to where the request came from.
    local_ = in.local;
    remote_ = in.remote;
    std::string why;
    if (!verify_auth(pl, PayloadType::IDi, init_request_, nr_, keys_->sk_pi, why)) {
        send_response(out, ExchangeType::IkeAuth, h.message_id, {notify(NotifyType::AuthenticationFailed)});
        out.events.emplace_back(AuthFailed{conn_.name, id(), why});
        state_ = SaState::Dead;
        return;
    }
    auto ns = find_notifies(pl);
    if (!ns) return;
    const core::Bytes idr = encode_identity_payload(local_identity(conn_));
    std::vector<RawPayload> resp;
    resp.push_back(payload(PayloadType::IDr, idr));
    if (!own_auth(resp, init_response_, ni_, keys_->sk_pr, idr, why)) {
        // We cannot prove who we are (e.g. no hash in common): refuse cleanly.
        send_response(out, ExchangeType::IkeAuth, h.message_id, {notify(NotifyType::AuthenticationFailed)});
        out.events.emplace_back(AuthFailed{conn_.name, id(), why});
        state_ = SaState::Dead;
        return;
    }

    // The first CHILD SA (RFC 7296 §1.3 / §2.9).
    const auto* sa = find(pl, PayloadType::SA);
    const auto* tsi = find(pl, PayloadType::TSi);
    const auto* tsr = find(pl, PayloadType::TSr);
    std::optional<ChildSelection> sel;
    std::vector<TrafficSelector> n_tsi, n_tsr;
    std::optional<NotifyType> child_error;
    bool transport = false;
    std::size_t chosen = 0;
    if (sa != nullptr && tsi != nullptr && tsr != nullptr) {
        auto props = parse_sa(sa->body);
        auto ti = parse_ts(tsi->body);
        auto tr = parse_ts(tsr->body);
        if (props && ti && tr) {
            // The configured child whose selectors fit what the peer proposes (§2.9).
            NotifyType refusal = NotifyType::NoProposalChosen;
            if (auto pick = pick_spec(*props, *ti, *tr, false, &refusal)) {
                chosen = *pick;
                const ChildSpec& s = spec(chosen);
                sel = select_child(*props, s.esp_proposals, false);
                n_tsi = narrow(*ti, s.remote_ts);  // TSi is the initiator's (the peer's) side
                n_tsr = narrow(*tr, s.local_ts);
                transport = find_notify(*ns, NotifyType::UseTransportMode) != nullptr &&
                            s.mode == ipsec::Mode::Transport;
            } else {
                child_error = refusal;
            }
        } else {
            child_error = NotifyType::InvalidSyntax;
        }
    }
    std::uint32_t spi_in = 0;
    if (sel && !child_error) {
        auto spi = make_spi32(eng_.rng_);
        if (!spi) return;
        spi_in = *spi;
        Proposal reply = sel->reply;
        reply.spi = spi32_bytes(spi_in);
        if (transport) resp.push_back(notify(NotifyType::UseTransportMode));
        resp.push_back(payload(PayloadType::SA, encode_sa({reply})));
        resp.push_back(payload(PayloadType::TSi, encode_ts(n_tsi)));
        resp.push_back(payload(PayloadType::TSr, encode_ts(n_tsr)));
    } else if (child_error) {
        resp.push_back(notify(*child_error));
    }
    send_fragmented_response(out, ExchangeType::IkeAuth, h.message_id, resp);
    state_ = SaState::Established;
    emit_up(out);
    if (sel && !child_error) {
        emit_child(out, chosen, sel->algorithms, spi_in, sel->peer_spi,
                   transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, n_tsr, n_tsi);
    } else if (child_error) {
        out.events.emplace_back(ChildSaFailed{conn_.name, id(), "sent " + to_string(*child_error)});
    }
}

}  // namespace strata::ike::v2
