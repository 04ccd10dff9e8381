// prehashed_signature_test.cpp: signatures over a given hash value, as IKEv1
// signs HASH_I / HASH_R (RFC 2409 §5.1, RFC 4754), checked against the
// ordinary hash-then-sign path of crypto/signature.
#include "crypto/prehashed_signature.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/hash.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::Error;

const Bytes kMessage = {'i', 'k', 'e', 'v', '1'};

const PrivateKey& rsa_key() {
    static PrivateKey k = PrivateKey::generate(SignatureAlg::RsaPkcs1Sha256, 1024).value();
    return k;
}
const PrivateKey& p256_key() {
    static PrivateKey k = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    return k;
}
const PrivateKey& p384_key() {
    static PrivateKey k = PrivateKey::generate(SignatureAlg::EcdsaP384Sha384).value();
    return k;
}

Bytes sha256(core::ByteView m) { return digest(HashAlg::Sha256, m).value(); }

// RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256.
const Bytes kSha256DigestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

TEST(PrehashedSignature, RsaIsPkcs1PaddingOfTheRawValue) {
    // With DigestInfo || SHA-256(m) as the value, the result must be exactly
    // the ordinary RSASSA-PKCS1-v1_5 SHA-256 signature of m (deterministic).
    Bytes value = kSha256DigestInfo;
    const Bytes h = sha256(kMessage);
    value.insert(value.end(), h.begin(), h.end());
    auto raw = sign_prehashed(rsa_key(), value);
    auto normal = sign(rsa_key(), SignatureAlg::RsaPkcs1Sha256, kMessage);
    ASSERT_TRUE(raw);
    ASSERT_TRUE(normal);
    EXPECT_EQ(*raw, *normal);
}

TEST(PrehashedSignature, RsaSignsTheHashWithoutDigestInfo) {
    // The public operation without padding shows the encoded block:
    // 00 01 FF..FF 00 || hash (RFC 8017 §9.2 step 5 with T = hash).
    const Bytes h = sha256(kMessage);
    auto sig = sign_prehashed(rsa_key(), h);
    ASSERT_TRUE(sig);
    auto pub = rsa_key().public_key();
    ASSERT_TRUE(pub);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pub->native(), nullptr);
    ASSERT_NE(ctx, nullptr);
    ASSERT_EQ(EVP_PKEY_verify_recover_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    Bytes block(sig->size());
    std::size_t len = block.size();
    ASSERT_EQ(EVP_PKEY_verify_recover(ctx, block.data(), &len, sig->data(), sig->size()), 1);
    EVP_PKEY_CTX_free(ctx);
    block.resize(len);
    ASSERT_EQ(block.size(), 128u);
    Bytes want{0x00, 0x01};
    want.resize(block.size() - h.size() - 1, 0xff);
    want.push_back(0x00);
    want.insert(want.end(), h.begin(), h.end());
    EXPECT_EQ(block, want);
    EXPECT_TRUE(verify_prehashed(*pub, h, *sig));
}

TEST(PrehashedSignature, EcdsaIsRawRsOverTheGivenDigest) {
    for (const PrivateKey* k : {&p256_key(), &p384_key()}) {
        const std::size_t coord = k->type() == KeyType::EcP256 ? 32 : 48;
        const HashAlg hash = coord == 32 ? HashAlg::Sha256 : HashAlg::Sha384;
        const SignatureAlg alg = coord == 32 ? SignatureAlg::EcdsaP256Sha256 : SignatureAlg::EcdsaP384Sha384;
        const Bytes h = digest(hash, kMessage).value();
        auto sig = sign_prehashed(*k, h);
        ASSERT_TRUE(sig);
        EXPECT_EQ(sig->size(), 2 * coord);  // RFC 4754 §7: r || s
        auto pub = k->public_key();
        ASSERT_TRUE(pub);
        EXPECT_TRUE(verify_prehashed(*pub, h, *sig));
        // The same signature, DER-encoded, is an ordinary ECDSA signature of the message.
        auto der = ecdsa_raw_to_der(*sig);
        ASSERT_TRUE(der);
        EXPECT_TRUE(verify(*pub, alg, kMessage, *der));
    }
}

TEST(PrehashedSignature, WrongValueKeyOrLengthIsRefused) {
    const Bytes h = sha256(kMessage);
    Bytes other = h;
    other[0] ^= 1;
    for (const PrivateKey* k : {&rsa_key(), &p256_key()}) {
        auto sig = sign_prehashed(*k, h);
        ASSERT_TRUE(sig);
        auto pub = k->public_key();
        EXPECT_EQ(verify_prehashed(*pub, other, *sig).error(), Error::SignatureInvalid);
        Bytes bad = *sig;
        bad[bad.size() / 2] ^= 0x40;
        EXPECT_EQ(verify_prehashed(*pub, h, bad).error(), Error::SignatureInvalid);
        Bytes shorter(sig->begin(), sig->end() - 1);
        EXPECT_EQ(verify_prehashed(*pub, h, shorter).error(), Error::SignatureInvalid);
        EXPECT_EQ(verify_prehashed(*pub, h, {}).error(), Error::SignatureInvalid);
    }
    // A signature by another key of the same kind does not verify.
    auto p256_other = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    auto sig = sign_prehashed(p256_other, h);
    EXPECT_EQ(verify_prehashed(*p256_key().public_key(), h, *sig).error(), Error::SignatureInvalid);
    // Ed25519 has no prehashed form here; RSA refuses a value too long to pad.
    auto ed = PrivateKey::generate(SignatureAlg::Ed25519).value();
    EXPECT_EQ(sign_prehashed(ed, h).error(), Error::KeyMismatch);
    EXPECT_EQ(verify_prehashed(*ed.public_key(), h, Bytes(64, 1)).error(), Error::KeyMismatch);
    EXPECT_EQ(sign_prehashed(rsa_key(), Bytes(128 - 10, 1)).error(), Error::InvalidInputLength);
    EXPECT_EQ(sign_prehashed(rsa_key(), {}).error(), Error::InvalidInputLength);
}

}  // namespace
}  // namespace strata::crypto
