#include "crypto/signature.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "crypto/selftest.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::Error;

const Bytes kMessage = {'s', 't', 'r', 'a', 't', 'a'};

// One key per type, generated once (RSA generation is slow).
const PrivateKey& key_for(SignatureAlg alg) {
    static PrivateKey rsa = PrivateKey::generate(SignatureAlg::RsaPkcs1Sha256).value();
    static PrivateKey p256 = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    static PrivateKey p384 = PrivateKey::generate(SignatureAlg::EcdsaP384Sha384).value();
    static PrivateKey ed = PrivateKey::generate(SignatureAlg::Ed25519).value();
    switch (alg) {
        case SignatureAlg::EcdsaP256Sha256: return p256;
        case SignatureAlg::EcdsaP384Sha384: return p384;
        case SignatureAlg::Ed25519: return ed;
        default: return rsa;
    }
}

class AllAlgs : public ::testing::TestWithParam<SignatureAlg> {};

TEST_P(AllAlgs, SignVerifyAndTamper) {
    const SignatureAlg alg = GetParam();
    const PrivateKey& key = key_for(alg);
    auto pub = key.public_key();
    ASSERT_TRUE(pub);
    auto sig = sign(key, alg, kMessage);
    ASSERT_TRUE(sig) << core::to_string(sig.error());
    EXPECT_TRUE(verify(*pub, alg, kMessage, *sig));

    Bytes bad_msg = kMessage;
    bad_msg[0] ^= 1;
    EXPECT_EQ(verify(*pub, alg, bad_msg, *sig).error(), Error::SignatureInvalid);
    Bytes bad_sig = *sig;
    bad_sig[bad_sig.size() / 2] ^= 0x10;
    EXPECT_EQ(verify(*pub, alg, kMessage, bad_sig).error(), Error::SignatureInvalid);
    Bytes short_sig(sig->begin(), sig->end() - 1);
    EXPECT_EQ(verify(*pub, alg, kMessage, short_sig).error(), Error::SignatureInvalid);
    EXPECT_EQ(verify(*pub, alg, kMessage, {}).error(), Error::SignatureInvalid);
}

INSTANTIATE_TEST_SUITE_P(Sig, AllAlgs,
                         ::testing::Values(SignatureAlg::RsaPkcs1Sha256, SignatureAlg::RsaPkcs1Sha384,
                                           SignatureAlg::RsaPkcs1Sha512, SignatureAlg::RsaPssSha256,
                                           SignatureAlg::RsaPssSha384, SignatureAlg::RsaPssSha512,
                                           SignatureAlg::EcdsaP256Sha256, SignatureAlg::EcdsaP384Sha384,
                                           SignatureAlg::Ed25519));

TEST(Signature, KeyMismatch) {
    const PrivateKey& rsa = key_for(SignatureAlg::RsaPkcs1Sha256);
    const PrivateKey& p256 = key_for(SignatureAlg::EcdsaP256Sha256);
    const PrivateKey& ed = key_for(SignatureAlg::Ed25519);
    EXPECT_EQ(sign(rsa, SignatureAlg::EcdsaP256Sha256, kMessage).error(), Error::KeyMismatch);
    EXPECT_EQ(sign(p256, SignatureAlg::EcdsaP384Sha384, kMessage).error(), Error::KeyMismatch);
    EXPECT_EQ(sign(p256, SignatureAlg::RsaPssSha256, kMessage).error(), Error::KeyMismatch);
    EXPECT_EQ(sign(ed, SignatureAlg::EcdsaP256Sha256, kMessage).error(), Error::KeyMismatch);
    auto sig = sign(p256, SignatureAlg::EcdsaP256Sha256, kMessage);
    ASSERT_TRUE(sig);
    EXPECT_EQ(verify(rsa.public_key().value(), SignatureAlg::EcdsaP256Sha256, kMessage, *sig).error(),
              Error::KeyMismatch);
    EXPECT_EQ(verify(p256.public_key().value(), SignatureAlg::Ed25519, kMessage, *sig).error(),
              Error::KeyMismatch);
}

TEST(Signature, PkcsAndPssAreNotInterchangeable) {
    const PrivateKey& rsa = key_for(SignatureAlg::RsaPkcs1Sha256);
    auto pss = sign(rsa, SignatureAlg::RsaPssSha256, kMessage);
    ASSERT_TRUE(pss);
    EXPECT_EQ(verify(rsa.public_key().value(), SignatureAlg::RsaPkcs1Sha256, kMessage, *pss).error(),
              Error::SignatureInvalid);
    EXPECT_EQ(verify(rsa.public_key().value(), SignatureAlg::RsaPssSha384, kMessage, *pss).error(),
              Error::SignatureInvalid);
}

TEST(Signature, PemAndDerRoundTrip) {
    for (SignatureAlg alg :
         {SignatureAlg::RsaPkcs1Sha256, SignatureAlg::EcdsaP256Sha256, SignatureAlg::Ed25519}) {
        const PrivateKey& key = key_for(alg);
        auto pem = key.to_pem();
        ASSERT_TRUE(pem);
        auto loaded = PrivateKey::from_pem(*pem);
        ASSERT_TRUE(loaded);
        EXPECT_EQ(loaded->type(), key.type());
        auto sig = sign(*loaded, alg, kMessage);
        ASSERT_TRUE(sig);
        auto der = key.public_key()->to_der();
        ASSERT_TRUE(der);
        auto pub = PublicKey::from_der(*der);
        ASSERT_TRUE(pub);
        EXPECT_TRUE(pub->equals(key.public_key().value()));
        EXPECT_TRUE(verify(*pub, alg, kMessage, *sig));
        Bytes trailing = *der;
        trailing.push_back(0);
        EXPECT_EQ(PublicKey::from_der(trailing).error(), Error::DecodeFailed);
    }
}

TEST(Signature, PublicKeyPem) {
    const std::string pem =
        "-----BEGIN PUBLIC KEY-----\n"
        "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
        "-----END PUBLIC KEY-----\n";
    auto pub = PublicKey::from_pem(pem);
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->type(), KeyType::Ed25519);
    EXPECT_EQ(PublicKey::from_pem("not a key").error(), Error::DecodeFailed);
}

TEST(Signature, BadKeysAreDecodeFailures) {
    EXPECT_EQ(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").error(),
              Error::DecodeFailed);
    EXPECT_EQ(PrivateKey::from_der(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).error(), Error::DecodeFailed);
    EXPECT_EQ(PublicKey::from_der({}).error(), Error::DecodeFailed);
    EXPECT_EQ(PrivateKey::from_raw_ed25519(Bytes(31, 0)).error(), Error::InvalidKeyLength);
    EXPECT_EQ(PublicKey::from_raw_ed25519(Bytes(33, 0)).error(), Error::InvalidKeyLength);
}

TEST(Signature, KeyTypesAndBits) {
    EXPECT_EQ(key_for(SignatureAlg::RsaPssSha256).type(), KeyType::Rsa);
    EXPECT_EQ(key_for(SignatureAlg::RsaPssSha256).public_key()->bits(), 2048u);
    EXPECT_EQ(key_for(SignatureAlg::EcdsaP384Sha384).type(), KeyType::EcP384);
    EXPECT_EQ(to_string(KeyType::EcP256), "ecdsa-p256");
}

// ---- ECDSA encodings

TEST(EcdsaEncoding, RoundTripsGeneratedSignatures) {
    for (SignatureAlg alg : {SignatureAlg::EcdsaP256Sha256, SignatureAlg::EcdsaP384Sha384}) {
        const std::size_t n = alg == SignatureAlg::EcdsaP256Sha256 ? 32 : 48;
        for (int i = 0; i < 20; ++i) {
            auto der = sign(key_for(alg), alg, kMessage);
            ASSERT_TRUE(der);
            auto raw = ecdsa_der_to_raw(*der, n);
            ASSERT_TRUE(raw);
            EXPECT_EQ(raw->size(), 2 * n);
            auto back = ecdsa_raw_to_der(*raw);
            ASSERT_TRUE(back);
            EXPECT_EQ(*back, *der);
        }
    }
}

TEST(EcdsaEncoding, PadsAndStrips) {
    // r = 0x80 needs a leading zero in DER; s = 1.
    Bytes raw(64, 0);
    raw[31] = 0x80;
    raw[63] = 0x01;
    auto der = ecdsa_raw_to_der(raw);
    ASSERT_TRUE(der);
    EXPECT_EQ(core::to_hex(*der),
              "3007020200800201"
              "01");
    EXPECT_EQ(ecdsa_der_to_raw(*der, 32).value(), raw);
}

TEST(EcdsaEncoding, RejectsBadDer) {
    const char* bad[] = {
        "",                    // empty
        "3006020101020101ff",  // trailing byte after the sequence
        "3006020180020101",    // negative r
        "300702020001020101",  // r not minimally encoded
        "3006020100020101",    // r = 0
        "3103020101",          // not a SEQUENCE
        "30050201010201",      // truncated
        "3008020101020101",    // sequence length larger than its contents
    };
    for (const char* h : bad) {
        EXPECT_EQ(ecdsa_der_to_raw(core::from_hex(h).value(), 32).error(), Error::DecodeFailed) << h;
    }
    Bytes too_big = {0x30, 0x26, 0x02, 0x21};
    too_big.insert(too_big.end(), 33, 0x01);
    too_big.insert(too_big.end(), {0x02, 0x01, 0x01});
    EXPECT_EQ(ecdsa_der_to_raw(too_big, 32).error(), Error::DecodeFailed);
    EXPECT_EQ(ecdsa_raw_to_der(Bytes(63, 1)).error(), Error::InvalidInputLength);
    EXPECT_EQ(ecdsa_raw_to_der({}).error(), Error::InvalidInputLength);
}

// The asymmetric self-test (kat_asymmetric.cpp) passes in full.
TEST(AsymmetricKats, AllPass) {
    const auto results = run_asymmetric_kats();
    ASSERT_EQ(results.size(), 13u);
    for (const KatResult& r : results) EXPECT_TRUE(r.ok) << r.name << ": " << r.detail;
}

}  // namespace
}  // namespace strata::crypto
