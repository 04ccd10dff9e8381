#include "packet/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace strata::packet {

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& b) noexcept {
    IpAddress a;
    a.version_ = IpVersion::V6;
    a.bytes_ = b;
    return a;
}

std::optional<IpAddress> IpAddress::from_bytes(core::ByteView b) noexcept {
    IpAddress a;
    if (b.size() == 4) {
        a.version_ = IpVersion::V4;
    } else if (b.size() == 16) {
        a.version_ = IpVersion::V6;
    } else {
        return std::nullopt;
    }
    std::copy(b.begin(), b.end(), a.bytes_.begin());
    return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; anything longer than the
    // longest IPv6 text form cannot be an address.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string s(text);
    std::array<std::uint8_t, 16> buf{};
    if (inet_pton(AF_INET, s.c_str(), buf.data()) == 1) {
        return v4(std::array<std::uint8_t, 4>{buf[0], buf[1], buf[2], buf[3]});
    }
    if (inet_pton(AF_INET6, s.c_str(), buf.data()) == 1) return v6(buf);
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    const int af = is_v4() ? AF_INET : AF_INET6;
    if (inet_ntop(af, bytes_.data(), buf.data(), static_cast<socklen_t>(buf.size())) == nullptr) return {};
    return std::string(buf.data());
}

std::size_t IpAddress::hash() const noexcept {
    // FNV-1a over the version and the address bytes.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](std::uint8_t b) {
        h ^= b;
        h *= 0x100000001b3ULL;
    };
    mix(static_cast<std::uint8_t>(version_));
    for (std::uint8_t b : bytes()) mix(b);
    return static_cast<std::size_t>(h);
}

namespace {

// prefix_match is true if the first bits of a and b agree.
bool prefix_match(core::ByteView a, core::ByteView b, unsigned bits) noexcept {
    const std::size_t whole = bits / 8;
    for (std::size_t i = 0; i < whole; ++i) {
        if (a[i] != b[i]) return false;
    }
    const unsigned rem = bits % 8;
    if (rem == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rem));
    return (a[whole] & mask) == (b[whole] & mask);
}

unsigned max_length(IpVersion v) noexcept { return v == IpVersion::V4 ? 32 : 128; }

}  // namespace

std::optional<IpPrefix> IpPrefix::make(const IpAddress& address, unsigned length) noexcept {
    if (length > max_length(address.version())) return std::nullopt;
    core::ByteView src = address.bytes();
    std::array<std::uint8_t, 16> masked{};
    for (std::size_t i = 0; i < src.size(); ++i) {
        const std::size_t bit = i * 8;
        if (bit + 8 <= length) {
            masked[i] = src[i];
        } else if (bit < length) {
            masked[i] = static_cast<std::uint8_t>(src[i] & (0xff << (8 - (length - bit))));
        }
    }
    IpPrefix p;
    p.address_ = *IpAddress::from_bytes(core::ByteView(masked.data(), src.size()));
    p.length_ = length;
    return p;
}

IpPrefix IpPrefix::host(const IpAddress& address) noexcept {
    return *make(address, max_length(address.version()));
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto addr = IpAddress::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    if (slash == std::string_view::npos) return host(*addr);
    const std::string_view len_text = text.substr(slash + 1);
    unsigned len = 0;
    const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || end != len_text.data() + len_text.size() || len_text.empty())
        return std::nullopt;
    return make(*addr, len);
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
    if (a.version() != address_.version()) return false;
    return prefix_match(address_.bytes(), a.bytes(), length_);
}

bool IpPrefix::contains(const IpPrefix& p) const noexcept {
    return p.length_ >= length_ && contains(p.address_);
}

std::string IpPrefix::to_string() const { return address_.to_string() + "/" + std::to_string(length_); }

}  // namespace strata::packet
