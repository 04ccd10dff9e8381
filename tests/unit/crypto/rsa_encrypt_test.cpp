#include "crypto/rsa_encrypt.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

namespace strata::crypto {
namespace {

using core::Bytes;

const PrivateKey& rsa_key() {
    static const PrivateKey key = PrivateKey::generate(SignatureAlg::RsaPkcs1Sha256, 2048).value();
    return key;
}

// plain_pkcs1_decrypt decrypts with ordinary RSA_PKCS1_PADDING, an oracle
// independent of the TLS padding mode.
Bytes plain_pkcs1_decrypt(const PrivateKey& key, core::ByteView ct) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr);
    Bytes out(512);
    std::size_t len = out.size();
    const bool ok = ctx != nullptr && EVP_PKEY_decrypt_init(ctx) == 1 &&
                    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                    EVP_PKEY_decrypt(ctx, out.data(), &len, ct.data(), ct.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) return {};
    out.resize(len);
    return out;
}

TEST(RsaEncrypt, Pkcs1RoundTripThroughPlainDecryption) {
    auto pub = rsa_key().public_key();
    ASSERT_TRUE(pub);
    const Bytes msg = {1, 2, 3, 4, 5};
    auto ct = rsa_pkcs1_encrypt(*pub, msg);
    ASSERT_TRUE(ct);
    EXPECT_EQ(ct->size(), 256u);
    EXPECT_EQ(plain_pkcs1_decrypt(rsa_key(), *ct), msg);
    // Encryption is randomised (RFC 8017 §7.2.1 PS is random).
    auto ct2 = rsa_pkcs1_encrypt(*pub, msg);
    ASSERT_TRUE(ct2);
    EXPECT_NE(*ct, *ct2);
}

TEST(RsaEncrypt, TooLongPlaintextAndWrongKeyType) {
    auto pub = rsa_key().public_key();
    ASSERT_TRUE(pub);
    EXPECT_TRUE(rsa_pkcs1_encrypt(*pub, Bytes(245, 1)));  // k - 11
    EXPECT_EQ(rsa_pkcs1_encrypt(*pub, Bytes(246, 1)).error(), core::Error::InvalidInputLength);
    auto ed = PrivateKey::generate(SignatureAlg::Ed25519);
    ASSERT_TRUE(ed);
    auto ed_pub = ed->public_key();
    ASSERT_TRUE(ed_pub);
    EXPECT_EQ(rsa_pkcs1_encrypt(*ed_pub, Bytes{1}).error(), core::Error::KeyMismatch);
    SeededRandom rng(Bytes{1});
    EXPECT_EQ(rsa_decrypt_tls_premaster(*ed, Bytes(64, 1), 0x0303, 0, rng).error(), core::Error::KeyMismatch);
}

TEST(RsaEncrypt, TlsPremasterDecryption) {
    auto pub = rsa_key().public_key();
    ASSERT_TRUE(pub);
    Bytes pms(48, 0x5c);
    pms[0] = 0x03;
    pms[1] = 0x03;
    auto ct = rsa_pkcs1_encrypt(*pub, pms);
    ASSERT_TRUE(ct);
    SeededRandom rng(Bytes{2});
    auto got = rsa_decrypt_tls_premaster(rsa_key(), *ct, 0x0303, 0, rng);
    ASSERT_TRUE(got);
    EXPECT_EQ(Bytes(got->view().begin(), got->view().end()), pms);
    // A version mismatch gives 48 other bytes, not an error.
    auto other = rsa_decrypt_tls_premaster(rsa_key(), *ct, 0x0302, 0, rng);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->size(), kTlsPremasterLength);
    EXPECT_NE(Bytes(other->view().begin(), other->view().end()), pms);
    // ... unless the alternative version is allowed.
    auto alt = rsa_decrypt_tls_premaster(rsa_key(), *ct, 0x0302, 0x0303, rng);
    ASSERT_TRUE(alt);
    EXPECT_EQ(Bytes(alt->view().begin(), alt->view().end()), pms);
}

TEST(RsaEncrypt, FailingRandomSourceIsTheOnlyError) {
    ReplayRandom empty(Bytes{});
    auto r = rsa_decrypt_tls_premaster(rsa_key(), Bytes(256, 1), 0x0303, 0, empty);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), core::Error::CryptoFailure);
}

}  // namespace
}  // namespace strata::crypto
