#include "core/hex.hpp"

namespace strata::core {

namespace {

int nibble(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string to_hex(ByteView b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.resize(b.size() * 2);
    for (std::size_t i = 0; i < b.size(); ++i) {
        s[2 * i] = kDigits[b[i] >> 4];
        s[2 * i + 1] = kDigits[b[i] & 0x0f];
    }
    return s;
}

Result<Bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return fail(Error::InvalidHex);
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(hex[2 * i]);
        const int lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return fail(Error::InvalidHex);
        out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    return out;
}

}  // namespace strata::core
