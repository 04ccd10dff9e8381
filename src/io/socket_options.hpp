// socket_options.hpp: options the gateway sets on its datagram sockets
// beyond binding them (datagram_socket.hpp).
//
// * include_ip_header: the caller writes the IP header itself (IP_HDRINCL,
//   raw(7); IPV6_HDRINCL, Linux 4.5 and later): for AH, whose ICV covers
//   the outer header's immutable fields (RFC 4302 §3.3.3.1), so the header
//   must leave exactly as it was computed.
// * receive_tos: every datagram received reports its IP header's TOS or
//   traffic class (IP_RECVTOS / IPV6_RECVTCLASS) in RecvSlot::ancillary.
// * receive_destination: ... and its destination address (IP_PKTINFO /
//   IPV6_RECVPKTINFO).
// * set_mark: SO_MARK, for policy routing of the gateway's own packets.
// * set_outer_tos: the TOS / traffic class the kernel writes into the IP
//   header of what the socket sends from now on (IP_TOS / IPV6_TCLASS).
#pragma once

#include <cstdint>

#include "io/datagram_socket.hpp"

namespace strata::io {

core::Result<void, IoError> include_ip_header(const DatagramSocket& s) noexcept;
core::Result<void, IoError> receive_tos(const DatagramSocket& s) noexcept;
core::Result<void, IoError> receive_destination(const DatagramSocket& s) noexcept;
core::Result<void, IoError> set_mark(const DatagramSocket& s, std::uint32_t mark) noexcept;
core::Result<void, IoError> set_outer_tos(const DatagramSocket& s, std::uint8_t tos) noexcept;

}  // namespace strata::io
