#include "ike/v2/auth_context.hpp"

#include "ike/v2/auth_signature.hpp"

namespace strata::ike::v2 {

std::vector<RawPayload> init_notifies(const ConnectionConfig& conn) {
    std::vector<RawPayload> v;
    // RFC 7427 §4: the hashes this host verifies signatures with.
    v.push_back(RawPayload{
        PayloadType::Notify, false,
        encode_notify(
            Notify{ProtocolId::None, {}, NotifyType::SignatureHashAlgorithms, encode_hash_algorithms()})});
    // RFC 7383 §2.3: an empty notify says this host can take SKF fragments.
    if (conn.fragmentation) {
        v.push_back(RawPayload{
            PayloadType::Notify, false,
            encode_notify(Notify{ProtocolId::None, {}, NotifyType::Ikev2FragmentationSupported, {}})});
    }
    return v;
}

void read_init_notifies(const std::vector<Notify>& ns, const ConnectionConfig& conn, AuthContext& ctx) {
    for (const auto& n : ns) {
        if (n.type == NotifyType::SignatureHashAlgorithms) {
            // A malformed list counts as none (signatures then fail with a reason).
            if (auto h = parse_hash_algorithms(n.data)) ctx.peer_hashes = std::move(h).value();
        } else if (n.type == NotifyType::Ikev2FragmentationSupported) {
            ctx.fragmentation = conn.fragmentation;
        }
    }
}

bool answers_retransmit(const ParsedMessage& m) noexcept {
    if (!is_fragment(m)) return true;
    const core::Bytes& b = m.payloads.front().body;  // Fragment Number | Total Fragments | ...
    return b.size() >= 2 && b[0] == 0 && b[1] == 1;
}

}  // namespace strata::ike::v2
