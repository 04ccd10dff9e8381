// exchange_informational.cpp: INFORMATIONAL (RFC 7296 §1.4): DELETE of IKE
// and CHILD SAs, liveness checks answered, our own DELETE.
#include "ike/v2/ike_sa.hpp"

#include <algorithm>

#include "ike/v2/exchange_util.hpp"

namespace strata::ike::v2 {

void IkeSa::handle_informational_request(const Header& h, const std::vector<RawPayload>& pl, Output& out) {
    std::vector<RawPayload> resp;
    bool ike_deleted = false;
    std::vector<core::Bytes> our_spis;
    for (const auto& p : pl) {
        if (p.type != PayloadType::Delete) continue;
        auto d = parse_delete(p.body);
        if (!d) continue;
        if (d->protocol == ProtocolId::Ike) {
            ike_deleted = true;
        } else if (d->protocol == ProtocolId::Esp || d->protocol == ProtocolId::Ah) {
            // RFC 7296 §1.4.1: the peer names its inbound SPIs (our
            // outbound); we answer with our inbound SPIs of the pairs.
            for (const auto& s : d->spis) {
                const std::uint32_t out_spi = spi32_of(s);
                // A DELETE sent on an IKE SA that was rekeyed meanwhile names
                // CHILD SAs that now live in its successor (§1.3.2).
                IkeSa* owner = this;
                if (state_ == SaState::Rekeyed && successor_ != 0) owner = eng_.find_sa(successor_);
                if (owner == nullptr) continue;
                auto& kids = owner->children_;
                auto it = std::find_if(kids.begin(), kids.end(),
                                       [&](const ChildEntry& c) { return c.spi_out == out_spi; });
                if (it == kids.end()) continue;
                our_spis.push_back(spi32_bytes(it->spi_in));
                out.events.emplace_back(
                    ChildSaDown{conn_.name, owner->id(), it->spi_in, it->spi_out, "deleted by peer"});
                kids.erase(it);
            }
        }
    }
    if (!ike_deleted && !our_spis.empty()) {
        resp.push_back(payload(PayloadType::Delete, encode_delete({ProtocolId::Esp, our_spis})));
    }
    send_response(out, ExchangeType::Informational, h.message_id, resp);
    if (ike_deleted) {
        if (state_ == SaState::Rekeyed) {
            // The replaced IKE SA of a rekey (RFC 7296 §1.3.2): its CHILD SAs
            // live on in the new one, IkeSaRekeyed was reported already.
            state_ = SaState::Dead;
            return;
        }
        children_down(out, "IKE SA deleted by peer");
        fail_down(out, "deleted by peer");
    }
}

void IkeSa::send_delete_child(std::uint32_t spi_in, core::Instant now, Output& out) {
    auto* c = child_by_in(spi_in);
    if (c == nullptr) return;
    // RFC 7296 §1.4.1: name our inbound SPI; the peer answers with its own.
    std::vector<RawPayload> pl{
        payload(PayloadType::Delete, encode_delete({ProtocolId::Esp, {spi32_bytes(spi_in)}}))};
    c->state = ChildState::Deleting;
    deleting_spis_ = {spi_in};
    (void)send_encrypted_request(out, ExchangeType::Informational, pl, now);
}

void IkeSa::send_dpd(core::Instant now, Output& out) {
    // RFC 7296 §1.4: an INFORMATIONAL request with no payloads is a liveness check.
    if (send_encrypted_request(out, ExchangeType::Informational, {}, now)) {
        dpd_probe_ = true;
        ++eng_.stats_.dpd_sent;
    }
}

void IkeSa::handle_informational_response(const std::vector<RawPayload>& /*pl*/, Output& out) {
    // Our DELETE of CHILD SAs is answered (with the peer's SPIs, or nothing if
    // it deleted them first): they are gone on both sides.
    for (auto spi : deleting_spis_) {
        auto it = std::find_if(children_.begin(), children_.end(),
                               [&](const ChildEntry& c) { return c.spi_in == spi; });
        if (it == children_.end()) continue;
        out.events.emplace_back(ChildSaDown{conn_.name, id(), it->spi_in, it->spi_out, "deleted locally"});
        children_.erase(it);
    }
    deleting_spis_.clear();
}

void IkeSa::send_delete(Output& out, core::Instant now) {
    std::vector<RawPayload> pl{payload(PayloadType::Delete, encode_delete({ProtocolId::Ike, {}}))};
    (void)send_encrypted_request(out, ExchangeType::Informational, pl, now);
    state_ = SaState::Deleting;
}

}  // namespace strata::ike::v2
