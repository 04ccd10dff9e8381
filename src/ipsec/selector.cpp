#include "ipsec/selector.hpp"

#include "ipsec/ip_view.hpp"

namespace strata::ipsec {

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

namespace {

// Wide is an address as two big-endian 64-bit words (IPv4: the 32 bits in
// `hi`), so that range checks compare integers instead of calling memcmp
// through operator<=> (the SPD checks two ranges per candidate policy).
struct Wide {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
};

Wide wide(const packet::IpAddress& a) noexcept {
    const core::ByteView b = a.bytes();  // 4 or 16 bytes
    Wide w;
    for (std::size_t i = 0; i < b.size() && i < 8; ++i) w.hi = (w.hi << 8) | b[i];
    for (std::size_t i = 8; i < b.size(); ++i) w.lo = (w.lo << 8) | b[i];
    return w;
}

bool less_equal(const Wide& x, const Wide& y) noexcept {
    return x.hi < y.hi || (x.hi == y.hi && x.lo <= y.lo);
}

}  // namespace

bool AddressRange::contains(const packet::IpAddress& a) const noexcept {
    if (a.version() != first.version()) return false;
    // The order of operator<=>: version first, then the bytes in network order.
    if (a.version() != last.version()) return a.version() < last.version();
    const Wide w = wide(a);
    return less_equal(wide(first), w) && less_equal(w, wide(last));
}

std::string AddressRange::to_string() const {
    if (first == last) return first.to_string();
    return first.to_string() + ".." + last.to_string();
}

core::Result<PacketFields, Drop> extract_fields(core::ByteView ip_packet) noexcept {
    // Selectors need only addresses, protocol and ports; the header checksum
    // is checked or rewritten by the packet's consumer (the stack, or ESP/AH).
    IpView v;
    if (auto st = view_ip(ip_packet, Ipv4Checksum::Skip, v); !st) return core::fail(st.error());
    return v.fields;
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
