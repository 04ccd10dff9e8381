// outer_header.hpp: between the Processor's whole IP packets and the sockets.
//
// ipsec::Processor works on whole IP packets; sockets carry payloads. On the
// way in, a UDP-encapsulated ESP payload (or an ESP or AH packet from an
// IPv6 raw socket, which delivers no IPv6 header) gets an outer IP header
// built from the datagram's addresses and the control messages the socket
// reported (TOS / traffic class, destination), with protocol 50 or 51, so
// the Processor finds the SA by (SPI, destination, protocol), combines the
// outer ECN/DSCP (RFC 6040 §4.2, RFC 4301 §5.1.2.1) and checks an AH ICV
// over the header's immutable fields (RFC 4302 §3.3.3.1.2, Appendix A.2).
// On the way out, the outer header of a protected packet says where it goes:
// protocol 17 (RFC 3948 UDP), 50 (ESP) or 51 (AH), source, destination,
// port and TOS.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "io/recv_ancillary.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/packet_buffer.hpp"
#include "packet/address.hpp"

namespace strata::gateway {

// prepend_esp_header puts an IPv4 or IPv6 header (by src's version) for an
// ESP payload in front of buf's bytes. Drops: NoRoom (headroom), Malformed
// (mixed versions, or too long for IPv4).
core::Result<void, ipsec::Drop> prepend_esp_header(ipsec::PacketBuffer& buf, const packet::IpAddress& src,
                                                   const packet::IpAddress& dst) noexcept;

// prepend_ip_header puts an IPv4 or IPv6 header (by src's version) with
// `protocol` and TOS / traffic class `tos` in front of buf's bytes. IPv4:
// DF clear, ID 0, TTL 64, checksum computed; IPv6: flow label 0, hop limit
// 64 (the fields RFC 4302 Appendix A.2 calls mutable are zeroed for an AH
// ICV anyway). Drops: as prepend_esp_header.
core::Result<void, ipsec::Drop> prepend_ip_header(ipsec::PacketBuffer& buf, const packet::IpAddress& src,
                                                  const packet::IpAddress& dst, std::uint8_t protocol,
                                                  std::uint8_t tos) noexcept;

// restore_ip_header puts back the IP header a socket did not deliver: a UDP
// socket's (RFC 3948 ESP; protocol 50) or a raw IPv6 socket's (ESP or AH).
// The source is the datagram's sender, the destination the one the kernel
// reported (IPV6_RECVPKTINFO / IP_PKTINFO) or else the socket's address
// `local`, the TOS / traffic class the one reported (IP_RECVTOS /
// IPV6_RECVTCLASS) or else 0. Extension headers in front of ESP/AH are not
// seen through a raw socket and cannot be restored. Drops: Malformed (a
// reported destination or sender of another IP version than local), and
// those of prepend_ip_header.
core::Result<void, ipsec::Drop> restore_ip_header(ipsec::PacketBuffer& buf, const packet::IpAddress& from,
                                                  const packet::IpAddress& local,
                                                  const io::RecvAncillary& anc,
                                                  std::uint8_t protocol) noexcept;

// Transport says how a protected packet leaves: ESP in UDP (RFC 3948),
// ESP as IP protocol 50 (the kernel writes the outer header), or AH as
// protocol 51 with the outer header as built (AH authenticates it, RFC 4302
// §3.3.3.1: sent through an IP_HDRINCL / IPV6_HDRINCL raw socket).
enum class Transport : std::uint8_t { Udp, Esp, Ah };

// Outgoing is where a protected packet goes and the bytes to send.
struct Outgoing {
    Transport transport = Transport::Esp;
    packet::IpAddress src;
    packet::IpAddress dst;
    std::uint16_t src_port = 0;  // UDP only
    std::uint16_t dst_port = 0;
    // tos is the TOS / traffic class of the header the Processor built:
    // DSCP and ECN as the SA's copy_dscp and copy_ecn made them in tunnel
    // mode (RFC 4301 §5.1.2.1, RFC 6040 §4.1), the packet's own in
    // transport mode. The kernel writes the header of Udp and Esp
    // datagrams: the worker sets it on the socket (IP_TOS / IPV6_TCLASS) for
    // each run of datagrams that share it.
    std::uint8_t tos = 0;
    core::ByteView payload;  // the ESP packet (after the UDP header for Udp); Ah: the whole IP packet
};

// read_outgoing reads the outer header of a packet the Processor protected.
// Drops: Malformed (not IPv4/IPv6, or neither UDP, ESP nor AH).
core::Result<Outgoing, ipsec::Drop> read_outgoing(core::ByteView pkt) noexcept;

}  // namespace strata::gateway
