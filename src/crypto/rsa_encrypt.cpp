// rsa_encrypt.cpp: RSAES-PKCS1-v1_5 encryption and the TLS premaster decryption.
#include "crypto/rsa_encrypt.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "crypto/openssl_ptr.hpp"

namespace strata::crypto {

using core::Error;
using core::fail;

namespace {

// is_rsa is true for a plain RSA key (RSA-PSS keys cannot decrypt).
bool is_rsa(evp_pkey_st* key) noexcept { return key != nullptr && EVP_PKEY_is_a(key, "RSA") == 1; }

}  // namespace

core::Result<core::Bytes> rsa_pkcs1_encrypt(const PublicKey& key, core::ByteView plaintext) {
    if (!is_rsa(key.native())) return fail(Error::KeyMismatch);
    const auto modulus = static_cast<std::size_t>(EVP_PKEY_get_size(key.native()));
    // RFC 8017 §7.2.1: mLen <= k - 11.
    if (modulus < 11 || plaintext.size() > modulus - 11) return fail(Error::InvalidInputLength);
    ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    core::Bytes out(modulus);
    std::size_t out_len = out.size();
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &out_len, plaintext.data(), plaintext.size()) != 1) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    out.resize(out_len);
    return out;
}

core::Result<core::SecretBytes> rsa_decrypt_tls_premaster(const PrivateKey& key, core::ByteView ciphertext,
                                                          std::uint16_t client_version,
                                                          std::uint16_t alt_version, RandomSource& rng) {
    if (!is_rsa(key.native())) return fail(Error::KeyMismatch);
    // RFC 5246 §7.4.7.1 step 1: generate a random 48-byte R first.
    core::SecretBytes fallback(kTlsPremasterLength);
    if (!rng.fill(fallback.mutable_view())) return fail(Error::CryptoFailure);

    ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_WITH_TLS_PADDING) != 1) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    unsigned int cv = client_version;
    unsigned int av = alt_version;
    OSSL_PARAM params[3];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &cv);
    if (alt_version != 0)
        params[n++] = OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION, &av);
    params[n] = OSSL_PARAM_construct_end();
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }

    // Steps 2-4 happen inside libcrypto: with RSA_PKCS1_WITH_TLS_PADDING it
    // checks the padding, the length (48) and the version bytes and, in
    // constant time, returns its own random 48 bytes on any mismatch. The
    // call itself fails only for reasons visible in the public ciphertext
    // (its length, or a value not below the modulus); then R is used.
    core::SecretBytes decrypted(kTlsPremasterLength);
    std::size_t out_len = decrypted.size();
    const int rc =
        EVP_PKEY_decrypt(ctx.get(), decrypted.data(), &out_len, ciphertext.data(), ciphertext.size());
    ERR_clear_error();
    // Select in constant time: mask is all ones when libcrypto returned 48 bytes.
    const unsigned ok =
        static_cast<unsigned>(rc == 1) & static_cast<unsigned>(out_len == kTlsPremasterLength);
    const auto mask = static_cast<std::uint8_t>(0u - ok);
    core::SecretBytes premaster(kTlsPremasterLength);
    for (std::size_t i = 0; i < kTlsPremasterLength; ++i) {
        premaster.data()[i] = static_cast<std::uint8_t>(
            (decrypted.data()[i] & mask) | (fallback.data()[i] & static_cast<std::uint8_t>(~mask)));
    }
    return premaster;
}

}  // namespace strata::crypto
