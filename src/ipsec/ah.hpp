// ah.hpp: AH (RFC 4302) outbound and inbound, and ESP+AH bundles.
//
//   0                   1                   2                   3
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Header   |  Payload Len  |          RESERVED             |
//   |                 Security Parameters Index (SPI)               |
//   |                    Sequence Number (low 32 bits)              |
//   |          ICV, padded to 32 bits (IPv4) or 64 bits (IPv6)      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The ICV covers the whole IP packet with the fields that change in transit
// counted as zero (RFC 4302 §3.3.3.1), and the ESN high bits after it. The
// packet is never modified for that: zeroed ranges are fed to the HMAC as
// zeros. Inbound order as for ESP: lengths, replay check, ICV, window update,
// strip. Every failure returns its Drop and counts it on the SA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/result.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/esp.hpp"
#include "ipsec/packet_buffer.hpp"
#include "ipsec/sa.hpp"
#include "packet/address.hpp"

namespace strata::ipsec {

// kAhFixedLength is the AH header before the ICV (RFC 4302 §2).
inline constexpr std::size_t kAhFixedLength = 12;

// AhOutboundOptions fixes what AH otherwise chooses itself (tests, vectors).
struct AhOutboundOptions {
    // sequence, if set, is used instead of sa.next_sequence() (not advancing it).
    std::optional<std::uint64_t> sequence;
    // ipv4_identification, if set, is the outer IPv4 Identification in tunnel
    // mode; default: the low 16 bits of the sequence number.
    std::optional<std::uint16_t> ipv4_identification;
};

// AhOutboundInfo describes a protected packet.
struct AhOutboundInfo {
    std::uint64_t sequence = 0;  // full sequence number
    std::size_t ah_offset = 0;   // where the AH header starts
};

// AhInboundInfo describes an accepted packet.
struct AhInboundInfo {
    std::uint64_t sequence = 0;    // full sequence number (ESN inferred)
    std::uint8_t next_header = 0;  // AH's Next Header (4/41 in tunnel mode)
};

// ah_length returns the AH header length for sa over IP version v: 12 bytes
// and the ICV, padded to 4 (IPv4) or 8 (IPv6) bytes (RFC 4302 §2.2, §3.3.3.2.1).
std::size_t ah_length(SecurityAssociation& sa, packet::IpVersion v) noexcept;

// ah_outbound protects the IP packet in buf with the outbound AH SA in its
// mode: transport inserts AH where ESP would go (RFC 4302 §3.1.1) and fixes
// the IP header; tunnel puts AH and a new outer header in front (RFC 4302
// §3.1.2). Drops: Malformed, UnsupportedPacket (fragments; an IPv6 Routing
// header with segments left), SequenceExhausted, NoRoom, SaExpired,
// CryptoFailure.
core::Result<AhOutboundInfo, Drop> ah_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                               const AhOutboundOptions& opts = {});

// ah_inbound checks and strips AH from the IP packet in buf with its inbound
// SA. Transport mode leaves the IP packet (next header and lengths restored);
// tunnel mode only the inner packet (RFC 6040 ECN combined). Drops:
// Malformed, Truncated, UnknownSpi, ReplayTooOld, ReplayDuplicate,
// IcvMismatch (window not moved), UnsupportedPacket, SaExpired, CryptoFailure.
core::Result<AhInboundInfo, Drop> ah_inbound(SecurityAssociation& sa, PacketBuffer& buf);

// BundleOutboundInfo is what bundle_outbound applied.
struct BundleOutboundInfo {
    EspOutboundInfo esp;
    AhOutboundInfo ah;
};

// BundleInboundInfo is what bundle_inbound removed.
struct BundleInboundInfo {
    AhInboundInfo ah;
    EspInboundInfo esp;
};

// bundle_outbound applies ESP, then AH over the whole ESP packet (RFC 4301
// §4.5: the SA bundle order on the way out). Drops as esp_outbound, ah_outbound.
core::Result<BundleOutboundInfo, Drop> bundle_outbound(SecurityAssociation& esp_sa,
                                                       SecurityAssociation& ah_sa, PacketBuffer& buf,
                                                       const EspOutboundOptions& esp_opts = {},
                                                       const AhOutboundOptions& ah_opts = {});

// bundle_inbound removes AH, then ESP (the reverse order). Drops as
// ah_inbound, esp_inbound.
core::Result<BundleInboundInfo, Drop> bundle_inbound(SecurityAssociation& ah_sa, SecurityAssociation& esp_sa,
                                                     PacketBuffer& buf);

}  // namespace strata::ipsec
