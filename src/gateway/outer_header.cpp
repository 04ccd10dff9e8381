#include "gateway/outer_header.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::gateway {

core::Result<void, ipsec::Drop> prepend_ip_header(ipsec::PacketBuffer& buf, const packet::IpAddress& src,
                                                  const packet::IpAddress& dst, std::uint8_t protocol,
                                                  std::uint8_t tos) noexcept {
    if (src.version() != dst.version()) return core::fail(ipsec::Drop::Malformed);
    const std::size_t payload = buf.size();
    if (src.is_v4()) {
        if (payload > 65535 - packet::kIpv4MinHeaderLength) return core::fail(ipsec::Drop::Malformed);
        auto hdr = buf.push_front(packet::kIpv4MinHeaderLength);
        if (hdr.empty()) return core::fail(ipsec::Drop::NoRoom);
        packet::Ipv4Header h;
        h.src = src;
        h.dst = dst;
        h.protocol = protocol;
        h.tos = tos;
        core::Writer w(hdr);
        if (!packet::write_ipv4_header(w, h, payload).ok()) return core::fail(ipsec::Drop::Malformed);
        return {};
    }
    if (payload > 65535) return core::fail(ipsec::Drop::Malformed);  // RFC 8200 §3: no jumbograms here
    auto hdr = buf.push_front(packet::kIpv6HeaderLength);
    if (hdr.empty()) return core::fail(ipsec::Drop::NoRoom);
    packet::Ipv6Header h;
    h.src = src;
    h.dst = dst;
    h.next_header = protocol;
    h.traffic_class = tos;
    core::Writer w(hdr);
    if (!packet::write_ipv6_header(w, h, payload).ok()) return core::fail(ipsec::Drop::Malformed);
    return {};
}

core::Result<void, ipsec::Drop> prepend_esp_header(ipsec::PacketBuffer& buf, const packet::IpAddress& src,
                                                   const packet::IpAddress& dst) noexcept {
    return prepend_ip_header(buf, src, dst, packet::ipproto::kEsp, 0);
}

core::Result<void, ipsec::Drop> restore_ip_header(ipsec::PacketBuffer& buf, const packet::IpAddress& from,
                                                  const packet::IpAddress& local,
                                                  const io::RecvAncillary& anc,
                                                  std::uint8_t protocol) noexcept {
    const packet::IpAddress& dst = anc.dst ? *anc.dst : local;
    if (dst.version() != local.version() || from.version() != local.version())
        return core::fail(ipsec::Drop::Malformed);
    return prepend_ip_header(buf, from, dst, protocol, anc.tos.value_or(0));
}

core::Result<Outgoing, ipsec::Drop> read_outgoing(core::ByteView pkt) noexcept {
    if (pkt.empty()) return core::fail(ipsec::Drop::Malformed);
    Outgoing o;
    std::uint8_t proto = 0;
    core::ByteView upper;
    if ((pkt[0] >> 4) == 4) {
        // Built by this host's datapath a moment ago: the checksum is right.
        auto p = packet::parse_ipv4(pkt, packet::Ipv4ChecksumCheck::Skip);
        if (!p) return core::fail(ipsec::Drop::Malformed);
        o.src = p->header.src;
        o.dst = p->header.dst;
        o.tos = p->header.tos;
        proto = p->header.protocol;
        upper = p->payload;
    } else if ((pkt[0] >> 4) == 6) {
        auto p = packet::parse_ipv6(pkt);
        if (!p) return core::fail(ipsec::Drop::Malformed);
        o.src = p->header.src;
        o.dst = p->header.dst;
        o.tos = p->header.traffic_class;
        proto = p->upper_protocol;
        upper = p->upper;
        // parse_ipv6 walks AH as an extension header (RFC 8200 §4, RFC
        // 4302 §3.1.1): a packet with AH in its chain is AH, whatever it
        // protects.
        for (std::size_t i = 0; i < p->ext_count; ++i) {
            if (p->ext[i].type == packet::ipproto::kAh) proto = packet::ipproto::kAh;
        }
    } else {
        return core::fail(ipsec::Drop::Malformed);
    }
    if (proto == packet::ipproto::kEsp) {
        o.transport = Transport::Esp;
        o.payload = upper;
        return o;
    }
    if (proto == packet::ipproto::kAh) {
        // The ICV covers the outer header's immutable fields (RFC 4302
        // §3.3.3.1.1, §3.3.3.1.2): it leaves as built, through a raw socket
        // with IP_HDRINCL / IPV6_HDRINCL.
        o.transport = Transport::Ah;
        o.payload = pkt;
        return o;
    }
    if (proto != packet::ipproto::kUdp) return core::fail(ipsec::Drop::Malformed);
    // RFC 3948 §2.1: a UDP header (source port, destination port, length,
    // checksum), then the ESP header.
    core::Reader r(upper);
    auto sport = r.u16();
    auto dport = r.u16();
    auto len = r.u16();
    auto sum = r.u16();
    if (!sport || !dport || !len || !sum) return core::fail(ipsec::Drop::Malformed);
    o.transport = Transport::Udp;
    o.src_port = *sport;
    o.dst_port = *dport;
    o.payload = upper.subspan(8);
    return o;
}

}  // namespace strata::gateway
