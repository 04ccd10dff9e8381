// aead.hpp: AES-GCM and ChaCha20-Poly1305, keyed once, sealing in place.
//
// An Aead holds two EVP_CIPHER_CTX (one to seal, one to open), keyed when it
// is created; each seal/open only sets the 12-byte nonce, so the per-packet
// path does not allocate. ESP (RFC 4106, RFC 7634), IKEv2 SK payloads
// (RFC 5282) and TLS 1.2/1.3 records all build the nonce themselves.
#pragma once

#include <cstddef>

#include <openssl/types.h>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"

namespace strata::crypto {

// kAeadNonceLength is the only nonce length Aead accepts (RFC 5116 §3.2).
inline constexpr std::size_t kAeadNonceLength = 12;
// kAeadMaxTagLength is the longest ICV any AeadAlg produces.
inline constexpr std::size_t kAeadMaxTagLength = 16;

// aead_key_length returns the key length of alg in bytes (16 or 32).
std::size_t aead_key_length(AeadAlg alg) noexcept;

// Aead is one keyed AEAD instance. Move-only; a moved-from Aead fails every
// call with CryptoFailure. Not thread-safe: use one instance per thread.
class Aead {
public:
    // create keys alg with key and fixes the ICV length. Fails with
    // InvalidKeyLength if key is not aead_key_length(alg) bytes,
    // InvalidTagLength if icv_len is not 8, 12 or 16 for GCM (RFC 4106 §8) or
    // 16 for ChaCha20-Poly1305 (RFC 7634 §2), UnsupportedAlgorithm if
    // libcrypto lacks the cipher.
    static core::Result<Aead> create(AeadAlg alg, core::ByteView key, std::size_t icv_len);

    Aead(Aead&& o) noexcept;
    Aead& operator=(Aead&& o) noexcept;
    Aead(const Aead&) = delete;
    Aead& operator=(const Aead&) = delete;
    ~Aead();

    // seal encrypts data in place under nonce, authenticating aad too, and
    // writes the ICV into the first icv_len() bytes of tag_out. Fails with
    // InvalidNonceLength (nonce not 12 bytes), BufferTooSmall (tag_out shorter
    // than icv_len()), InvalidInputLength (data or aad over INT_MAX bytes).
    // A nonce must never repeat under one key; that is the caller's duty.
    core::Status seal(core::ByteView nonce, core::ByteView aad, core::MutableByteView data,
                      core::MutableByteView tag_out) noexcept;

    // open checks tag over aad and the ciphertext data and decrypts data in
    // place. On AuthenticationFailed the bytes of data are wiped (zeroed), so
    // no unauthenticated plaintext is left. Fails with InvalidNonceLength,
    // InvalidTagLength (tag not icv_len() bytes), InvalidInputLength.
    core::Status open(core::ByteView nonce, core::ByteView aad, core::MutableByteView data,
                      core::ByteView tag) noexcept;

    // alg returns the algorithm this instance was created with.
    [[nodiscard]] AeadAlg alg() const noexcept { return alg_; }
    // key_len returns the key length in bytes.
    [[nodiscard]] std::size_t key_len() const noexcept { return aead_key_length(alg_); }
    // nonce_len returns kAeadNonceLength.
    [[nodiscard]] std::size_t nonce_len() const noexcept { return kAeadNonceLength; }
    // icv_len returns the ICV (tag) length in bytes.
    [[nodiscard]] std::size_t icv_len() const noexcept { return icv_len_; }

private:
    Aead(AeadAlg alg, std::size_t icv_len, EVP_CIPHER_CTX* seal, EVP_CIPHER_CTX* open) noexcept
        : alg_(alg), icv_len_(icv_len), seal_(seal), open_(open) {}

    AeadAlg alg_;
    std::size_t icv_len_;
    EVP_CIPHER_CTX* seal_ = nullptr;
    EVP_CIPHER_CTX* open_ = nullptr;
};

}  // namespace strata::crypto
