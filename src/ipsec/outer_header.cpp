#include "ipsec/outer_header.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"

namespace strata::ipsec {

namespace {

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::uint16_t kVersionIhl = 0x4500;    // version 4, IHL 5, TOS 0
constexpr std::uint16_t kDontFragment = 0x4000;  // DF in flags|offset

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

bool OuterHeader::write(core::MutableByteView out, const OuterHeaderFields& f) const noexcept {
    if (len_ == 0 || out.size() != len_ || f.payload_length > max_payload()) return false;
    core::Writer w(out);
    const core::ByteView fixed(bytes_);
    if (len_ == kIpv4Header) {
        const auto total = static_cast<std::uint16_t>(kIpv4Header + f.payload_length);
        const std::uint16_t flags = f.dont_fragment ? kDontFragment : 0;
        // The fixed words' sum plus the four that change (RFC 1071).
        std::uint32_t sum = fixed_sum_ + f.tos + total + f.identification + flags;
        sum = (sum & 0xffffU) + (sum >> 16);
        sum = (sum & 0xffffU) + (sum >> 16);
        // Five 32-bit words (RFC 791 §3.1); the TOS is the caller's (RFC 6040 §4.1).
        w.u32((static_cast<std::uint32_t>(kVersionIhl | f.tos) << 16) | total);
        w.u32((std::uint32_t{f.identification} << 16) | flags);
        w.u32(ttl_protocol_checksum_ | static_cast<std::uint16_t>(~sum));
        w.u32(src4_);
        w.u32(dst4_);
    } else {
        // Version 6 | Traffic Class | Flow Label 0 (RFC 8200 §3), payload length.
        w.u32(0x60000000U | (static_cast<std::uint32_t>(f.tos) << 20));
        w.u16(static_cast<std::uint16_t>(f.payload_length));
        w.bytes(fixed.subspan(6, 2 + 32));  // next header, hop limit, addresses
    }
    return w.ok();
}

}  // namespace strata::ipsec
