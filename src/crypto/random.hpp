// random.hpp: injectable sources of random bytes.
//
// Code that needs randomness (nonces, SPIs, key generation drawn from bytes)
// takes a RandomSource&, so tests can replay fixed bytes or a seeded stream
// and reproduce a trace byte for byte (Botan's fixed RNG in its RFC 8448 test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace strata::crypto {

// RandomSource fills buffers with random bytes.
class RandomSource {
public:
    virtual ~RandomSource() = default;
    // fill overwrites all of out; on failure out's contents are unspecified.
    virtual core::Status fill(core::MutableByteView out) = 0;
};

// SystemRandom draws from libcrypto's DRBG (RAND_bytes); fails with
// CryptoFailure if the DRBG cannot be seeded.
class SystemRandom final : public RandomSource {
public:
    // fill draws out.size() bytes from RAND_bytes.
    core::Status fill(core::MutableByteView out) override;
};

// system_random returns a shared, stateless SystemRandom (safe from any thread:
// libcrypto's DRBG is per thread).
RandomSource& system_random() noexcept;

// SeededRandom is a deterministic stream for tests: AES-256-CTR keystream
// under key SHA-256(seed), counter starting at zero. Never for real keys.
class SeededRandom final : public RandomSource {
public:
    // SeededRandom(seed) starts the stream derived from seed (any length).
    explicit SeededRandom(core::ByteView seed);
    // fill returns the next out.size() bytes of the stream.
    core::Status fill(core::MutableByteView out) override;

    ~SeededRandom() override;
    SeededRandom(const SeededRandom&) = delete;
    SeededRandom& operator=(const SeededRandom&) = delete;

private:
    struct State;
    std::unique_ptr<State> state_;  // the keyed CTR context, or null if keying failed
};

// ReplayRandom hands out given bytes in order (to replay an RFC trace); once
// they run out, fill fails with Truncated and writes nothing.
class ReplayRandom final : public RandomSource {
public:
    // ReplayRandom(data) copies the bytes to replay.
    explicit ReplayRandom(core::ByteView data);
    // fill returns the next out.size() bytes, or Truncated if too few remain.
    core::Status fill(core::MutableByteView out) override;
    // remaining returns how many bytes are left to hand out.
    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }

private:
    core::Bytes data_;
    std::size_t pos_ = 0;
};

}  // namespace strata::crypto
