#include "ipsec/udp_encap.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "ipsec/tunnel.hpp"
#include "packet/checksum.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/udp.hpp"

namespace strata::ipsec {

using core::fail;

namespace {

constexpr std::size_t kEspMinLength = 8;  // SPI and sequence number
constexpr std::uint8_t kKeepalive = 0xff;

// ipv6_addresses reads the source and destination of a parsed IPv6 packet.
bool ipv6_addresses(core::ByteView packet, packet::IpAddress& src, packet::IpAddress& dst) noexcept {
    core::Reader r(packet);
    if (!r.skip(8)) return false;
    auto s = r.bytes(16);
    auto d = r.bytes(16);
    if (!s || !d) return false;
    src = *packet::IpAddress::from_bytes(*s);
    dst = *packet::IpAddress::from_bytes(*d);
    return true;
}

}  // namespace

core::Result<UdpEncapPayload, Drop> classify_udp_encap(core::ByteView udp_payload) noexcept {
    core::Reader r(udp_payload);
    // RFC 3948 §2.3: a NAT-keepalive is exactly one 0xff byte.
    if (udp_payload.size() == 1 && *r.peek_u8() == kKeepalive)
        return UdpEncapPayload{UdpEncapKind::NatKeepalive, {}};
    auto marker = r.u32();
    if (!marker) return fail(Drop::Truncated);
    // RFC 3948 §2.2: four zero bytes where an ESP SPI (never 0) would be.
    if (*marker == 0) return UdpEncapPayload{UdpEncapKind::Ike, r.rest()};
    if (udp_payload.size() < kEspMinLength) return fail(Drop::Truncated);
    return UdpEncapPayload{UdpEncapKind::Esp, {}};
}

core::Result<void, Drop> udp_encapsulate(PacketBuffer& buf, const UdpEncapsulation& ports) noexcept {
    auto layout = inbound_layout(buf.view(), packet::ipproto::kEsp);
    if (!layout) return fail(layout.error());
    buf.trim_back(buf.size() - layout->length);
    const std::size_t at = layout->insert_offset;
    const std::size_t udp_len = buf.size() - at + packet::kUdpHeaderLength;
    if (udp_len > 0xffff) return fail(Drop::UnsupportedPacket);
    auto gap = buf.open_gap(at, packet::kUdpHeaderLength);
    if (gap.empty()) return fail(Drop::NoRoom);
    // RFC 3948 §2.1: UDP header directly in front of the ESP header.
    core::Writer w(gap);
    w.u16(ports.src_port);
    w.u16(ports.dst_port);
    w.u16(static_cast<std::uint16_t>(udp_len));
    w.u16(0);  // IPv4: SHOULD be zero (RFC 3948 §2.1); IPv6: filled below
    if (auto st = rewrite_ip_header(buf.data(), *layout, packet::ipproto::kUdp); !st) return fail(st.error());
    if (layout->version == packet::IpVersion::V6) {
        packet::IpAddress src;
        packet::IpAddress dst;
        if (!ipv6_addresses(buf.view(), src, dst)) return fail(Drop::Malformed);
        packet::ChecksumAccumulator acc;
        if (!packet::add_pseudo_header(acc, src, dst, packet::ipproto::kUdp, udp_len))
            return fail(Drop::Malformed);
        acc.add(buf.view().subspan(at));
        const std::uint16_t sum = acc.finish();
        store_u16(buf.data(), at + 6, sum == 0 ? std::uint16_t{0xffff} : sum);  // RFC 768: 0 means none
    }
    return {};
}

core::Result<UdpDecapInfo, Drop> udp_decapsulate(PacketBuffer& buf) noexcept {
    auto layout = inbound_layout(buf.view(), packet::ipproto::kUdp);
    if (!layout) return fail(layout.error());
    buf.trim_back(buf.size() - layout->length);
    const std::size_t at = layout->insert_offset;
    const core::ByteView segment = buf.view().subspan(at);
    core::Reader r(segment);
    auto src_port = r.u16();
    auto dst_port = r.u16();
    auto length = r.u16();
    auto checksum = r.u16();
    if (!src_port || !dst_port || !length || !checksum) return fail(Drop::Truncated);
    if (*length != segment.size()) return fail(Drop::Malformed);
    if (layout->version == packet::IpVersion::V6) {
        packet::IpAddress src;
        packet::IpAddress dst;
        if (!ipv6_addresses(buf.view(), src, dst) || !packet::parse_udp(segment, src, dst)) {
            return fail(Drop::Malformed);
        }
    }
    auto kind = classify_udp_encap(r.rest());
    if (!kind) return fail(kind.error());
    UdpDecapInfo info{kind->kind, *src_port, *dst_port, kind->ike};
    if (info.kind != UdpEncapKind::Esp) return info;
    // RFC 3948 §3.2: remove the UDP header; the packet is ESP again.
    if (!buf.close_gap(at, packet::kUdpHeaderLength)) return fail(Drop::Malformed);
    if (auto st = rewrite_ip_header(buf.data(), *layout, packet::ipproto::kEsp); !st) return fail(st.error());
    return info;
}

}  // namespace strata::ipsec
