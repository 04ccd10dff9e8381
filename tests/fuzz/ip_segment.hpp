// ip_segment.hpp: for the fuzz targets of protocols carried in IP (UDP,
// ICMP): find the upper-layer bytes of an IPv4 or IPv6 packet, repairing a
// failing IPv4 header checksum so that the fuzzer gets past it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "packet/checksum.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::fuzz {

inline void put16(core::Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

// Segment is where the upper-layer bytes sit in the (possibly repaired) packet.
struct Segment {
    packet::IpVersion version = packet::IpVersion::V4;
    std::size_t offset = 0;
    std::size_t length = 0;
    packet::IpAddress src, dst;
};

// locate parses buf as IPv4 or IPv6 and finds the segment of protocol
// proto_v4 (IPv4) or proto_v6 (IPv6, the first fragment only); false if
// there is none. A failing IPv4 header checksum is repaired in buf.
inline bool locate(core::Bytes& buf, std::uint8_t proto_v4, std::uint8_t proto_v6, Segment& s) {
    if (buf.empty()) return false;
    if ((buf[0] >> 4) == 4) {
        auto p = packet::parse_ipv4(buf);
        if (!p && p.error() == core::Error::BadChecksum) {
            const std::size_t hl = static_cast<std::size_t>(buf[0] & 0x0f) * 4;
            put16(buf, 10, 0);
            put16(buf, 10, packet::internet_checksum(core::ByteView(buf).first(hl)));
            p = packet::parse_ipv4(buf);
            if (!p) __builtin_trap();
        }
        if (!p || p->header.protocol != proto_v4) return false;
        s = {packet::IpVersion::V4, p->header.header_length(), p->payload.size(), p->header.src,
             p->header.dst};
        return true;
    }
    auto p = packet::parse_ipv6(buf);
    if (!p || p->upper_protocol != proto_v6) return false;
    if (p->fragment && p->fragment->offset != 0) return false;
    s = {packet::IpVersion::V6, p->upper_offset, p->upper.size(), p->header.src, p->header.dst};
    return true;
}

}  // namespace strata::fuzz
