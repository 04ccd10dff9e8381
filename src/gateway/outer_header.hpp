// outer_header.hpp: between the Processor's whole IP packets and the sockets.
//
// ipsec::Processor works on whole IP packets; sockets carry payloads. On the
// way in, a UDP-encapsulated ESP payload (or an ESP packet from an IPv6 raw
// socket) gets an outer IP header built from the datagram's addresses, with
// protocol 50, so the Processor finds the SA by (SPI, destination, ESP). On
// the way out, the outer header of a protected packet says where it goes:
// protocol 17 (RFC 3948 UDP) or 50 (ESP), source, destination and port.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/packet_buffer.hpp"
#include "packet/address.hpp"

namespace strata::gateway {

// prepend_esp_header puts an IPv4 or IPv6 header (by src's version) for an
// ESP payload in front of buf's bytes. Drops: NoRoom (headroom), Malformed
// (mixed versions, or too long for IPv4).
core::Result<void, ipsec::Drop> prepend_esp_header(ipsec::PacketBuffer& buf, const packet::IpAddress& src,
                                                   const packet::IpAddress& dst) noexcept;

// Transport says how a protected packet leaves: ESP in UDP (RFC 3948),
// ESP as IP protocol 50 (the kernel writes the outer header), or AH as
// protocol 51 with the outer header as built (AH authenticates it, RFC 4302
// §3.3.3.1: sent through an IP_HDRINCL socket, IPv4 only).
enum class Transport : std::uint8_t { Udp, Esp, Ah };

// Outgoing is where a protected packet goes and the bytes to send.
struct Outgoing {
    Transport transport = Transport::Esp;
    packet::IpAddress src;
    packet::IpAddress dst;
    std::uint16_t src_port = 0;  // UDP only
    std::uint16_t dst_port = 0;
    // ecn is the ECN field of the outer header the Processor built (RFC
    // 6040 §4.1, normal mode: the inner header's, copied). The kernel
    // writes the header of Udp and Esp datagrams: the worker sets it on the
    // socket (IP_TOS / IPV6_TCLASS) for each run of datagrams that share it.
    std::uint8_t ecn = 0;
    core::ByteView payload;  // the ESP packet (after the UDP header for Udp); Ah: the whole IP packet
};

// read_outgoing reads the outer header of a packet the Processor protected.
// Drops: Malformed (not IPv4/IPv6, or neither UDP, ESP nor AH; AH over IPv6).
core::Result<Outgoing, ipsec::Drop> read_outgoing(core::ByteView pkt) noexcept;

}  // namespace strata::gateway
