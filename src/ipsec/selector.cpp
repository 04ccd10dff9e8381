#include "ipsec/selector.hpp"

#include "core/reader.hpp"
#include "packet/ipv6.hpp"

namespace strata::ipsec {

namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kSctp = 132;
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIcmpv6 = 58;

// read_upper fills ports or ICMP type/code from the upper-layer header. A
// header too short to hold them leaves them absent (OPAQUE, RFC 4301 §4.4.1.1).
void read_upper(PacketFields& f, core::ByteView upper) noexcept {
    core::Reader r(upper);
    if (f.protocol == kTcp || f.protocol == kUdp || f.protocol == kSctp) {
        auto sp = r.u16();
        auto dp = r.u16();
        if (sp && dp) {
            f.has_ports = true;
            f.src_port = *sp;
            f.dst_port = *dp;
        }
    } else if (f.protocol == kIcmp || f.protocol == kIcmpv6) {
        auto t = r.u8();
        auto c = r.u8();
        if (t && c) {
            f.has_icmp = true;
            f.icmp_type = *t;
            f.icmp_code = *c;
        }
    }
}

}  // namespace

AddressRange AddressRange::from_prefix(const packet::IpPrefix& p) noexcept {
    const packet::IpAddress& a = p.address();
    std::array<std::uint8_t, 16> lo{};
    std::array<std::uint8_t, 16> hi{};
    const std::size_t n = a.size();
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned bit0 = static_cast<unsigned>(i) * 8;
        std::uint8_t mask = 0;
        if (p.length() >= bit0 + 8) {
            mask = 0xff;
        } else if (p.length() > bit0) {
            mask = static_cast<std::uint8_t>(0xff << (8 - (p.length() - bit0)));
        }
        lo[i] = static_cast<std::uint8_t>(a.bytes()[i] & mask);
        hi[i] = static_cast<std::uint8_t>(a.bytes()[i] | static_cast<std::uint8_t>(~mask));
    }
    if (a.is_v4()) {
        return {packet::IpAddress::v4(std::array<std::uint8_t, 4>{lo[0], lo[1], lo[2], lo[3]}),
                packet::IpAddress::v4(std::array<std::uint8_t, 4>{hi[0], hi[1], hi[2], hi[3]})};
    }
    return {packet::IpAddress::v6(lo), packet::IpAddress::v6(hi)};
}

AddressRange AddressRange::any(packet::IpVersion v) noexcept {
    if (v == packet::IpVersion::V4) {
        return {packet::IpAddress::v4(0U), packet::IpAddress::v4(0xffffffffU)};
    }
    std::array<std::uint8_t, 16> ones{};
    ones.fill(0xff);
    return {packet::IpAddress::v6({}), packet::IpAddress::v6(ones)};
}

bool AddressRange::contains(const packet::IpAddress& a) const noexcept {
    return a.version() == first.version() && first <= a && a <= last;
}

std::string AddressRange::to_string() const {
    if (first == last) return first.to_string();
    return first.to_string() + ".." + last.to_string();
}

core::Result<PacketFields, Drop> extract_fields(core::ByteView ip_packet) noexcept {
    PacketFields f;
    if (ip_packet.empty()) return core::fail(Drop::Malformed);
    const unsigned version = ip_packet[0] >> 4;
    if (version == 4) {
        // Selectors need only addresses, protocol and ports: read them through
        // the Reader without the header checksum, which the packet's consumer
        // (the stack, or ESP/AH on output) checks or rewrites anyway.
        core::Reader r(ip_packet);
        auto vihl = r.u8();
        (void)r.skip(1);
        auto total = r.u16();
        (void)r.skip(2);
        auto frag = r.u16();
        (void)r.skip(1);
        auto proto = r.u8();
        (void)r.skip(2);
        auto src = r.bytes(4);
        auto dst = r.bytes(4);
        if (!vihl || !total || !frag || !proto || !src || !dst) return core::fail(Drop::Malformed);
        const std::size_t ihl = static_cast<std::size_t>(*vihl & 0x0f) * 4;
        if (ihl < 20 || *total < ihl || *total > ip_packet.size()) return core::fail(Drop::Malformed);
        f.src = *packet::IpAddress::from_bytes(*src);
        f.dst = *packet::IpAddress::from_bytes(*dst);
        f.protocol = *proto;
        f.is_fragment = (*frag & 0x1fff) != 0;
        if (!f.is_fragment) read_upper(f, ip_packet.subspan(ihl, *total - ihl));
        return f;
    }
    if (version == 6) {
        auto p = packet::parse_ipv6(ip_packet);
        if (!p) return core::fail(Drop::Malformed);
        f.src = p->header.src;
        f.dst = p->header.dst;
        f.protocol = p->upper_protocol;
        f.is_fragment = p->fragment.has_value() && p->fragment->offset != 0;
        if (!f.is_fragment) read_upper(f, p->upper);
        return f;
    }
    return core::fail(Drop::Malformed);
}

bool matches(const Selector& s, const PacketFields& f, Direction dir) noexcept {
    const bool outbound = dir == Direction::Outbound;
    const packet::IpAddress& local = outbound ? f.src : f.dst;
    const packet::IpAddress& remote = outbound ? f.dst : f.src;
    if (!s.local.contains(local) || !s.remote.contains(remote)) return false;
    if (s.protocol != kAnyProtocol && s.protocol != f.protocol) return false;
    if (!s.local_ports.any() || !s.remote_ports.any()) {
        if (!f.has_ports) return false;  // OPAQUE ports match only ANY
        const std::uint16_t lp = outbound ? f.src_port : f.dst_port;
        const std::uint16_t rp = outbound ? f.dst_port : f.src_port;
        if (!s.local_ports.contains(lp) || !s.remote_ports.contains(rp)) return false;
    }
    if (s.icmp_type || s.icmp_code) {
        if (!f.has_icmp) return false;
        if (s.icmp_type && *s.icmp_type != f.icmp_type) return false;
        if (s.icmp_code && *s.icmp_code != f.icmp_code) return false;
    }
    return true;
}

}  // namespace strata::ipsec
