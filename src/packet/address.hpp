// address.hpp: IP addresses and prefixes as value types (SPD selectors, headers).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace strata::packet {

// IpVersion is the IP version an address or packet belongs to.
enum class IpVersion : std::uint8_t { V4 = 4, V6 = 6 };

// IpAddress is an IPv4 (4 bytes) or IPv6 (16 bytes) address held by value.
// Ordering is by version first, then by the address bytes (network order).
class IpAddress {
public:
    // IpAddress() is the IPv4 address 0.0.0.0.
    IpAddress() = default;

    // v4 returns the IPv4 address with these four bytes (network order).
    // (The two v4 constructors are inline: the datapath builds two addresses
    // from every IPv4 header it reads.)
    static IpAddress v4(const std::array<std::uint8_t, 4>& b) noexcept {
        IpAddress a;
        a.bytes_[0] = b[0];
        a.bytes_[1] = b[1];
        a.bytes_[2] = b[2];
        a.bytes_[3] = b[3];
        return a;  // version_ is V4 by default
    }
    // v4 returns the IPv4 address whose 32-bit value is host_order (10.0.0.1 = 0x0a000001).
    static IpAddress v4(std::uint32_t host_order) noexcept {
        return v4(std::array<std::uint8_t, 4>{
            static_cast<std::uint8_t>(host_order >> 24), static_cast<std::uint8_t>(host_order >> 16),
            static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order)});
    }
    // v6 returns the IPv6 address with these sixteen bytes.
    static IpAddress v6(const std::array<std::uint8_t, 16>& b) noexcept;
    // from_bytes returns the address of 4 (IPv4) or 16 (IPv6) bytes, or nullopt for any other size.
    static std::optional<IpAddress> from_bytes(core::ByteView b) noexcept;
    // parse reads dotted IPv4 or RFC 5952 IPv6 text (inet_pton); nullopt if it is neither.
    static std::optional<IpAddress> parse(std::string_view text);

    // version returns V4 or V6.
    [[nodiscard]] IpVersion version() const noexcept { return version_; }
    // is_v4 is true for an IPv4 address.
    [[nodiscard]] bool is_v4() const noexcept { return version_ == IpVersion::V4; }
    // is_v6 is true for an IPv6 address.
    [[nodiscard]] bool is_v6() const noexcept { return version_ == IpVersion::V6; }
    // size returns 4 or 16.
    [[nodiscard]] std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
    // bytes returns the 4 or 16 address bytes in network order (valid while *this lives).
    [[nodiscard]] core::ByteView bytes() const noexcept { return {bytes_.data(), size()}; }
    // to_string formats the address with inet_ntop (IPv6 in RFC 5952 compressed form).
    [[nodiscard]] std::string to_string() const;
    // hash returns a hash of version and bytes, consistent with ==.
    [[nodiscard]] std::size_t hash() const noexcept;

    // operator<=> orders by version, then bytes.
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;  // NOLINT(modernize-use-nullptr)
    // operator== compares version and bytes (the same answer as <=> == 0), as
    // two 8-byte words instead of a memcmp call: the datapath compares
    // addresses of every packet with the previous packet's (flow and SA
    // caches).
    friend bool operator==(const IpAddress& a, const IpAddress& b) noexcept {
        std::uint64_t a0 = 0;
        std::uint64_t a1 = 0;
        std::uint64_t b0 = 0;
        std::uint64_t b1 = 0;
        std::memcpy(&a0, a.bytes_.data(), 8);
        std::memcpy(&a1, a.bytes_.data() + 8, 8);
        std::memcpy(&b0, b.bytes_.data(), 8);
        std::memcpy(&b1, b.bytes_.data() + 8, 8);
        return a.version_ == b.version_ && ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }

private:
    IpVersion version_ = IpVersion::V4;
    std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4; the rest stay zero
};

// IpPrefix is an address with a prefix length (10.0.0.0/8, 2001:db8::/32); the
// bits past the length are always zero.
class IpPrefix {
public:
    // IpPrefix() is 0.0.0.0/0.
    IpPrefix() = default;

    // make returns address/length with host bits cleared; nullopt if length > 32 (v4) or 128 (v6).
    static std::optional<IpPrefix> make(const IpAddress& address, unsigned length) noexcept;
    // host returns the prefix that holds exactly one address (/32 or /128).
    static IpPrefix host(const IpAddress& address) noexcept;
    // parse reads "addr/len" or a bare address (a host prefix); nullopt on bad text.
    static std::optional<IpPrefix> parse(std::string_view text);

    // address returns the network address (host bits zero).
    [[nodiscard]] const IpAddress& address() const noexcept { return address_; }
    // length returns the prefix length in bits.
    [[nodiscard]] unsigned length() const noexcept { return length_; }
    // version returns the version of the prefix's address.
    [[nodiscard]] IpVersion version() const noexcept { return address_.version(); }
    // contains is true if a has the same version and its first length() bits match.
    [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
    // contains is true if every address of p is inside this prefix.
    [[nodiscard]] bool contains(const IpPrefix& p) const noexcept;
    // to_string formats "addr/len".
    [[nodiscard]] std::string to_string() const;

    // operator<=> orders by address, then length. (clang-tidy 14 reports the
    // defaulted comparison's generated code as a literal 0 for a pointer.)
    friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;  // NOLINT(modernize-use-nullptr)

private:
    IpAddress address_{};
    unsigned length_ = 0;
};

}  // namespace strata::packet

// std::hash<IpAddress> makes addresses usable as unordered keys.
template <>
struct std::hash<strata::packet::IpAddress> {
    std::size_t operator()(const strata::packet::IpAddress& a) const noexcept { return a.hash(); }
};
