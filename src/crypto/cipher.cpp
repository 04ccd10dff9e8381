#include "crypto/cipher.hpp"

#include <array>
#include <climits>
#include <utility>

#include <openssl/evp.h>

namespace strata::crypto {

using core::Error;
using core::fail;

namespace {

constexpr std::size_t kCipherCount = 5;

const char* openssl_name(CipherAlg alg) noexcept {
    switch (alg) {
        case CipherAlg::Null: return nullptr;
        case CipherAlg::Aes128Cbc: return "AES-128-CBC";  // RFC 3602
        case CipherAlg::Aes192Cbc: return "AES-192-CBC";
        case CipherAlg::Aes256Cbc: return "AES-256-CBC";
        case CipherAlg::TripleDesCbc: return "DES-EDE3-CBC";  // RFC 2451
    }
    return nullptr;
}

// CipherTable fetches each CBC cipher once for the life of the process.
struct CipherTable {
    std::array<EVP_CIPHER*, kCipherCount> c{};
    CipherTable() {
        for (std::size_t i = 0; i < kCipherCount; ++i) {
            if (const char* name = openssl_name(static_cast<CipherAlg>(i))) {
                c[i] = EVP_CIPHER_fetch(nullptr, name, nullptr);
            }
        }
    }
    ~CipherTable() {
        for (EVP_CIPHER* x : c) EVP_CIPHER_free(x);
    }
    CipherTable(const CipherTable&) = delete;
    CipherTable& operator=(const CipherTable&) = delete;
};

const EVP_CIPHER* evp_cipher(CipherAlg alg) noexcept {
    static const CipherTable table;
    const auto i = static_cast<std::size_t>(alg);
    return i < kCipherCount ? table.c[i] : nullptr;
}

EVP_CIPHER_CTX* keyed_context(const EVP_CIPHER* cipher, core::ByteView key, int enc) noexcept {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) return nullptr;
    if (EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, enc) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {  // callers pad themselves
        EVP_CIPHER_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

}  // namespace

std::size_t cipher_key_length(CipherAlg alg) noexcept {
    switch (alg) {
        case CipherAlg::Null: return 0;
        case CipherAlg::Aes128Cbc: return 16;
        case CipherAlg::Aes192Cbc: return 24;
        case CipherAlg::Aes256Cbc: return 32;
        case CipherAlg::TripleDesCbc: return 24;
    }
    return 0;
}

std::size_t cipher_block_size(CipherAlg alg) noexcept {
    switch (alg) {
        case CipherAlg::Null: return 1;
        case CipherAlg::TripleDesCbc: return 8;
        default: return 16;
    }
}

std::size_t cipher_iv_length(CipherAlg alg) noexcept {
    return alg == CipherAlg::Null ? 0 : cipher_block_size(alg);  // CBC: IV = one block
}

core::Result<BlockCipher> BlockCipher::create(CipherAlg alg, core::ByteView key) {
    if (key.size() != cipher_key_length(alg)) return fail(Error::InvalidKeyLength);
    if (alg == CipherAlg::Null) return BlockCipher(alg, nullptr, nullptr);
    const EVP_CIPHER* cipher = evp_cipher(alg);
    if (cipher == nullptr) return fail(Error::UnsupportedAlgorithm);
    EVP_CIPHER_CTX* enc = keyed_context(cipher, key, 1);
    EVP_CIPHER_CTX* dec = keyed_context(cipher, key, 0);
    if (enc == nullptr || dec == nullptr) {
        EVP_CIPHER_CTX_free(enc);
        EVP_CIPHER_CTX_free(dec);
        return fail(Error::CryptoFailure);
    }
    return BlockCipher(alg, enc, dec);
}

BlockCipher::BlockCipher(BlockCipher&& o) noexcept
    : alg_(o.alg_), enc_(std::exchange(o.enc_, nullptr)), dec_(std::exchange(o.dec_, nullptr)) {}

BlockCipher& BlockCipher::operator=(BlockCipher&& o) noexcept {
    if (this != &o) {
        EVP_CIPHER_CTX_free(enc_);
        EVP_CIPHER_CTX_free(dec_);
        alg_ = o.alg_;
        enc_ = std::exchange(o.enc_, nullptr);
        dec_ = std::exchange(o.dec_, nullptr);
    }
    return *this;
}

BlockCipher::~BlockCipher() {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
}

core::Status BlockCipher::encrypt(core::ByteView iv, core::MutableByteView data) noexcept {
    return run(enc_, 1, iv, data);
}

core::Status BlockCipher::decrypt(core::ByteView iv, core::MutableByteView data) noexcept {
    return run(dec_, 0, iv, data);
}

core::Status BlockCipher::run(EVP_CIPHER_CTX* ctx, int enc, core::ByteView iv,
                              core::MutableByteView data) noexcept {
    if (iv.size() != iv_len()) return fail(Error::InvalidNonceLength);
    if (data.size() % block_size() != 0) return fail(Error::InvalidInputLength);
    if (alg_ == CipherAlg::Null) return {};                 // RFC 2410 §2: NULL is the identity
    if (ctx == nullptr) return fail(Error::CryptoFailure);  // moved-from
    if (data.size() > static_cast<std::size_t>(INT_MAX)) return fail(Error::InvalidInputLength);
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), enc) != 1) {
        return fail(Error::CryptoFailure);
    }
    int outl = 0;
    if (!data.empty() &&
        EVP_CipherUpdate(ctx, data.data(), &outl, data.data(), static_cast<int>(data.size())) != 1) {
        return fail(Error::CryptoFailure);
    }
    // Padding is off and the input is whole blocks: final emits nothing.
    std::array<std::uint8_t, 16> scratch{};
    int final_len = 0;
    if (EVP_CipherFinal_ex(ctx, scratch.data(), &final_len) != 1 || final_len != 0) {
        return fail(Error::CryptoFailure);
    }
    return {};
}

}  // namespace strata::crypto
