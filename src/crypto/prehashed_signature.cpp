#include "crypto/prehashed_signature.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/openssl_ptr.hpp"

namespace strata::crypto {

namespace {

using core::Bytes;
using core::ByteView;
using core::Error;
using core::fail;

// RFC 8017 §9.2 step 3: PKCS#1 v1.5 padding takes at least 11 bytes.
constexpr std::size_t kPkcs1Overhead = 11;

bool is_ecdsa(KeyType t) noexcept { return t == KeyType::EcP256 || t == KeyType::EcP384; }

// coordinate_length is the byte length of r and s (RFC 4754 §7).
std::size_t coordinate_length(KeyType t) noexcept { return t == KeyType::EcP384 ? 48 : 32; }

// context returns an EVP_PKEY_CTX set up for key with no message digest, so
// that libcrypto signs the given bytes as they are; RSA keys get PKCS#1 v1.5
// padding (without a signature digest set, no DigestInfo is added).
ossl::PkeyCtx context(evp_pkey_st* key, bool sign) {
    ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx) return ctx;
    const int init = sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get());
    if (init != 1) return {};
    if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
        return {};
    return ctx;
}

}  // namespace

core::Result<Bytes> sign_prehashed(const PrivateKey& key, ByteView digest) {
    const KeyType t = key.type();
    if (t != KeyType::Rsa && !is_ecdsa(t)) return fail(Error::KeyMismatch);
    if (digest.empty()) return fail(Error::InvalidInputLength);
    if (t == KeyType::Rsa) {
        const auto modulus = static_cast<std::size_t>(EVP_PKEY_get_size(key.native()));
        if (digest.size() + kPkcs1Overhead > modulus) return fail(Error::InvalidInputLength);
    }
    auto ctx = context(key.native(), true);
    if (!ctx) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    std::size_t len = 0;
    if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    sig.resize(len);
    if (is_ecdsa(t)) return ecdsa_der_to_raw(sig, coordinate_length(t));  // RFC 4754 §7
    return sig;
}

core::Status verify_prehashed(const PublicKey& key, ByteView digest, ByteView signature) {
    const KeyType t = key.type();
    if (t != KeyType::Rsa && !is_ecdsa(t)) return fail(Error::KeyMismatch);
    if (digest.empty() || signature.empty()) return fail(Error::SignatureInvalid);
    Bytes der;
    ByteView sig = signature;
    if (is_ecdsa(t)) {
        // RFC 4754 §7: exactly r||s of the curve's coordinate length.
        if (signature.size() != 2 * coordinate_length(t)) return fail(Error::SignatureInvalid);
        auto d = ecdsa_raw_to_der(signature);
        if (!d) return fail(Error::SignatureInvalid);
        der = std::move(d).value();
        sig = der;
    } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.native()))) {
        return fail(Error::SignatureInvalid);  // RFC 8017 §8.2.2 step 1
    }
    auto ctx = context(key.native(), false);
    if (!ctx) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    // 1: valid; 0: wrong; <0: malformed. Only 1 passes.
    if (EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) != 1) {
        ERR_clear_error();
        return fail(Error::SignatureInvalid);
    }
    return {};
}

}  // namespace strata::crypto
