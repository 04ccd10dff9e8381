#include "crypto/aead.hpp"

#include <array>
#include <climits>
#include <utility>

#include <openssl/evp.h>

#include "core/secret.hpp"

namespace strata::crypto {

using core::Error;
using core::fail;

namespace {

constexpr std::size_t kAeadCount = 4;

const char* openssl_name(AeadAlg alg) noexcept {
    switch (alg) {
        case AeadAlg::Aes128Gcm: return "AES-128-GCM";
        case AeadAlg::Aes256Gcm: return "AES-256-GCM";
        case AeadAlg::ChaCha20Poly1305: return "ChaCha20-Poly1305";
        case AeadAlg::Aes192Gcm: return "AES-192-GCM";
    }
    return "";
}

// CipherTable fetches each AEAD cipher once for the life of the process.
struct CipherTable {
    std::array<EVP_CIPHER*, kAeadCount> c{};
    CipherTable() {
        for (std::size_t i = 0; i < kAeadCount; ++i) {
            c[i] = EVP_CIPHER_fetch(nullptr, openssl_name(static_cast<AeadAlg>(i)), nullptr);
        }
    }
    ~CipherTable() {
        for (EVP_CIPHER* x : c) EVP_CIPHER_free(x);
    }
    CipherTable(const CipherTable&) = delete;
    CipherTable& operator=(const CipherTable&) = delete;
};

const EVP_CIPHER* evp_cipher(AeadAlg alg) noexcept {
    static const CipherTable table;
    const auto i = static_cast<std::size_t>(alg);
    return i < kAeadCount ? table.c[i] : nullptr;
}

bool icv_allowed(AeadAlg alg, std::size_t icv_len) noexcept {
    if (alg == AeadAlg::ChaCha20Poly1305) return icv_len == 16;  // RFC 7634 §2: 16-octet ICV
    return icv_len == 8 || icv_len == 12 || icv_len == 16;       // RFC 4106 §8
}

// keyed_context returns a context with cipher and key set for one direction
// (enc 1 = seal, 0 = open), or null.
EVP_CIPHER_CTX* keyed_context(const EVP_CIPHER* cipher, core::ByteView key, int enc) noexcept {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) return nullptr;
    // The default IV length of both GCM and ChaCha20-Poly1305 is 12 bytes.
    if (EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, enc) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

bool fits_int(std::size_t n) noexcept { return n <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

std::size_t aead_key_length(AeadAlg alg) noexcept {
    switch (alg) {
        case AeadAlg::Aes128Gcm: return 16;
        case AeadAlg::Aes192Gcm: return 24;
        default: return 32;
    }
}

core::Result<Aead> Aead::create(AeadAlg alg, core::ByteView key, std::size_t icv_len) {
    const EVP_CIPHER* cipher = evp_cipher(alg);
    if (cipher == nullptr) return fail(Error::UnsupportedAlgorithm);
    if (key.size() != aead_key_length(alg)) return fail(Error::InvalidKeyLength);
    if (!icv_allowed(alg, icv_len)) return fail(Error::InvalidTagLength);
    EVP_CIPHER_CTX* seal = keyed_context(cipher, key, 1);
    EVP_CIPHER_CTX* open = keyed_context(cipher, key, 0);
    if (seal == nullptr || open == nullptr) {
        EVP_CIPHER_CTX_free(seal);
        EVP_CIPHER_CTX_free(open);
        return fail(Error::CryptoFailure);
    }
    return Aead(alg, icv_len, seal, open);
}

Aead::Aead(Aead&& o) noexcept
    : alg_(o.alg_),
      icv_len_(o.icv_len_),
      seal_(std::exchange(o.seal_, nullptr)),
      open_(std::exchange(o.open_, nullptr)) {}

Aead& Aead::operator=(Aead&& o) noexcept {
    if (this != &o) {
        EVP_CIPHER_CTX_free(seal_);
        EVP_CIPHER_CTX_free(open_);
        alg_ = o.alg_;
        icv_len_ = o.icv_len_;
        seal_ = std::exchange(o.seal_, nullptr);
        open_ = std::exchange(o.open_, nullptr);
    }
    return *this;
}

// EVP_CIPHER_CTX_free cleanses the key schedule.
Aead::~Aead() {
    EVP_CIPHER_CTX_free(seal_);
    EVP_CIPHER_CTX_free(open_);
}

// seal and open make exactly the libcrypto calls a raw EVP user makes per
// message (set the nonce on the keyed context, AAD, data, final, tag), with
// the direction-specific EVP_Encrypt*/EVP_Decrypt* entry points rather than
// the EVP_Cipher* dispatchers, and nothing else between them.
core::Status Aead::seal(core::ByteView nonce, core::ByteView aad, core::MutableByteView data,
                        core::MutableByteView tag_out) noexcept {
    if (seal_ == nullptr) return fail(Error::CryptoFailure);
    if (nonce.size() != kAeadNonceLength) return fail(Error::InvalidNonceLength);
    if (tag_out.size() < icv_len_) return fail(Error::BufferTooSmall);
    if (!fits_int(data.size()) || !fits_int(aad.size())) return fail(Error::InvalidInputLength);

    // Only the nonce changes: cipher and key stay as keyed at create().
    int outl = 0;
    bool ok = EVP_EncryptInit_ex(seal_, nullptr, nullptr, nullptr, nonce.data()) == 1;
    ok = ok && (aad.empty() ||
                EVP_EncryptUpdate(seal_, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1);
    ok = ok && (data.empty() || EVP_EncryptUpdate(seal_, data.data(), &outl, data.data(),
                                                  static_cast<int>(data.size())) == 1);
    std::array<std::uint8_t, 16> scratch;  // GCM/ChaCha final emit no bytes
    ok = ok && EVP_EncryptFinal_ex(seal_, scratch.data(), &outl) == 1;
    // RFC 4106 §8 / RFC 7634 §2: the ICV is the (leftmost icv_len bytes of the) tag.
    ok = ok &&
         EVP_CIPHER_CTX_ctrl(seal_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(icv_len_), tag_out.data()) == 1;
    if (!ok) return fail(Error::CryptoFailure);
    return {};
}

core::Status Aead::open(core::ByteView nonce, core::ByteView aad, core::MutableByteView data,
                        core::ByteView tag) noexcept {
    if (open_ == nullptr) return fail(Error::CryptoFailure);
    if (nonce.size() != kAeadNonceLength) return fail(Error::InvalidNonceLength);
    if (tag.size() != icv_len_) return fail(Error::InvalidTagLength);
    if (!fits_int(data.size()) || !fits_int(aad.size())) return fail(Error::InvalidInputLength);

    int outl = 0;
    bool ok = EVP_DecryptInit_ex(open_, nullptr, nullptr, nullptr, nonce.data()) == 1;
    // libcrypto keeps its own copy of the expected tag; it is not written to.
    ok = ok && EVP_CIPHER_CTX_ctrl(open_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(icv_len_),
                                   const_cast<std::uint8_t*>(tag.data())) == 1;
    if (!ok) return fail(Error::CryptoFailure);
    ok = aad.empty() ||
         EVP_DecryptUpdate(open_, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1;
    ok = ok && (data.empty() || EVP_DecryptUpdate(open_, data.data(), &outl, data.data(),
                                                  static_cast<int>(data.size())) == 1);
    if (!ok) {
        core::wipe(data);
        return fail(Error::CryptoFailure);
    }
    // The tag comparison inside libcrypto is constant time (CRYPTO_memcmp).
    std::array<std::uint8_t, 16> scratch;  // GCM/ChaCha final emit no bytes
    if (EVP_DecryptFinal_ex(open_, scratch.data(), &outl) != 1) {
        core::wipe(data);  // RFC 5116 §2.2: release no plaintext on failure
        return fail(Error::AuthenticationFailed);
    }
    return {};
}

}  // namespace strata::crypto
