// mac.hpp: HMAC over OpenSSL 3 EVP_MAC, keyed once, with IPsec truncations.
#pragma once

#include <cstddef>

#include <openssl/types.h>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"

namespace strata::crypto {

// mac_hash returns the digest under alg (HmacSha256_128 -> Sha256).
HashAlg mac_hash(MacAlg alg) noexcept;
// mac_output_length returns the (truncated) output length of alg in bytes:
// 12 for the -96 variants (RFC 2403, RFC 2404), half the digest for the
// RFC 4868 variants, the whole digest otherwise.
std::size_t mac_output_length(MacAlg alg) noexcept;

// Mac is one keyed HMAC. Move-only; holds an EVP_MAC_CTX keyed at create()
// and re-initialised with the same key for every message. Not thread-safe.
class Mac {
public:
    // create keys alg with key (any length; HMAC hashes keys longer than a
    // block, RFC 2104 §2). UnsupportedAlgorithm if libcrypto lacks it.
    static core::Result<Mac> create(MacAlg alg, core::ByteView key);
    // create_hmac keys an untruncated HMAC over any HashAlg (SHA-224 too),
    // for PRFs and KDFs.
    static core::Result<Mac> create_hmac(HashAlg hash, core::ByteView key);

    Mac(Mac&& o) noexcept;
    Mac& operator=(Mac&& o) noexcept;
    Mac(const Mac&) = delete;
    Mac& operator=(const Mac&) = delete;
    ~Mac();

    // compute writes the MAC of data into the first output_len() bytes of out;
    // BufferTooSmall if out is shorter. Discards any unfinished update().
    core::Status compute(core::ByteView data, core::MutableByteView out) noexcept;
    // verify recomputes the MAC of data and compares it with tag in constant
    // time: AuthenticationFailed on mismatch, InvalidTagLength if tag is not
    // output_len() bytes.
    core::Status verify(core::ByteView data, core::ByteView tag) noexcept;

    // init starts a multi-part MAC with the same key (discarding any unfinished one).
    core::Status init() noexcept;
    // update adds data to the multi-part MAC begun by init().
    core::Status update(core::ByteView data) noexcept;
    // final writes the multi-part MAC into the first output_len() bytes of out
    // (BufferTooSmall if shorter); init() must come before the next update().
    core::Status final(core::MutableByteView out) noexcept;
    // final_verify ends the multi-part MAC and compares it with tag in
    // constant time (errors as verify()).
    core::Status final_verify(core::ByteView tag) noexcept;

    // output_len returns the (truncated) MAC length in bytes.
    [[nodiscard]] std::size_t output_len() const noexcept { return out_len_; }
    // hash returns the underlying digest.
    [[nodiscard]] HashAlg hash() const noexcept { return hash_; }

private:
    Mac(HashAlg hash, std::size_t out_len, EVP_MAC_CTX* ctx) noexcept
        : hash_(hash), out_len_(out_len), ctx_(ctx) {}
    static core::Result<Mac> make(HashAlg hash, std::size_t out_len, core::ByteView key);

    HashAlg hash_;
    std::size_t out_len_;
    EVP_MAC_CTX* ctx_ = nullptr;
};

// hmac returns the untruncated HMAC-hash of data under key (one-shot; builds
// and frees a context, so keep a Mac for repeated use).
core::Result<core::Bytes> hmac(HashAlg hash, core::ByteView key, core::ByteView data);

}  // namespace strata::crypto
