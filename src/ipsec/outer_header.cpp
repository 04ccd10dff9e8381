#include "ipsec/outer_header.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"

namespace strata::ipsec {

namespace {

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;

std::uint32_t sum_words(core::ByteView b) noexcept {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i + 1 < b.size(); i += 2) s += static_cast<std::uint32_t>((b[i] << 8) | b[i + 1]);
    return s;
}

}  // namespace

OuterHeader OuterHeader::make(const packet::IpAddress& src, const packet::IpAddress& dst, std::uint8_t ttl,
                              std::uint8_t protocol) noexcept {
    OuterHeader h;
    if (src.version() != dst.version()) return h;
    h.protocol_ = protocol;
    core::Writer w{core::MutableByteView(h.bytes_)};
    if (src.is_v4()) {
        w.u16(kVersionIhl);
        w.zeros(6);  // total length, identification, flags|offset: per packet
        w.u8(ttl);
        w.u8(protocol);
        w.u16(0);  // checksum: per packet
        w.bytes(src.bytes());
        w.bytes(dst.bytes());
        h.len_ = kIpv4Header;
        h.fixed_sum_ = sum_words(core::ByteView(h.bytes_).first(kIpv4Header));
        core::Reader r(core::ByteView(h.bytes_).subspan(8, 12));
        h.ttl_protocol_checksum_ = r.u32().value_or(0);
        h.src4_ = r.u32().value_or(0);
        h.dst4_ = r.u32().value_or(0);
    } else {
        w.zeros(6);  // version|traffic class|flow label, payload length: per packet
        w.u8(protocol);
        w.u8(ttl);
        w.bytes(src.bytes());
        w.bytes(dst.bytes());
        h.len_ = kIpv6Header;
    }
    if (!w.ok()) return OuterHeader{};
    return h;
}

bool OuterHeader::write_v6(core::MutableByteView out, OuterHeaderFields f) const noexcept {
    if (len_ != kIpv6Header || out.size() != kIpv6Header || f.payload_length > max_payload()) return false;
    // Version 6 | Traffic Class | Flow Label 0 (RFC 8200 §3), payload length.
    core::Writer w{out.first<6>()};
    w.u32(0x60000000U | (static_cast<std::uint32_t>(f.tos) << 20));
    w.u16(static_cast<std::uint16_t>(f.payload_length));
    // Next header, hop limit, addresses: as made.
    core::Writer rest{out.subspan(6)};
    rest.bytes(core::ByteView(bytes_).subspan(6, kIpv6Header - 6));
    return w.ok() && rest.ok();
}

}  // namespace strata::ipsec
