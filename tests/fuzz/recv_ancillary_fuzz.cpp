// recv_ancillary_fuzz.cpp: the control messages of a received datagram and
// the IP header rebuilt from them (io::parse_recv_ancillary,
// gateway::restore_ip_header). The first byte says how many of the following
// bytes are the control buffer, the second how the rest is received: which
// protocol, over IPv4 or IPv6, with how little headroom. What the header
// rebuild accepts must parse as an IP packet that carries exactly the
// datagram, from its sender, to the reported (or the socket's) address.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "gateway/outer_header.hpp"
#include "io/recv_ancillary.hpp"
#include "ipsec/packet_buffer.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const core::ByteView input(data, size);
    const std::size_t control_len = std::min<std::size_t>(input[0], size - 2);
    const std::uint8_t how = input[1];
    const core::ByteView control = input.subspan(2, control_len);
    const core::ByteView datagram = input.subspan(2 + control_len);

    const io::RecvAncillary anc = io::parse_recv_ancillary(control);

    const bool v6 = (how & 1) != 0;
    const std::uint8_t protocol = (how & 2) != 0 ? packet::ipproto::kAh : packet::ipproto::kEsp;
    const std::size_t headroom = (how & 4) != 0 ? 8 : ipsec::PacketBuffer::kDefaultHeadroom;
    const packet::IpAddress from = *packet::IpAddress::parse(v6 ? "2001:db8:ff::1" : "198.51.100.1");
    const packet::IpAddress local = *packet::IpAddress::parse(v6 ? "2001:db8:ff::2" : "198.51.100.2");

    ipsec::PacketBuffer buf;
    if (!buf.assign(datagram, headroom)) return 0;
    if (!gateway::restore_ip_header(buf, from, local, anc, protocol)) return 0;
    const packet::IpAddress& want_dst = anc.dst ? *anc.dst : local;
    const core::ByteView out = buf.view();
    if (v6) {
        // The fixed header only: an AH the fuzzer wrote need not walk.
        if (out.size() != packet::kIpv6HeaderLength + datagram.size() || (out[0] >> 4) != 6 ||
            static_cast<std::size_t>((out[4] << 8) | out[5]) != datagram.size() || out[6] != protocol ||
            !core::equal_public(out.subspan(8, 16), from.bytes()) ||
            !core::equal_public(out.subspan(24, 16), want_dst.bytes()) ||
            !core::equal_public(out.subspan(packet::kIpv6HeaderLength), datagram)) {
            __builtin_trap();
        }
    } else {
        auto p = packet::parse_ipv4(out);
        if (!p || p->header.src != from || p->header.dst != want_dst || p->header.protocol != protocol ||
            !core::equal_public(p->payload, datagram)) {
            __builtin_trap();
        }
    }
    return 0;
}
