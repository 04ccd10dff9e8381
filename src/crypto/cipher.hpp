// cipher.hpp: CBC block ciphers (and NULL) for ESP, IKE and TLS 1.2, keyed once.
//
// No padding is added or removed here: ESP (RFC 4303 §2.4), IKE (RFC 7296
// §3.14) and TLS 1.2 (RFC 5246 §6.2.3.2) each pad in their own way.
#pragma once

#include <cstddef>

#include <openssl/types.h>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"

namespace strata::crypto {

// cipher_key_length returns the key length of alg in bytes (0 for Null).
std::size_t cipher_key_length(CipherAlg alg) noexcept;
// cipher_block_size returns the block size of alg in bytes (1 for Null).
std::size_t cipher_block_size(CipherAlg alg) noexcept;
// cipher_iv_length returns the IV length of alg in bytes (0 for Null).
std::size_t cipher_iv_length(CipherAlg alg) noexcept;

// BlockCipher is one keyed CBC cipher (or NULL, RFC 2410). Move-only; holds an
// encrypting and a decrypting EVP_CIPHER_CTX keyed at create(), so a call
// only sets the IV. Not thread-safe.
class BlockCipher {
public:
    // create keys alg with key. Fails with InvalidKeyLength if key is not
    // cipher_key_length(alg) bytes (empty for Null), UnsupportedAlgorithm if
    // libcrypto lacks the cipher.
    static core::Result<BlockCipher> create(CipherAlg alg, core::ByteView key);

    BlockCipher(BlockCipher&& o) noexcept;
    BlockCipher& operator=(BlockCipher&& o) noexcept;
    BlockCipher(const BlockCipher&) = delete;
    BlockCipher& operator=(const BlockCipher&) = delete;
    ~BlockCipher();

    // encrypt CBC-encrypts data in place with iv. Fails with InvalidNonceLength
    // if iv is not iv_len() bytes, InvalidInputLength if data is not a multiple
    // of block_size(). Null leaves data as it is (RFC 2410 §2).
    core::Status encrypt(core::ByteView iv, core::MutableByteView data) noexcept;
    // decrypt CBC-decrypts data in place with iv; same errors as encrypt.
    core::Status decrypt(core::ByteView iv, core::MutableByteView data) noexcept;

    // alg returns the algorithm this instance was created with.
    [[nodiscard]] CipherAlg alg() const noexcept { return alg_; }
    // block_size returns cipher_block_size(alg()).
    [[nodiscard]] std::size_t block_size() const noexcept { return cipher_block_size(alg_); }
    // iv_len returns cipher_iv_length(alg()).
    [[nodiscard]] std::size_t iv_len() const noexcept { return cipher_iv_length(alg_); }
    // key_len returns cipher_key_length(alg()).
    [[nodiscard]] std::size_t key_len() const noexcept { return cipher_key_length(alg_); }

private:
    BlockCipher(CipherAlg alg, EVP_CIPHER_CTX* enc, EVP_CIPHER_CTX* dec) noexcept
        : alg_(alg), enc_(enc), dec_(dec) {}
    // run sets iv on ctx and transforms data in place (enc 1 = encrypt).
    core::Status run(EVP_CIPHER_CTX* ctx, int enc, core::ByteView iv, core::MutableByteView data) noexcept;

    CipherAlg alg_;
    EVP_CIPHER_CTX* enc_ = nullptr;  // null for CipherAlg::Null
    EVP_CIPHER_CTX* dec_ = nullptr;
};

}  // namespace strata::crypto
