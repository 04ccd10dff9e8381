// nonce.hpp: IKE nonces and SPIs drawn from an injected random source.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/random.hpp"

namespace strata::ike {

// kMinNonceLength and kMaxNonceLength bound a nonce (RFC 7296 §3.9: 16..256
// bytes; IKEv1 RFC 2409 §5: 8..256).
inline constexpr std::size_t kMinNonceLength = 16;
inline constexpr std::size_t kMaxNonceLength = 256;

// make_nonce returns length random bytes from rng. RFC 7296 §2.10 asks for at
// least half the PRF key size and at least 128 bits; callers pass 32.
core::Result<core::Bytes> make_nonce(crypto::RandomSource& rng, std::size_t length);

// make_spi64 returns a random, non-zero 64-bit IKE SPI (RFC 7296 §3.1).
core::Result<std::uint64_t> make_spi64(crypto::RandomSource& rng);

// make_spi32 returns a random ESP/AH SPI above 255 (RFC 4303 §2.1 reserves 1..255).
core::Result<std::uint32_t> make_spi32(crypto::RandomSource& rng);

}  // namespace strata::ike
