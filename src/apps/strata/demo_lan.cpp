// demo_lan.cpp: ICMP echo and minimal TCP segments for the demo's hosts.
#include "apps/strata/demo_lan.hpp"

#include <algorithm>

#include "core/writer.hpp"
#include "packet/checksum.hpp"
#include "packet/icmp.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"

namespace strata::apps::demo {

namespace {

core::Bytes wrap_ipv4(const packet::IpAddress& src, const packet::IpAddress& dst, std::uint8_t proto,
                      core::ByteView payload, std::uint16_t ip_id) {
    packet::Ipv4Header h;
    h.identification = ip_id;
    h.flags = packet::kIpv4FlagDontFragment;
    h.ttl = 64;
    h.protocol = proto;
    h.src = src;
    h.dst = dst;
    auto ip = packet::build_ipv4(h, payload);
    return ip ? std::move(*ip) : core::Bytes{};
}

}  // namespace

core::Bytes build_echo(const packet::IpAddress& src, const packet::IpAddress& dst, bool request,
                       std::uint16_t id, std::uint16_t seq, core::ByteView data, std::uint16_t ip_id) {
    const auto m = packet::make_echo(packet::IpVersion::V4,
                                     request ? packet::EchoKind::Request : packet::EchoKind::Reply,
                                     packet::IcmpEcho{id, seq, data});
    core::Bytes icmp;
    core::Writer w(icmp);
    if (!packet::write_icmpv4(w, m)) return {};
    return wrap_ipv4(src, dst, packet::ipproto::kIcmp, icmp, ip_id);
}

std::vector<core::Bytes> TcpFlow::segments(core::ByteView data, std::uint8_t flags, std::uint32_t ack,
                                           std::size_t mss) {
    std::vector<core::Bytes> out;
    std::size_t off = 0;
    do {
        const std::size_t n = std::min(mss, data.size() - off);
        const auto chunk = data.subspan(off, n);
        // RFC 9293 §3.1: ports, sequence, acknowledgment, data offset 5
        // (no options), flags, window, checksum, urgent pointer.
        core::Bytes seg;
        core::Writer w(seg);
        w.u16(sport_);
        w.u16(dport_);
        w.u32(seq_);
        w.u32((flags & kTcpAck) != 0 ? ack : 0);
        w.u8(5 << 4);
        w.u8(static_cast<std::uint8_t>(flags | (n > 0 ? kTcpPsh : 0)));
        w.u16(65535);
        w.u16(0);
        w.u16(0);
        w.bytes(chunk);
        packet::ChecksumAccumulator acc;
        packet::add_pseudo_header_v4(acc, src_, dst_, packet::ipproto::kTcp,
                                     static_cast<std::uint16_t>(seg.size()));
        acc.add(seg);
        const std::uint16_t sum = acc.finish();
        seg[16] = static_cast<std::uint8_t>(sum >> 8);
        seg[17] = static_cast<std::uint8_t>(sum & 0xff);
        out.push_back(wrap_ipv4(src_, dst_, packet::ipproto::kTcp, seg, ip_id_++));
        seq_ += static_cast<std::uint32_t>(n);
        if ((flags & (kTcpSyn | kTcpFin)) != 0) seq_ += 1;
        off += n;
    } while (off < data.size());
    return out;
}

}  // namespace strata::apps::demo
