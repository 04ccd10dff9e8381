// esp.hpp: ESP (RFC 4303) outbound and inbound, in place on a PacketBuffer.
//
//   0                   1                   2                   3
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |               Security Parameters Index (SPI)                 |
//   |                      Sequence Number (low 32 bits)            |
//   |                      IV (0, 8 or 16 bytes)                    |
//   |                      Payload Data ...                         |
//   |      ... Padding (1, 2, 3, ...)   |  Pad Length  | Next Header|
//   |                      ICV (AEAD tag or truncated HMAC)         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The SA is keyed once (SecurityAssociation); nothing here allocates. Every
// failure returns its Drop and counts it on the SA. Inbound follows RFC 4303
// §3.4 in strongSwan's order: lengths, replay check, ICV, window update,
// decrypt, padding, strip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/random.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/packet_buffer.hpp"
#include "ipsec/sa.hpp"
#include "ipsec/tunnel.hpp"

namespace strata::ipsec {

// kEspHeaderLength is the SPI and sequence number in front of the IV.
inline constexpr std::size_t kEspHeaderLength = 8;
// kEspAeadIvLength is the explicit IV of the AEAD transforms (RFC 4106 §3.1, RFC 7634 §2).
inline constexpr std::size_t kEspAeadIvLength = 8;
// kEspMaxIvLength is the longest explicit IV any ESP transform here sends (AES-CBC).
inline constexpr std::size_t kEspMaxIvLength = 16;

// EspOutboundOptions fixes what ESP otherwise chooses itself (tests, vector
// replays). The defaults are what the datapath uses.
struct EspOutboundOptions {
    // sequence, if set, is used instead of sa.next_sequence() (the SA's
    // counter is not advanced); it must never repeat under one key.
    std::optional<std::uint64_t> sequence;
    // iv, if not empty, is the explicit IV to send (exactly the SA's IV
    // length). Default: the 64-bit sequence number for AEADs (RFC 4106 §3.1),
    // random bytes for CBC (RFC 3602 §2).
    core::ByteView iv{};
    // ipv4_identification, if set, is the outer IPv4 Identification in tunnel
    // mode; default: the low 16 bits of the sequence number.
    std::optional<std::uint16_t> ipv4_identification;
    // random draws CBC IVs; null means crypto::system_random().
    crypto::RandomSource* random = nullptr;
    // sequences, if set and not empty (and `sequence` is unset), is a block
    // reserved with sa.reserve_sequences(): the packet takes its number from
    // the front of it, at the point where it would call sa.next_sequence()
    // (so a packet refused before that takes none). The Processor reserves
    // one block per SA per batch instead of one atomic step per packet.
    SequenceBlock* sequences = nullptr;
};

// EspOutboundInfo describes a protected packet.
struct EspOutboundInfo {
    std::uint64_t sequence = 0;  // full (ESN) sequence number sent
    std::size_t esp_offset = 0;  // where the ESP header starts in the buffer
};

// EspInboundInfo describes an accepted packet.
struct EspInboundInfo {
    std::uint64_t sequence = 0;    // full sequence number (ESN inferred)
    std::uint8_t next_header = 0;  // the ESP trailer's Next Header (4/41 in tunnel mode)
};

// esp_iv_length returns the explicit IV length of sa's transform (0 for NULL).
std::size_t esp_iv_length(SecurityAssociation& sa) noexcept;

// esp_overhead returns the most bytes ESP adds to a payload of payload_len
// bytes (header, IV, padding, trailer, ICV; no outer header).
std::size_t esp_overhead(SecurityAssociation& sa, std::size_t payload_len) noexcept;

// esp_seal turns the bytes of buf from `offset` to the end into one ESP
// packet in place: inserts header and IV at offset (moving the bytes in
// front of it into the headroom), appends padding 1, 2, 3, ... to the block
// size and 4-byte alignment, pad length, next_header and the ICV, and
// encrypts (RFC 4303 §3.3). The IP header in front is not touched: this is
// the mode-independent core of esp_outbound. Drops: SequenceExhausted,
// NoRoom, SaExpired, CryptoFailure.
core::Result<EspOutboundInfo, Drop> esp_seal(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset,
                                             std::uint8_t next_header, const EspOutboundOptions& opts = {});

// esp_open is the inverse core: the bytes of buf from `offset` to the end are
// one ESP packet; on success they are replaced by its payload (header, IV,
// trailer and ICV removed; the bytes in front move back). Next header 59 is
// Drop::DummyPacket. Drops: Truncated, UnknownSpi (SPI is not sa's),
// ReplayTooOld, ReplayDuplicate, IcvMismatch (window not moved),
// BadBlockLength, BadPadLength, BadPadding, DummyPacket, SaExpired,
// CryptoFailure. On failure the buffer's content is unspecified.
core::Result<EspInboundInfo, Drop> esp_open(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset);

// esp_outbound protects the one IP packet in buf with the outbound ESP SA, in
// the SA's mode: transport inserts ESP after the IPv4 header or at the IPv6
// ESP insertion point (RFC 4303 §3.1.1) and fixes the IP header; tunnel
// encrypts the whole packet (next header 4 or 41) behind a new outer header
// (RFC 4303 §3.1.2, ECN per RFC 6040). Link padding behind the packet is
// dropped first. Drops: as esp_seal, plus Malformed and UnsupportedPacket
// (fragments in transport mode).
core::Result<EspOutboundInfo, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const EspOutboundOptions& opts = {});

// esp_outbound with a layout is the same for a caller that has parsed the
// packet already (the Processor: view_ip serves the SPD and ESP with one
// parse). layout must be what outbound_layout(buf.view()) would return, or
// carry fragment = true (refused with UnsupportedPacket).
core::Result<EspOutboundInfo, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const IpLayout& layout, const EspOutboundOptions& opts = {});

// esp_outbound with a layout and an info to fill is the same again for the
// per-packet path (the Processor): the info is written in place and the
// result is a two-byte status, not a 24-byte Result copied through each
// layer. info is unspecified on failure.
core::Result<void, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout& layout,
                                      const EspOutboundOptions& opts, EspOutboundInfo& info) noexcept;

// esp_outbound_lane_ok says whether esp_outbound_lane may protect packets
// of sa: an outbound ESP SA in tunnel mode with an AEAD (8-byte counter IV,
// 4-byte salt) and the outer header built at install: what IKE negotiates
// for AES-GCM and ChaCha20-Poly1305 tunnels. It does not change while the
// SA lives, so a caller may ask once per batch.
bool esp_outbound_lane_ok(SecurityAssociation& sa) noexcept;

// esp_outbound_lane is esp_outbound(sa, buf, layout, opts, info) for an SA
// that esp_outbound_lane_ok accepted and options with no IV set: the same
// bytes and the same drops (counted on the SA), without the dispatch the
// general entry does for every packet.
core::Result<void, Drop> esp_outbound_lane(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout& layout,
                                           const EspOutboundOptions& opts, EspOutboundInfo& info) noexcept;

// esp_inbound checks and strips ESP from the IP packet in buf with the
// inbound SA found for it: transport mode leaves the IP packet with its
// protocol and lengths restored; tunnel mode leaves only the inner packet
// (RFC 6040 ECN combined into it). Drops: as esp_open, plus Malformed (the
// IP packet, or an inner packet that is not IPv4/IPv6 in tunnel mode).
core::Result<EspInboundInfo, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf);

// esp_inbound with a layout is the same for a caller that has parsed the
// received packet already; layout must be what inbound_layout(buf.view(), 50)
// would return. In tunnel mode what the SPD check needs of the inner packet
// is stored in inner (read while its header is checked: decapsulate_inner)
// and inner_found is set; in transport mode inner_found is cleared.
core::Result<EspInboundInfo, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf,
                                               const IpLayout& layout, InnerSelectors& inner,
                                               bool& inner_found);

// esp_inbound with a layout and an info to fill is that again for the
// per-packet path (the Processor), as the outbound one above.
core::Result<void, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout& layout,
                                     InnerSelectors& inner, bool& inner_found, EspInboundInfo& info) noexcept;

}  // namespace strata::ipsec
