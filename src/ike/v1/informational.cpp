// informational.cpp: informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7):
// notifications, DELETE of ISAKMP and IPsec SAs, dead peer detection
// (RFC 3706). Once an ISAKMP SA has keys they go encrypted with
// HASH(1) = prf(SKEYID_a, M-ID | N/D); before that, notifications go in the
// clear and are trusted only to end an exchange this host started.
#include "crypto/constant_time.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/engine_state.hpp"

namespace strata::ike::v1 {

namespace {

std::uint32_t be32_of(core::ByteView b) {
    std::uint32_t v = 0;
    for (std::uint8_t x : b) v = (v << 8) | x;
    return v;
}

core::Bytes be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

core::Bytes cookie_pair(const Cookie& i, const Cookie& r) {
    core::Bytes s(i.begin(), i.end());
    s.insert(s.end(), r.begin(), r.end());
    return s;
}

}  // namespace

void Engine::send_plain_notify(const Datagram& in, const Header& h, NotifyType type, Output& out) {
    NotifyPayload n;
    n.protocol = static_cast<std::uint8_t>(ProtocolId::Isakmp);
    n.type = static_cast<std::uint16_t>(type);
    n.spi = cookie_pair(h.initiator, h.responder);
    Header rh;
    rh.initiator = h.initiator;
    rh.responder = h.responder;
    rh.exchange = static_cast<std::uint8_t>(ExchangeType::Informational);
    ++stats_.notifies_sent;
    out.datagrams.push_back(Datagram{
        in.local, in.remote, build_plain(rh, {OutPayload{PayloadType::Notification, encode_notify(n)}})});
}

void Engine::send_informational(Phase1Sa& sa, std::vector<OutPayload> payloads, Output& out) {
    if (!sa.keys || !sa.prot || sa.p1_last.empty()) return;
    const std::uint32_t mid = new_message_id(sa);
    auto iv = phase2_iv(sa.hash(), sa.p1_last, mid, sa.prot->block_size());
    auto h1 = quick_hash1(sa.hash(), sa.keys->skeyid_a, mid, encode_chain(payloads));
    if (!iv || !h1) return;
    payloads.insert(payloads.begin(), OutPayload{PayloadType::Hash, *h1});
    Header h;
    h.initiator = sa.cky_i;
    h.responder = sa.cky_r;
    h.exchange = static_cast<std::uint8_t>(ExchangeType::Informational);
    h.message_id = mid;
    h.next = static_cast<std::uint8_t>(PayloadType::Hash);
    core::Bytes next_iv;
    auto msg = sa.prot->seal(h, encode_chain(payloads), *iv, next_iv);
    if (!msg) return;
    send(sa, std::move(msg).value(), out);
}

void Engine::send_delete_child(Phase1Sa* sa, const Child& c, Output& out) {
    if (sa == nullptr) return;
    // RFC 2408 §3.15: the sender names its own (inbound) SPI.
    DeletePayload d;
    d.protocol = static_cast<std::uint8_t>(c.choice.protocol == ipsec::Protocol::Ah ? ProtocolId::Ah
                                                                                    : ProtocolId::Esp);
    d.spi_size = 4;
    d.spis.push_back(be32(c.keys.spi_in));
    send_informational(*sa, {OutPayload{PayloadType::Delete, encode_delete(d)}}, out);
}

void Engine::remove_child(std::uint32_t spi_in, std::string_view reason, Output& out) {
    auto it = children_.find(spi_in);
    if (it == children_.end()) return;
    out.events.emplace_back(ChildSaDown{it->second->conn->base.name, it->second->ike, it->second->keys.spi_in,
                                        it->second->keys.spi_out, std::string(reason)});
    children_.erase(it);
}

void Engine::remove_phase1(const SaKey& key, std::string_view reason, bool auth_failure, Output& out) {
    auto it = p1_.find(key);
    if (it == p1_.end()) return;
    std::unique_ptr<Phase1Sa> sa = std::move(it->second);
    p1_.erase(it);
    if (sa->rekeyed) return;  // replaced: IkeSaRekeyed already said so
    if (auth_failure) {
        out.events.emplace_back(AuthFailed{sa->conn->base.name, sa->id(), std::string(reason)});
    } else {
        out.events.emplace_back(IkeSaDown{sa->conn->base.name, sa->id(), std::string(reason)});
    }
    if (sa->state != Phase1State::Established) return;
    // Without any ISAKMP SA left the connection's IPsec SAs go too (the
    // gateway treats an IKE SA going down the same for both versions).
    if (established_for(sa->conn) != nullptr) return;
    std::vector<std::uint32_t> spis;
    for (const auto& [spi, c] : children_)
        if (c->conn == sa->conn) spis.push_back(spi);
    for (std::uint32_t spi : spis) remove_child(spi, reason, out);
}

void Engine::send_dpd(Phase1Sa& sa, core::Instant now, Output& out) {
    // RFC 3706 §5: R-U-THERE carries the cookies as SPI and a sequence number.
    if (sa.dpd_outstanding == 0) sa.dpd_first_unacked = sa.dpd_seq + 1;
    ++sa.dpd_seq;
    ++sa.dpd_outstanding;
    NotifyPayload n;
    n.protocol = static_cast<std::uint8_t>(ProtocolId::Isakmp);
    n.type = static_cast<std::uint16_t>(NotifyType::RUThere);
    n.spi = cookie_pair(sa.cky_i, sa.cky_r);
    n.data = be32(sa.dpd_seq);
    send_informational(sa, {OutPayload{PayloadType::Notification, encode_notify(n)}}, out);
    ++stats_.dpd_sent;
    sa.dpd_at = now + sa.conn->base.retransmit.initial;
}

void Engine::on_informational(Phase1Sa* sa, const Datagram& in, const Header& h, core::Instant now,
                              Output& out) {
    if (sa == nullptr || !(sa->remote == in.remote)) {
        ++stats_.unknown_cookies;
        return;
    }
    const SaKey key{cookie_u64(sa->cky_i), cookie_u64(sa->cky_r)};
    if (!h.encrypted()) {
        // Unauthenticated: only an error answer to an exchange we started
        // and are still waiting on ends it (RFC 2408 §5: "notification").
        auto chain = parse_chain(h.next, core::ByteView(in.data).subspan(kHeaderLength), false);
        if (!chain) {
            ++stats_.malformed;
            return;
        }
        const RawPayload* np = find_payload(*chain, PayloadType::Notification);
        auto n = np ? decode_notify(np->body)
                    : core::Result<NotifyPayload, Error>(core::fail(Error::PayloadMalformed));
        if (!n || n->type >= 8192 || !sa->initiator || sa->state == Phase1State::Established) return;
        const auto type = static_cast<NotifyType>(n->type);
        // RFC 2408 §3.14.1: the certificate and signature errors are
        // authentication failures too (main mode with signatures, RFC 2409 §5.1).
        const bool auth = type == NotifyType::AuthenticationFailed ||
                          type == NotifyType::InvalidCertificate || type == NotifyType::InvalidSignature ||
                          type == NotifyType::CertificateUnavailable ||
                          type == NotifyType::InvalidCertEncoding ||
                          type == NotifyType::CertTypeUnsupported || type == NotifyType::InvalidCertAuthority;
        remove_phase1(key, std::string(to_string(type)) + " from peer", auth, out);
        return;
    }
    if (!sa->keys || sa->p1_last.empty() || h.message_id == 0) {
        ++stats_.malformed;
        return;
    }
    auto iv = phase2_iv(sa->hash(), sa->p1_last, h.message_id, sa->prot->block_size());
    if (!iv) return;
    core::Bytes next_iv;
    auto plain = sa->prot->open(in.data, *iv, next_iv);
    if (!plain) {
        ++stats_.malformed;
        return;
    }
    auto chain = parse_chain(h.next, *plain, true);
    if (!chain || chain->size() < 2 || chain->front().type != PayloadType::Hash) {
        ++stats_.malformed;
        return;
    }
    const core::ByteView rest =
        core::ByteView(*plain).subspan((*chain)[0].end, chain->back().end - (*chain)[0].end);
    auto want = quick_hash1(sa->hash(), sa->keys->skeyid_a, h.message_id, rest);
    if (!want || !crypto::constant_time_equal(*want, chain->front().body)) {
        ++stats_.auth_failed;
        return;
    }
    sa->last_heard = now;
    if (sa->conn->base.dpd_interval > core::Duration::zero() && sa->peer_dpd)
        sa->dpd_at = now + sa->conn->base.dpd_interval;
    for (const RawPayload& p : *chain) {
        if (p.type == PayloadType::Notification) {
            auto n = decode_notify(p.body);
            if (!n) continue;
            const auto type = static_cast<NotifyType>(n->type);
            if (type == NotifyType::RUThere && n->data.size() == 4) {
                NotifyPayload ack = *n;
                ack.type = static_cast<std::uint16_t>(NotifyType::RUThereAck);
                send_informational(*sa, {OutPayload{PayloadType::Notification, encode_notify(ack)}}, out);
                ++stats_.dpd_answered;
            } else if (type == NotifyType::RUThereAck && n->data.size() == 4) {
                const std::uint32_t seq = be32_of(n->data);
                if (sa->dpd_outstanding != 0 && seq >= sa->dpd_first_unacked && seq <= sa->dpd_seq) {
                    sa->dpd_outstanding = 0;
                    ++stats_.dpd_acked;
                }
            } else if (n->type < 8192) {
                // An error about a quick mode we started (NO-PROPOSAL-CHOSEN,
                // ...): the one whose SPI it names (RFC 2408 §3.14), else
                // the oldest still waiting for its QM2.
                auto failed = sa->quick.end();
                for (auto qit = sa->quick.begin(); qit != sa->quick.end(); ++qit) {
                    if (!qit->second.initiator || qit->second.state != QuickState::Qm1Sent) continue;
                    if (n->spi.size() == 4 && be32_of(n->spi) == qit->second.spi_in) {
                        failed = qit;
                        break;
                    }
                    if (failed == sa->quick.end()) failed = qit;
                }
                if (failed != sa->quick.end()) {
                    const auto rekey_of = failed->second.rekey_of;
                    const std::string child = specs_for(*sa->conn).at(failed->second.spec).name;
                    sa->quick.erase(failed);
                    if (rekey_of) {
                        auto c = children_.find(*rekey_of);
                        if (c != children_.end()) c->second->rekeying = false;
                    }
                    out.events.emplace_back(ChildSaFailed{sa->conn->base.name, sa->id(),
                                                          std::string(to_string(type)) + for_child(child)});
                }
            }
        } else if (p.type == PayloadType::Delete) {
            auto d = decode_delete(p.body);
            if (!d) continue;
            if (d->protocol == static_cast<std::uint8_t>(ProtocolId::Isakmp) && d->spi_size == 16) {
                for (const auto& spi : d->spis) {
                    if (!core::equal_public(spi, cookie_pair(sa->cky_i, sa->cky_r))) continue;
                    const Connection* conn = sa->conn;
                    const IkeSaId old_id = sa->id();
                    if (sa->rekeyed) {  // already replaced (IkeSaRekeyed was reported)
                        remove_phase1(key, "deleted by peer", false, out);
                        return;
                    }
                    Phase1Sa* other = nullptr;
                    for (auto& [k, o] : p1_)
                        if (o.get() != sa && o->conn == conn && o->state == Phase1State::Established &&
                            !o->rekeyed)
                            other = o.get();
                    if (other != nullptr) {
                        out.events.emplace_back(
                            IkeSaRekeyed{conn->base.name, old_id, other->id(), to_negotiated(other->choice)});
                        sa->rekeyed = true;
                    }
                    remove_phase1(key, "deleted by peer", false, out);
                    return;  // sa is gone
                }
            } else if (d->spi_size == 4) {
                for (const auto& spi : d->spis) {
                    const std::uint32_t v = be32_of(spi);
                    std::optional<std::uint32_t> mine;
                    for (const auto& [in_spi, c] : children_)
                        if (c->keys.spi_out == v && c->conn == sa->conn) mine = in_spi;
                    if (mine) remove_child(*mine, "deleted by peer", out);
                }
            }
        }
    }
}

}  // namespace strata::ike::v1
