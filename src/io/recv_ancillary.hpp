// recv_ancillary.hpp: what the kernel tells about a received datagram beside
// its bytes (recvmsg(2) control messages, cmsg(3)).
//
// A raw IPv6 socket delivers a packet without its IPv6 header (raw(7),
// ipv6(7)), and a UDP socket never shows the IP header: the outer header's
// TOS / traffic class (IP_RECVTOS, IPV6_RECVTCLASS) and destination address
// (IP_PKTINFO, IPV6_RECVPKTINFO) come as control messages, which the gateway
// needs to rebuild the outer header that ECN/DSCP decapsulation (RFC 6040
// §4.2, RFC 4301 §5.1.2.1) and the AH ICV (RFC 4302 §3.3.3.1) read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "packet/address.hpp"

namespace strata::io {

// kRecvControlBytes is the control buffer each received datagram gets: room
// for a traffic class and an in6_pktinfo (CMSG_SPACE(4) + CMSG_SPACE(20)
// = 64 on LP64), doubled.
inline constexpr std::size_t kRecvControlBytes = 128;

// RecvAncillary is what the control messages of one datagram said.
struct RecvAncillary {
    std::optional<std::uint8_t> tos;       // IPv4 TOS or IPv6 traffic class of the packet's IP header
    std::optional<packet::IpAddress> dst;  // the IP header's destination address
    friend bool operator==(const RecvAncillary&, const RecvAncillary&) = default;
};

// parse_recv_ancillary reads the control messages in `control` (the bytes
// recvmsg left in msg_control, msg_controllen long). Messages it does not
// know are skipped; a message whose length is short, runs past the buffer
// or has the wrong payload size ends the walk or is ignored, never read
// past: what was read before it stays.
RecvAncillary parse_recv_ancillary(core::ByteView control) noexcept;

}  // namespace strata::io
