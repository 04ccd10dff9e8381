// tunnel.hpp: the IP headers around ESP and AH, shared by both protocols.
//
// Transport mode inserts its header inside the packet's own IP header chain
// (RFC 4303 §3.1.1, RFC 4302 §3.1.1) and rewrites the protocol and length
// fields around it; tunnel mode puts a new outer header in front of the whole
// inner packet (RFC 4301 §5.1.2) and carries ECN across it as RFC 6040's
// normal mode says. Everything here works in place on a PacketBuffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/packet_buffer.hpp"
#include "ipsec/sa.hpp"
#include "packet/address.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::ipsec {

struct InnerSelectors;  // ip_view.hpp

// store_u16 / store_u32 write a big-endian value in place at offset of v,
// through core::Writer; nothing is written if it does not fit.
void store_u16(core::MutableByteView v, std::size_t offset, std::uint16_t value) noexcept;
void store_u32(core::MutableByteView v, std::size_t offset, std::uint32_t value) noexcept;

// IpLayout is where an IPsec header goes in (or was found in) an IP packet.
// All offsets count from the start of the packet.
struct IpLayout {
    packet::IpVersion version = packet::IpVersion::V4;
    std::size_t length = 0;             // packet bytes per its length fields (link padding excluded)
    std::size_t insert_offset = 0;      // where the ESP/AH header is, or goes
    std::size_t next_header_field = 0;  // offset of the byte naming the header at insert_offset
    std::uint8_t next_header = 0;       // that byte's value
    std::uint8_t tos = 0;               // IPv4 TOS or IPv6 traffic class (DSCP | ECN)
    bool dont_fragment = false;         // IPv4 DF bit (false for IPv6)
    bool fragment = false;              // a fragment, not a whole datagram (an IPv6 atomic
                                        // fragment, RFC 6946, is whole)
};

// outbound_layout parses a packet about to be protected in transport mode (or
// an inner packet about to be tunnelled) and returns where transport mode
// inserts its header: after the IPv4 header, or at Ipv6Packet's
// esp_insert_offset (RFC 4303 §3.1.1). Drop::Malformed if it does not parse,
// Drop::UnsupportedPacket for a fragment (transport mode protects whole
// datagrams; fragments are reassembled first, RFC 4301 §7).
core::Result<IpLayout, Drop> outbound_layout(core::ByteView ip_packet) noexcept;

// inbound_layout parses a received packet and finds the IPsec header of
// `protocol` (50 ESP, 51 AH): right after the IPv4 header, or in the IPv6
// chain. Drop::Malformed if it does not parse or carries no such header,
// Drop::UnsupportedPacket for a fragment (reassembly comes first).
core::Result<IpLayout, Drop> inbound_layout(core::ByteView ip_packet, std::uint8_t protocol) noexcept;

// rewrite_ip_header sets the byte at layout.next_header_field to next_header
// and the length fields to the packet's current size (IPv4 total length and
// header checksum; IPv6 payload length). Drop::UnsupportedPacket if the
// packet no longer fits the length field.
core::Result<void, Drop> rewrite_ip_header(core::MutableByteView packet, const IpLayout& layout,
                                           std::uint8_t next_header) noexcept;

// ecn_encapsulate returns the outer TOS/traffic class for an inner one: DSCP
// and ECN copied (RFC 6040 §4.1, normal mode; RFC 4301 §5.1.2.1 for DSCP).
inline std::uint8_t ecn_encapsulate(std::uint8_t inner_tos) noexcept {
    // RFC 6040 §4.1: normal mode copies the inner ECN field; RFC 4301
    // §5.1.2.1 copies the DSCP by default.
    return inner_tos;
}

// encap_tos returns the outer TOS/traffic class a tunnel-mode SA writes for
// an inner one: the DSCP copied when copy_dscp is Out or Yes (else 0, RFC
// 4301 §5.1.2.1), the ECN field copied when copy_ecn (RFC 6040 §4.1 normal
// mode; else Not-ECT). The masks were computed at install (TosCopy).
inline std::uint8_t encap_tos(const SecurityAssociation& sa, std::uint8_t inner_tos) noexcept {
    return static_cast<std::uint8_t>(inner_tos & sa.tos_copy().encap_mask);
}
// (the same from a configuration, for the paths without an installed SA)
inline std::uint8_t encap_tos(const SaConfig& cfg, std::uint8_t inner_tos) noexcept {
    const bool dscp = cfg.copy_dscp == DscpCopy::Out || cfg.copy_dscp == DscpCopy::Yes;
    const auto mask = static_cast<std::uint8_t>((dscp ? 0xfcU : 0U) | (cfg.copy_ecn ? 0x03U : 0U));
    return static_cast<std::uint8_t>(inner_tos & mask);
}

// TosDecap is what tunnel-mode decapsulation takes from the outer header
// (RFC 6040 §4.2, RFC 4301 §5.1.2.1): its TOS / traffic class, with the ECN
// field cleared when the SA does not carry ECN (the inner header then keeps
// its own), and whether the outer DSCP replaces the inner one. Both travel
// in one 16-bit word (the TOS in the low byte, kCopyDscp above it), so the
// per-packet path tests "anything to do?" with one mask.
struct TosDecap {
    static constexpr std::uint16_t kCopyDscp = 0x100;
    std::uint16_t bits = 0;
    [[nodiscard]] std::uint8_t outer_tos() const noexcept { return static_cast<std::uint8_t>(bits); }
    [[nodiscard]] bool copy_dscp() const noexcept { return (bits & kCopyDscp) != 0; }
    static TosDecap make(std::uint8_t outer_tos, bool copy_dscp) noexcept {
        return TosDecap{static_cast<std::uint16_t>(outer_tos | (copy_dscp ? kCopyDscp : 0U))};
    }
};

// tos_decap returns the TosDecap of an SA for an outer header's TOS.
inline TosDecap tos_decap(const SecurityAssociation& sa, std::uint8_t outer_tos) noexcept {
    const SecurityAssociation::TosCopy& t = sa.tos_copy();
    return TosDecap{static_cast<std::uint16_t>((outer_tos & t.decap_outer_mask) | t.decap_flags)};
}

// ecn_decapsulate returns the inner TOS after combining the outer ECN field
// into it (RFC 6040 §4.2, Figure 4), or nullopt for Not-ECT inside CE, which
// the decapsulator must drop.
std::optional<std::uint8_t> ecn_decapsulate(std::uint8_t outer_tos, std::uint8_t inner_tos) noexcept;

// tunnel_inner_protocol returns 4 (IPv4) or 41 (IPv6): the next header that
// names an inner packet of that version in tunnel mode.
inline std::uint8_t tunnel_inner_protocol(packet::IpVersion v) noexcept {
    return v == packet::IpVersion::V4 ? packet::ipproto::kIpv4 : packet::ipproto::kIpv6;
}

// OuterHeaderParams are the per-packet fields of a new outer header.
struct OuterHeaderParams {
    std::uint8_t protocol = 0;         // 50 (ESP) or 51 (AH)
    std::uint8_t inner_tos = 0;        // for DSCP and ECN (RFC 6040 §4.1)
    bool inner_dont_fragment = false;  // copied to the outer DF (RFC 4301 §8.1)
    std::uint16_t ipv4_identification = 0;
};

// push_outer_header prepends an outer IPv4 or IPv6 header from the SA's src
// and dst, hop limit cfg.tunnel_ttl, for the packet now in buf (RFC 4301
// §5.1.2). Drop::NoRoom if the headroom is short, Drop::UnsupportedPacket if
// the result exceeds the length field.
core::Result<void, Drop> push_outer_header(const SaConfig& cfg, PacketBuffer& buf,
                                           const OuterHeaderParams& params) noexcept;

// push_outer_header with an SA uses the outer header the SA built at install
// (OuterHeader: only the per-packet fields are written and the IPv4 checksum
// is finished from a stored sum) when params.protocol is the SA's own; it
// produces the same bytes as the SaConfig form, which it falls back to
// otherwise.
// (Inline: tunnel-mode ESP calls it for every packet.)
inline core::Result<void, Drop> push_outer_header(const SecurityAssociation& sa, PacketBuffer& buf,
                                                  const OuterHeaderParams& params) noexcept {
    const OuterHeader& tmpl = sa.outer_header();
    if (tmpl.size() == 0 || tmpl.protocol() != params.protocol)
        return push_outer_header(sa.config(), buf, params);
    OuterHeaderFields f;
    f.payload_length = buf.size();
    if (f.payload_length > tmpl.max_payload()) return core::fail(Drop::UnsupportedPacket);
    f.tos = encap_tos(sa, params.inner_tos);
    f.dont_fragment = params.inner_dont_fragment;  // RFC 4301 §8.1: copied from the inner header
    f.identification = params.ipv4_identification;
    auto room = buf.push_front(tmpl.size());
    if (room.empty()) return core::fail(Drop::NoRoom);
    if (!tmpl.write(room, f)) return core::fail(Drop::UnsupportedPacket);
    return {};
}

// decapsulate_inner finishes tunnel-mode decapsulation once buf holds only
// the inner packet: checks that it parses as the version that next_header
// (4 or 41) names, trims link padding behind it, and combines the outer ECN
// into it (RFC 6040 §4.2), and with tos.copy_dscp also the outer DSCP (RFC
// 4301 §5.1.2.1); the IPv4 checksum is updated. Drop::Malformed for a bad
// inner packet or the ECN combination RFC 6040 says to drop.
core::Result<void, Drop> decapsulate_inner(PacketBuffer& buf, std::uint8_t next_header,
                                           TosDecap tos) noexcept;
// (the outer ECN only, as an SA with the default copy_dscp and copy_ecn)
inline core::Result<void, Drop> decapsulate_inner(PacketBuffer& buf, std::uint8_t next_header,
                                                  std::uint8_t outer_tos) noexcept {
    return decapsulate_inner(buf, next_header, TosDecap::make(outer_tos, false));
}

// decapsulate_inner with inner also stores what the inbound SPD check needs
// of the inner packet (ip_view.hpp), read in the same parse that checks the
// inner header: its Ipv4Flow for an IPv4 packet with a 20-byte header that
// is not a fragment, else its PacketFields (as extract_fields gives them).
// The inner header checksum is not verified: the ICV covered the whole inner
// packet (RFC 4303 §3.4.4), so it is exactly what the peer sent, and RFC 4301
// §5.2 asks only that it match the SA and the SPD; the host's stack checks
// it on delivery as for any packet.
core::Result<void, Drop> decapsulate_inner(PacketBuffer& buf, std::uint8_t next_header, TosDecap tos,
                                           InnerSelectors& inner) noexcept;

}  // namespace strata::ipsec
