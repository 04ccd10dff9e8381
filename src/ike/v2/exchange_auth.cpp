// exchange_auth.cpp: IKE_AUTH with PSK (RFC 7296 §1.2, §2.15), both roles,
// including the first CHILD SA (§1.3, §2.9 narrowing, USE_TRANSPORT_MODE).
#include "ike/v2/ike_sa.hpp"

#include "crypto/constant_time.hpp"
#include "ike/nonce.hpp"
#include "ike/v2/exchange_util.hpp"

namespace strata::ike::v2 {

void IkeSa::send_auth(Output& out, core::Instant now) {
    const core::Bytes idi = encode_identity_payload(conn_.local_id);
    auto auth = psk_auth(*algs_.prf, conn_.psk, init_request_, nr_, keys_->sk_pi, idi);
    auto spi = make_spi32(eng_.rng_);
    if (!auth || !spi) return fail_down(out, "AUTH computation failed");
    first_child_spi_ = *spi;
    std::vector<RawPayload> pl;
    pl.push_back(payload(PayloadType::IDi, idi));
    if (!conn_.remote_id.data.empty())
        pl.push_back(payload(PayloadType::IDr, encode_identity_payload(conn_.remote_id)));
    pl.push_back(payload(PayloadType::AUTH, encode_auth({AuthMethod::Psk, core::Bytes(auth->view().begin(),
                                                                                      auth->view().end())})));
    if (conn_.mode == ipsec::Mode::Transport) pl.push_back(notify(NotifyType::UseTransportMode));
    pl.push_back(payload(PayloadType::SA,
                         encode_sa(to_wire(conn_.esp_proposals, ProtocolId::Esp, spi32_bytes(*spi), false))));
    pl.push_back(payload(PayloadType::TSi, encode_ts(conn_.local_ts)));
    pl.push_back(payload(PayloadType::TSr, encode_ts(conn_.remote_ts)));
    next_request_id_ = 1;
    if (!send_encrypted_request(out, ExchangeType::IkeAuth, pl, now))
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
    if (a->method != AuthMethod::Psk) {
        why = "peer used auth method " + std::to_string(static_cast<unsigned>(a->method)) + ", expected PSK";
        return false;
    }
    auto expect = psk_auth(*algs_.prf, conn_.psk, signed_msg, nonce, sk_p, idp->body);
    if (!expect || !crypto::constant_time_equal(*expect, a->data)) {
        why = "peer AUTH does not verify (wrong PSK?)";
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
        state_ = SaState::Dead;
        return;
    }
    state_ = SaState::Established;
    emit_up(out);
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
    auto sel = accept_child(*props, conn_.esp_proposals, false);
    // RFC 7296 §2.9: the responder may only narrow what we proposed.
    if (!sel || !all_within(*ti, conn_.local_ts) || !all_within(*tr, conn_.remote_ts)) {
        out.events.emplace_back(ChildSaFailed{conn_.name, id(), "response outside what was proposed"});
        return;
    }
    const bool transport =
        conn_.mode == ipsec::Mode::Transport && find_notify(*ns, NotifyType::UseTransportMode) != nullptr;
    emit_child(out, sel->algorithms, first_child_spi_, sel->peer_spi,
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
    const core::Bytes idr = encode_identity_payload(conn_.local_id);
    auto auth = psk_auth(*algs_.prf, conn_.psk, init_response_, ni_, keys_->sk_pr, idr);
    if (!auth || !ns) return;
    std::vector<RawPayload> resp;
    resp.push_back(payload(PayloadType::IDr, idr));
    resp.push_back(
        payload(PayloadType::AUTH,
                encode_auth({AuthMethod::Psk, core::Bytes(auth->view().begin(), auth->view().end())})));

    // The first CHILD SA (RFC 7296 §1.3 / §2.9).
    const auto* sa = find(pl, PayloadType::SA);
    const auto* tsi = find(pl, PayloadType::TSi);
    const auto* tsr = find(pl, PayloadType::TSr);
    std::optional<ChildSelection> sel;
    std::vector<TrafficSelector> n_tsi, n_tsr;
    std::optional<NotifyType> child_error;
    bool transport = false;
    if (sa != nullptr && tsi != nullptr && tsr != nullptr) {
        auto props = parse_sa(sa->body);
        auto ti = parse_ts(tsi->body);
        auto tr = parse_ts(tsr->body);
        if (props && ti && tr) {
            sel = select_child(*props, conn_.esp_proposals, false);
            n_tsi = narrow(*ti, conn_.remote_ts);  // TSi is the initiator's (the peer's) side
            n_tsr = narrow(*tr, conn_.local_ts);
            transport = find_notify(*ns, NotifyType::UseTransportMode) != nullptr &&
                        conn_.mode == ipsec::Mode::Transport;
            if (!sel) {
                child_error = NotifyType::NoProposalChosen;
            } else if (n_tsi.empty() || n_tsr.empty()) {
                child_error = NotifyType::TsUnacceptable;
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
    send_response(out, ExchangeType::IkeAuth, h.message_id, resp);
    state_ = SaState::Established;
    emit_up(out);
    if (sel && !child_error) {
        emit_child(out, sel->algorithms, spi_in, sel->peer_spi,
                   transport ? ipsec::Mode::Transport : ipsec::Mode::Tunnel, n_tsr, n_tsi);
    } else if (child_error) {
        out.events.emplace_back(ChildSaFailed{conn_.name, id(), "sent " + to_string(*child_error)});
    }
}

}  // namespace strata::ike::v2
