// outer_header.hpp: a tunnel SA's outer IP header, built once at install.
//
// In tunnel mode every packet of an SA gets the same outer source,
// destination, TTL/hop limit and protocol (RFC 4301 §5.1.2). OuterHeader
// holds those bytes and the one's complement sum of the IPv4 header's fixed
// words, computed when the SA is installed; per packet only the TOS/traffic
// class, the length, the IPv4 identification and DF are filled in, and the
// IPv4 checksum is finished from the stored sum plus those words (RFC 1071
// §2(B): the sum does not depend on the order of the words; RFC 1624 is the
// same idea for updates).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/writer.hpp"
#include "packet/address.hpp"

namespace strata::ipsec {

// OuterHeaderFields are the per-packet fields of an outer header.
struct OuterHeaderFields {
    std::size_t payload_length = 0;  // bytes after the outer header
    std::uint8_t tos = 0;            // IPv4 TOS or IPv6 traffic class (RFC 6040 §4.1)
    bool dont_fragment = false;      // IPv4 DF (RFC 4301 §8.1)
    std::uint16_t identification = 0;
};

class OuterHeader {
public:
    // OuterHeader() is empty (size 0): transport-mode SAs have none.
    OuterHeader() = default;

    // make builds the fixed part of the header from src to dst (both of one
    // version) with this TTL/hop limit and protocol (50 ESP, 51 AH).
    static OuterHeader make(const packet::IpAddress& src, const packet::IpAddress& dst, std::uint8_t ttl,
                            std::uint8_t protocol) noexcept;

    // size returns 20 (IPv4), 40 (IPv6) or 0 (empty).
    [[nodiscard]] std::size_t size() const noexcept { return len_; }
    // protocol returns the protocol it was made with.
    [[nodiscard]] std::uint8_t protocol() const noexcept { return protocol_; }
    // max_payload returns the largest payload_length the length field can carry.
    [[nodiscard]] std::size_t max_payload() const noexcept {
        if (len_ == 20) return 0xffff - 20;  // IPv4 Total Length counts the header
        return len_ == 40 ? 0xffff : 0;      // IPv6 Payload Length does not
    }

    // write fills out (exactly size() bytes) with the header for these
    // fields; false, writing nothing, if out has another size or the payload
    // does not fit the length field.
    // (The IPv4 case is inline: every tunnel-mode packet takes it.)
    bool write(core::MutableByteView out, const OuterHeaderFields& f) const noexcept {
        if (len_ != kIpv4Length) return write_v6(out, f);
        if (out.size() != kIpv4Length || f.payload_length > max_payload()) return false;
        const auto total = static_cast<std::uint16_t>(kIpv4Length + f.payload_length);
        const std::uint16_t flags = f.dont_fragment ? kDontFragment : 0;
        // The fixed words' sum plus the four that change (RFC 1071 §2(B), RFC 1624).
        std::uint32_t sum = fixed_sum_ + f.tos + total + f.identification + flags;
        sum = (sum & 0xffffU) + (sum >> 16);
        sum = (sum & 0xffffU) + (sum >> 16);
        // Five 32-bit words (RFC 791 §3.1); the TOS is the caller's (RFC 6040 §4.1).
        // Built in a local array, then copied as one fixed-size block: the
        // Writer's bounds checks then fold away, which they cannot while its
        // stores go through a pointer into the packet (they might alias it).
        std::array<std::uint8_t, kIpv4Length> h;  // every byte written next
        core::Writer w{core::MutableByteView(h)};
        w.u32((static_cast<std::uint32_t>(kVersionIhl | f.tos) << 16) | total);
        w.u32((std::uint32_t{f.identification} << 16) | flags);
        w.u32(ttl_protocol_checksum_ | static_cast<std::uint16_t>(~sum));
        w.u32(src4_);
        w.u32(dst4_);
        core::Writer(out).bytes(std::span<const std::uint8_t, kIpv4Length>(h));
        return true;
    }

private:
    static constexpr std::size_t kIpv4Length = 20;
    static constexpr std::uint16_t kVersionIhl = 0x4500;    // version 4, IHL 5, TOS 0
    static constexpr std::uint16_t kDontFragment = 0x4000;  // DF in flags|offset

    // write_v6 is write for an IPv6 (or empty) header.
    bool write_v6(core::MutableByteView out, OuterHeaderFields f) const noexcept;

    std::array<std::uint8_t, 40> bytes_{};  // the header with the per-packet fields zero
    std::size_t len_ = 0;
    std::uint32_t fixed_sum_ = 0;              // IPv4: one's complement sum of the words that never change
    std::uint32_t ttl_protocol_checksum_ = 0;  // IPv4: TTL | protocol | 0, the third header word
    std::uint32_t src4_ = 0;                   // IPv4: the addresses as header words
    std::uint32_t dst4_ = 0;
    std::uint8_t protocol_ = 0;
};

}  // namespace strata::ipsec
