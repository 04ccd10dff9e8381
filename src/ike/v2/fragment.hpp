// fragment.hpp: IKE message fragmentation (RFC 7383).
//
// When both peers announced IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT,
// an encrypted message too large for the path is sent as several messages,
// each holding one Encrypted Fragment (SKF) payload: a slice of the
// plaintext payload chain, padded, encrypted and integrity-protected on its
// own (§2.5). The receiver checks each fragment's ICV as it arrives, keeps
// the decrypted slices in bounded memory and parses the chain once all are
// there (§2.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/random.hpp"
#include "ike/v2/keys.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// kMaxFragments bounds Total Fragments accepted from a peer; kMaxReassembled
// bounds the bytes kept for one message (RFC 7383 §2.6: limit the memory).
inline constexpr std::size_t kMaxFragments = 64;
inline constexpr std::size_t kMaxReassembled = std::size_t{64} * 1024;

// fragment_datagram_limit returns the largest IKE message (UDP payload,
// without the non-ESP marker) sent unfragmented: from fragment_size, or by
// default 1280 bytes of IPv6 or 576 of IPv4 (RFC 7383 §2.5.1), less the IP
// and UDP headers and, on port 4500, the non-ESP marker.
std::size_t fragment_datagram_limit(std::size_t fragment_size, bool ipv6, bool port_4500) noexcept;

// Fragment is one opened SKF payload.
struct Fragment {
    std::uint16_t number = 0;  // 1-based
    std::uint16_t total = 0;
    PayloadType first_inner = PayloadType::None;  // meaningful in fragment 1 only
    core::Bytes plain;                            // the decrypted slice, padding removed
};

// fragment_message returns the messages that carry payloads as SKF
// fragments, none longer than max_message bytes (header h: SPIs, exchange,
// flags, message ID), each protected by the IKE SA's SK transforms sk (RFC
// 7383 §2.5). InvalidInputLength if max_message leaves no room for payload
// bytes or more than kMaxFragments would be needed.
core::Result<std::vector<core::Bytes>> fragment_message(SkCrypto& sk, Header h,
                                                        const std::vector<RawPayload>& payloads,
                                                        std::size_t max_message, crypto::RandomSource& rng);

// open_fragment_payload checks and decrypts the one SKF payload of message
// (parsed as m: SKF must be the only payload) with the IKE SA's SK
// transforms. IntegrityFailed if the ICV does not verify.
core::Result<Fragment, ParseError> open_fragment_payload(SkCrypto& sk, core::ByteView message,
                                                         const ParsedMessage& m);

// is_fragment is true for a message whose only payload is SKF.
bool is_fragment(const ParsedMessage& m) noexcept;

// Reassembly collects the fragments of one message (RFC 7383 §2.6).
class Reassembly {
public:
    // add keeps f for message_id. It returns the whole payload chain once
    // every fragment is there, nullopt while some are missing (or f was a
    // duplicate), and InvalidSyntax when f contradicts what was kept
    // (Total Fragments changed, bounds exceeded): the partial message is
    // dropped. A fragment of a newer message ID replaces an older one.
    core::Result<std::optional<std::vector<RawPayload>>, ParseError> add(std::uint32_t message_id,
                                                                         Fragment f);
    // reset drops everything kept.
    void reset() noexcept;
    // pending returns how many fragments are kept.
    [[nodiscard]] std::size_t pending() const noexcept { return parts_.size(); }
    // bytes returns how many plaintext bytes are kept.
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

private:
    std::optional<std::uint32_t> message_id_;
    std::uint16_t total_ = 0;
    std::map<std::uint16_t, Fragment> parts_;
    std::size_t bytes_ = 0;
};

}  // namespace strata::ike::v2
