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
                auto it = std::find_if(children_.begin(), children_.end(),
                                       [&](const ChildEntry& c) { return c.spi_out == out_spi; });
                if (it == children_.end()) continue;
                our_spis.push_back(spi32_bytes(it->spi_in));
                out.events.emplace_back(
                    ChildSaDown{conn_.name, id(), it->spi_in, it->spi_out, "deleted by peer"});
                children_.erase(it);
            }
        }
    }
    if (!ike_deleted && !our_spis.empty()) {
        resp.push_back(payload(PayloadType::Delete, encode_delete({ProtocolId::Esp, our_spis})));
    }
    send_response(out, ExchangeType::Informational, h.message_id, resp);
    if (ike_deleted) {
        children_down(out, "IKE SA deleted by peer");
        fail_down(out, "deleted by peer");
    }
}

void IkeSa::send_delete(Output& out, core::Instant now) {
    std::vector<RawPayload> pl{payload(PayloadType::Delete, encode_delete({ProtocolId::Ike, {}}))};
    (void)send_encrypted_request(out, ExchangeType::Informational, pl, now);
    state_ = SaState::Deleting;
}

}  // namespace strata::ike::v2
