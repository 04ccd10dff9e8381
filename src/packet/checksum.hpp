// checksum.hpp: the Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "packet/address.hpp"

namespace strata::packet {

// ChecksumAccumulator sums 16-bit big-endian words in one's complement (RFC 1071
// §1), across any number of parts: an odd-length part is continued by the next
// one as if the parts were one buffer (RFC 1071 §2(A): the sum is independent
// of how the data is split). Typical use: add a pseudo-header, then the
// segment with its checksum field zero, then finish().
class ChecksumAccumulator {
public:
    // add sums the bytes of b, continuing any odd byte of the previous part.
    void add(core::ByteView b) noexcept;
    // add_u16 sums one 16-bit value as two bytes in network order.
    void add_u16(std::uint16_t v) noexcept;
    // add_u32 sums one 32-bit value as four bytes in network order.
    void add_u32(std::uint32_t v) noexcept;
    // folded_sum returns the one's-complement sum folded to 16 bits (an odd
    // final byte is padded with a zero byte, RFC 1071 §4.1).
    [[nodiscard]] std::uint16_t folded_sum() const noexcept;
    // finish returns the checksum to put in a header: ~folded_sum(). Over data
    // that already contains a correct checksum it returns 0.
    [[nodiscard]] std::uint16_t finish() const noexcept;

private:
    std::uint64_t sum_ = 0;
    bool odd_ = false;  // true when the last byte added was the high half of a word
};

// internet_checksum returns the RFC 1071 checksum of b: 0 when b holds a
// correct checksum, else the value to store with the checksum field zeroed.
std::uint16_t internet_checksum(core::ByteView b) noexcept;

// add_pseudo_header_v4 adds the IPv4 pseudo-header used by UDP and TCP
// (RFC 768; RFC 793 §3.1): src, dst, zero, protocol, upper-layer length.
void add_pseudo_header_v4(ChecksumAccumulator& acc, const IpAddress& src, const IpAddress& dst,
                          std::uint8_t protocol, std::uint16_t length) noexcept;

// add_pseudo_header_v6 adds the IPv6 pseudo-header (RFC 8200 §8.1): src, dst,
// 32-bit upper-layer length, three zero bytes, next header. dst is the final
// destination (the last Routing header address, if any).
void add_pseudo_header_v6(ChecksumAccumulator& acc, const IpAddress& src, const IpAddress& dst,
                          std::uint8_t next_header, std::uint32_t length) noexcept;

// add_pseudo_header adds the pseudo-header of src's version; returns false
// (adding nothing) if src and dst differ in version, or if an IPv4 length
// does not fit 16 bits.
[[nodiscard]] bool add_pseudo_header(ChecksumAccumulator& acc, const IpAddress& src, const IpAddress& dst,
                                     std::uint8_t protocol, std::size_t length) noexcept;

}  // namespace strata::packet
