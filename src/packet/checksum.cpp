#include "packet/checksum.hpp"

#include <array>

namespace strata::packet {

void ChecksumAccumulator::add(core::ByteView b) noexcept {
    // A 64-bit sum of 16-bit words cannot overflow for any buffer that fits
    // in memory, so the carries are folded once at the end (RFC 1071 §4.1).
    for (std::uint8_t byte : b) {
        sum_ += odd_ ? byte : static_cast<std::uint64_t>(byte) << 8;
        odd_ = !odd_;
    }
}

void ChecksumAccumulator::add_u16(std::uint16_t v) noexcept {
    const std::array<std::uint8_t, 2> b{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    add(core::ByteView(b));
}

void ChecksumAccumulator::add_u32(std::uint32_t v) noexcept {
    add_u16(static_cast<std::uint16_t>(v >> 16));
    add_u16(static_cast<std::uint16_t>(v));
}

std::uint16_t ChecksumAccumulator::folded_sum() const noexcept {
    std::uint64_t s = sum_;
    while ((s >> 16) != 0) s = (s & 0xffff) + (s >> 16);  // end-around carry
    return static_cast<std::uint16_t>(s);
}

std::uint16_t ChecksumAccumulator::finish() const noexcept {
    return static_cast<std::uint16_t>(~folded_sum());
}

std::uint16_t internet_checksum(core::ByteView b) noexcept {
    ChecksumAccumulator acc;
    acc.add(b);
    return acc.finish();
}

void add_pseudo_header_v4(ChecksumAccumulator& acc, const IpAddress& src, const IpAddress& dst,
                          std::uint8_t protocol, std::uint16_t length) noexcept {
    acc.add(src.bytes());
    acc.add(dst.bytes());
    acc.add_u16(protocol);  // zero byte, then the protocol
    acc.add_u16(length);
}

void add_pseudo_header_v6(ChecksumAccumulator& acc, const IpAddress& src, const IpAddress& dst,
                          std::uint8_t next_header, std::uint32_t length) noexcept {
    // RFC 8200 §8.1 figure: Source, Destination, Upper-Layer Packet Length,
    // zero (24 bits), Next Header.
    acc.add(src.bytes());
    acc.add(dst.bytes());
    acc.add_u32(length);
    acc.add_u32(next_header);
}

bool add_pseudo_header(ChecksumAccumulator& acc, const IpAddress& src, const IpAddress& dst,
                       std::uint8_t protocol, std::size_t length) noexcept {
    if (src.version() != dst.version()) return false;
    if (src.is_v4()) {
        if (length > 0xffff) return false;
        add_pseudo_header_v4(acc, src, dst, protocol, static_cast<std::uint16_t>(length));
        return true;
    }
    if (length > 0xffffffffULL) return false;
    add_pseudo_header_v6(acc, src, dst, protocol, static_cast<std::uint32_t>(length));
    return true;
}

}  // namespace strata::packet
