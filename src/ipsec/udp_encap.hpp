// udp_encap.hpp: ESP in UDP for NAT traversal (RFC 3948), in place.
//
// On port 4500 one UDP socket carries three things: ESP packets (the SPI is
// never zero), IKE messages behind a four-byte zero non-ESP marker (§2.2),
// and one-byte 0xff NAT-keepalives (§2.3). The outbound side wraps the ESP
// part of a protected packet in a UDP header; the inbound side classifies a
// datagram and, for ESP, strips the UDP header so esp_inbound can run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/packet_buffer.hpp"
#include "ipsec/sa.hpp"

namespace strata::ipsec {

// kUdpEncapPort is the NAT-T port (RFC 3948 §2, RFC 7296 §2.23).
inline constexpr std::uint16_t kUdpEncapPort = 4500;
// kNonEspMarkerLength is the zero marker in front of IKE on port 4500 (RFC 3948 §2.2).
inline constexpr std::size_t kNonEspMarkerLength = 4;

// UdpEncapKind is what a datagram on the NAT-T port carries.
enum class UdpEncapKind : std::uint8_t {
    Esp,           // an ESP packet (RFC 3948 §2.1)
    Ike,           // an IKE message after the non-ESP marker (§2.2)
    NatKeepalive,  // the single 0xff byte (§2.3)
};

// UdpEncapPayload is a classified UDP payload; ike views the IKE message
// (marker removed) inside the classified bytes, empty for the other kinds.
struct UdpEncapPayload {
    UdpEncapKind kind = UdpEncapKind::Esp;
    core::ByteView ike{};
};

// classify_udp_encap sorts the payload of a UDP datagram received on the
// NAT-T port. Drop::Truncated for a payload that is neither a keepalive, a
// marked IKE message, nor long enough for an ESP header (8 bytes).
core::Result<UdpEncapPayload, Drop> classify_udp_encap(core::ByteView udp_payload) noexcept;

// udp_encapsulate puts a UDP header with the given ports in front of the ESP
// header of the IP packet in buf (as esp_outbound leaves it) and fixes the IP
// header (protocol 17, lengths). The UDP checksum is 0 over IPv4 (RFC 3948
// §2.1) and computed over IPv6 (RFC 8200 §8.1). Drops: Malformed (no ESP
// packet), NoRoom, UnsupportedPacket (too long).
core::Result<void, Drop> udp_encapsulate(PacketBuffer& buf, const UdpEncapsulation& ports) noexcept;

// UdpDecapInfo says what udp_decapsulate found.
struct UdpDecapInfo {
    UdpEncapKind kind = UdpEncapKind::Esp;
    std::uint16_t src_port = 0;  // the peer's (possibly NAT-mapped) port
    std::uint16_t dst_port = 0;
    core::ByteView ike{};  // the IKE message, viewing buf (kind Ike only)
};

// udp_decapsulate reads the IP/UDP datagram in buf. For ESP it removes the
// UDP header and restores protocol 50 and the lengths, leaving a packet for
// esp_inbound; for IKE and keepalives buf is left as it was. The IPv4 UDP
// checksum is not relied on (RFC 3948 §2.1); an IPv6 one is verified.
// Drops: Malformed (not UDP, bad length or checksum), Truncated,
// UnsupportedPacket (fragment).
core::Result<UdpDecapInfo, Drop> udp_decapsulate(PacketBuffer& buf) noexcept;

}  // namespace strata::ipsec
