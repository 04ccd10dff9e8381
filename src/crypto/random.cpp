#include "crypto/random.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace strata::crypto {

using core::Error;
using core::fail;

core::Status SystemRandom::fill(core::MutableByteView out) {
    // RAND_bytes takes an int length; draw in chunks so any size works.
    constexpr std::size_t kChunk = 1u << 20;
    for (std::size_t off = 0; off < out.size(); off += kChunk) {
        const std::size_t n = std::min(kChunk, out.size() - off);
        if (RAND_bytes(out.data() + off, static_cast<int>(n)) != 1) return fail(Error::CryptoFailure);
    }
    return {};
}

RandomSource& system_random() noexcept {
    static SystemRandom instance;
    return instance;
}

struct SeededRandom::State {
    EVP_CIPHER_CTX* ctx = nullptr;
    ~State() { EVP_CIPHER_CTX_free(ctx); }
};

SeededRandom::SeededRandom(core::ByteView seed) : state_(std::make_unique<State>()) {
    std::array<std::uint8_t, 32> key{};
    unsigned int key_len = 0;
    const std::array<std::uint8_t, 16> iv{};  // counter starts at zero
    state_->ctx = EVP_CIPHER_CTX_new();
    const bool ok = state_->ctx != nullptr &&
                    EVP_Digest(seed.data(), seed.size(), key.data(), &key_len, EVP_sha256(), nullptr) == 1 &&
                    EVP_EncryptInit_ex(state_->ctx, EVP_aes_256_ctr(), nullptr, key.data(), iv.data()) == 1;
    core::wipe(key);
    if (!ok) state_.reset();
}

SeededRandom::~SeededRandom() = default;

core::Status SeededRandom::fill(core::MutableByteView out) {
    if (!state_) return fail(Error::CryptoFailure);
    // The keystream is AES-CTR over zeros; CTR keeps its position across calls.
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    constexpr auto kChunk = static_cast<std::size_t>(std::numeric_limits<int>::max() / 2);
    for (std::size_t off = 0; off < out.size(); off += kChunk) {
        const int n = static_cast<int>(std::min(kChunk, out.size() - off));
        int written = 0;
        if (EVP_EncryptUpdate(state_->ctx, out.data() + off, &written, out.data() + off, n) != 1 ||
            written != n) {
            return fail(Error::CryptoFailure);
        }
    }
    return {};
}

ReplayRandom::ReplayRandom(core::ByteView data) : data_(data.begin(), data.end()) {}

core::Status ReplayRandom::fill(core::MutableByteView out) {
    if (out.size() > remaining()) return fail(Error::Truncated);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), out.size(), out.begin());
    pos_ += out.size();
    return {};
}

}  // namespace strata::crypto
