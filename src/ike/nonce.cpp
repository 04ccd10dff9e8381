#include "ike/nonce.hpp"

#include <array>

namespace strata::ike {

core::Result<core::Bytes> make_nonce(crypto::RandomSource& rng, std::size_t length) {
    core::Bytes n(length);
    if (auto st = rng.fill(n); !st) return core::fail(st.error());
    return n;
}

core::Result<std::uint64_t> make_spi64(crypto::RandomSource& rng) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::array<std::uint8_t, 8> b{};
        if (auto st = rng.fill(b); !st) return core::fail(st.error());
        std::uint64_t v = 0;
        for (auto x : b) v = (v << 8) | x;
        if (v != 0) return v;
    }
    return core::fail(core::Error::CryptoFailure);
}

core::Result<std::uint32_t> make_spi32(crypto::RandomSource& rng) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::array<std::uint8_t, 4> b{};
        if (auto st = rng.fill(b); !st) return core::fail(st.error());
        std::uint32_t v = 0;
        for (auto x : b) v = (v << 8) | x;
        if (v > 255) return v;
    }
    return core::fail(core::Error::CryptoFailure);
}

}  // namespace strata::ike
