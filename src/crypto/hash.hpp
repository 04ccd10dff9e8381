// hash.hpp: message digests over OpenSSL 3 EVP_MD, fetched once per algorithm.
#pragma once

#include <cstddef>
#include <string_view>

#include <openssl/types.h>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"

namespace strata::crypto {

// kMaxDigestLength is the longest digest any HashAlg produces (SHA-512).
inline constexpr std::size_t kMaxDigestLength = 64;

// hash_openssl_name returns the OpenSSL name of alg ("SHA2-256", "MD5", ...).
std::string_view hash_openssl_name(HashAlg alg) noexcept;

// evp_md returns the EVP_MD for alg, fetched from the default library context on
// first use and kept for the life of the process (never free it); null if this
// libcrypto does not offer alg.
const EVP_MD* evp_md(HashAlg alg) noexcept;

// digest_length returns the output length of alg in bytes (e.g. 32 for SHA-256).
std::size_t digest_length(HashAlg alg) noexcept;

// hash_block_length returns the input block length of alg in bytes (64 or 128).
std::size_t hash_block_length(HashAlg alg) noexcept;

// digest_into writes the digest of data into the first digest_length(alg)
// bytes of out; BufferTooSmall if out is shorter, UnsupportedAlgorithm if the
// digest cannot be fetched, CryptoFailure if libcrypto fails.
core::Status digest_into(HashAlg alg, core::ByteView data, core::MutableByteView out) noexcept;

// digest returns the digest of data (a new buffer of digest_length(alg) bytes).
core::Result<core::Bytes> digest(HashAlg alg, core::ByteView data);

// Hasher is an incremental digest (e.g. a TLS transcript hash). Move-only; it
// owns one EVP_MD_CTX.
class Hasher {
public:
    // create starts an empty digest of alg.
    static core::Result<Hasher> create(HashAlg alg);

    Hasher(Hasher&& o) noexcept;
    Hasher& operator=(Hasher&& o) noexcept;
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;
    ~Hasher();

    // update appends data to the digested input.
    core::Status update(core::ByteView data) noexcept;
    // peek writes the digest of everything so far into out without ending the
    // digest (more update() calls may follow); BufferTooSmall if out is short.
    core::Status peek(core::MutableByteView out) const noexcept;
    // finish writes the digest into out and restarts the Hasher empty.
    core::Status finish(core::MutableByteView out) noexcept;
    // length returns digest_length(alg()).
    [[nodiscard]] std::size_t length() const noexcept { return digest_length(alg_); }
    // alg returns the digest algorithm.
    [[nodiscard]] HashAlg alg() const noexcept { return alg_; }

private:
    Hasher(HashAlg alg, EVP_MD_CTX* ctx) noexcept : alg_(alg), ctx_(ctx) {}

    HashAlg alg_;
    EVP_MD_CTX* ctx_ = nullptr;
};

}  // namespace strata::crypto
