// auth_context.hpp: what an IKE SA keeps for certificate authentication and
// IKE fragmentation, and the IKE_SA_INIT notifies that announce them.
//
// Both sides send SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4) and, when
// configured, IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3) in IKE_SA_INIT;
// read_init_notifies records what the peer announced.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "ike/config.hpp"
#include "ike/v2/fragment.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// AuthContext is an IKE SA's state for signatures and fragments.
struct AuthContext {
    // peer_hashes: the peer's SIGNATURE_HASH_ALGORITHMS (empty: none sent).
    std::vector<std::uint16_t> peer_hashes;
    // fragmentation: both sides announced IKEV2_FRAGMENTATION_SUPPORTED.
    bool fragmentation = false;
    // reassembly holds the fragments of the message being received.
    Reassembly reassembly;
    // response_fragments: the last response, when it was fragmented (re-sent
    // whole for a retransmitted request, RFC 7383 §2.6.1).
    std::vector<core::Bytes> response_fragments;  // fragments 2..n (fragment 1 is last_response_)
    std::optional<std::uint32_t> response_mid;    // the message ID they answer
};

// answers_retransmit is false for fragments other than number 1: a
// retransmitted fragmented request is answered once, on its first fragment.
bool answers_retransmit(const ParsedMessage& m) noexcept;

// init_notifies returns the notifies this host adds to IKE_SA_INIT (request
// or response) for conn: SIGNATURE_HASH_ALGORITHMS, and
// IKEV2_FRAGMENTATION_SUPPORTED if conn.fragmentation.
std::vector<RawPayload> init_notifies(const ConnectionConfig& conn);

// read_init_notifies records the peer's announcements from its IKE_SA_INIT
// notifies into ctx (fragmentation only if conn allows it too).
void read_init_notifies(const std::vector<Notify>& ns, const ConnectionConfig& conn, AuthContext& ctx);

}  // namespace strata::ike::v2
