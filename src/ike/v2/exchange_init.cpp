// exchange_init.cpp: IKE_SA_INIT as initiator (RFC 7296 §1.2): the request,
// COOKIE and INVALID_KE_PAYLOAD retries, the response and key setup.
// The responder side is Engine::respond_init (engine.cpp).
#include "ike/v2/ike_sa.hpp"

#include <algorithm>

#include "ike/nonce.hpp"
#include "ike/v2/exchange_util.hpp"

namespace strata::ike::v2 {

bool IkeSa::start(Output& out, core::Instant now, const crypto::DhInfo* group) {
    if (!ke_ || ke_->group() != group->group) {
        auto ke = crypto::KeyExchange::generate(group->group, eng_.rng_);
        if (!ke) return false;
        ke_.emplace(std::move(ke).value());
    }
    std::vector<RawPayload> pl;
    if (!cookie_.empty()) pl.push_back(notify(NotifyType::Cookie, cookie_));  // RFC 7296 §2.6: first
    pl.push_back(payload(PayloadType::SA, encode_sa(to_wire(conn_.ike_proposals, ProtocolId::Ike, {}))));
    pl.push_back(payload(PayloadType::KE, encode_ke({static_cast<std::uint16_t>(group->group),
                                                     ke_->public_value(crypto::Encoding::Ike)})));
    pl.push_back(payload(PayloadType::Nonce, ni_));
    for (auto& p : nat_payloads(spi_i_, 0)) pl.push_back(std::move(p));
    for (auto& p : init_notifies(conn_)) pl.push_back(std::move(p));  // RFC 7427 §4, RFC 7383 §2.3
    init_request_ = encode_plain(header(ExchangeType::IkeSaInit, false, 0), pl);
    next_request_id_ = 0;
    send_request(out, ExchangeType::IkeSaInit, init_request_, now);
    state_ = SaState::InitSent;
    return true;
}

void IkeSa::handle_init_response(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out) {
    auto ns = find_notifies(m.payloads);
    if (!ns) return;
    if (const auto* c = find_notify(*ns, NotifyType::Cookie)) {
        cookie_ = c->data;
        outstanding_.reset();
        (void)start(out, now, crypto::find_dh(ke_->group()));
        return;
    }
    if (const auto* n = find_notify(*ns, NotifyType::InvalidKePayload)) {
        // RFC 7296 §1.3: retry with the group the responder asked for, if we offered it.
        if (n->data.size() == 2) {
            const auto g = static_cast<crypto::DhGroup>((n->data[0] << 8) | n->data[1]);
            const auto* info = crypto::find_dh(g);
            bool offered = false;
            for (const auto& p : conn_.ike_proposals)
                if (info != nullptr && std::find(p.dh.begin(), p.dh.end(), info) != p.dh.end())
                    offered = true;
            if (offered && g != ke_->group()) {
                outstanding_.reset();
                (void)start(out, now, info);
                return;
            }
        }
        return fail_down(out, "INVALID_KE_PAYLOAD without a usable group");
    }
    if (const auto* e = first_error(*ns)) return fail_down(out, "peer: " + to_string(e->type));
    const auto* sa = find(m.payloads, PayloadType::SA);
    const auto* ke = find(m.payloads, PayloadType::KE);
    const auto* nr = find(m.payloads, PayloadType::Nonce);
    if (sa == nullptr || ke == nullptr || nr == nullptr || m.header.spi_r == 0) return;
    auto props = parse_sa(sa->body);
    auto kep = parse_ke(ke->body);
    if (!props || !kep || nr->body.size() < kMinNonceLength || nr->body.size() > kMaxNonceLength) return;
    auto algs = accept_ike(*props, conn_.ike_proposals);
    if (!algs || static_cast<std::uint16_t>(algs->dh->group) != kep->group ||
        algs->dh->group != ke_->group()) {
        return fail_down(out, "responder chose a proposal we did not offer");
    }
    auto g = ke_->derive(kep->data, crypto::Encoding::Ike);
    if (!g) return fail_down(out, "bad KE from peer");
    outstanding_.reset();
    algs_ = *algs;
    g_ir_ = std::move(g).value();
    spi_r_ = m.header.spi_r;
    nr_ = nr->body;
    init_response_.assign(in.data.begin(), in.data.end());
    if (!setup_keys()) return fail_down(out, "key derivation failed");
    check_nat(*ns, m.header, in);
    read_init_notifies(*ns, conn_, auth_);
    if (nat()) {
        // RFC 7296 §2.23: after a NAT is detected, IKE moves to port 4500:
        // ours from local_port to natt_port, the peer's from 500 to 4500
        // (a peer configured on another port stays there, as strongSwan does).
        if (local_.port == conn_.local_port) local_.port = conn_.natt_port;
        remote_.port = float_remote_port(remote_.port);
    }
    send_auth(out, now);
}

}  // namespace strata::ike::v2
