#include "tls/rsa_premaster.hpp"

#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "crypto/rsa_encrypt.hpp"

namespace strata::tls {
namespace {

using core::Bytes;

Bytes bytes_of(core::ByteView v) { return Bytes(v.begin(), v.end()); }

// One 2048-bit key for the whole suite (RSA generation is slow).
const crypto::PrivateKey& server_key() {
    static const crypto::PrivateKey key =
        crypto::PrivateKey::generate(crypto::SignatureAlg::RsaPkcs1Sha256, 2048).value();
    return key;
}

TEST(RsaPremaster, RoundTrip) {
    crypto::SeededRandom rng(Bytes{1});
    auto pub = server_key().public_key();
    ASSERT_TRUE(pub);
    auto client = make_rsa_premaster(*pub, kTls12, rng);
    ASSERT_TRUE(client);
    ASSERT_EQ(client->premaster.size(), kPremasterLength);
    // RFC 5246 §7.4.7.1: the first two bytes are client_version.
    EXPECT_EQ(client->premaster.data()[0], 0x03);
    EXPECT_EQ(client->premaster.data()[1], 0x03);
    EXPECT_EQ(client->encrypted_pre_master_secret.size(), 256u);

    crypto::SeededRandom server_rng(Bytes{2});
    auto got = decrypt_rsa_premaster(server_key(), client->encrypted_pre_master_secret, kTls12, server_rng);
    ASSERT_TRUE(got);
    EXPECT_EQ(bytes_of(*got), bytes_of(client->premaster));
}

TEST(RsaPremaster, TamperedCiphertextGivesRandomPremasterWithoutError) {
    crypto::SeededRandom rng(Bytes{3});
    auto pub = server_key().public_key();
    ASSERT_TRUE(pub);
    auto client = make_rsa_premaster(*pub, kTls12, rng);
    ASSERT_TRUE(client);
    for (std::size_t pos : {std::size_t{0}, std::size_t{100}, std::size_t{255}}) {
        SCOPED_TRACE(pos);
        Bytes ct = client->encrypted_pre_master_secret;
        ct[pos] ^= 0x01;
        crypto::SeededRandom server_rng(Bytes{4});
        auto got = decrypt_rsa_premaster(server_key(), ct, kTls12, server_rng);
        ASSERT_TRUE(got);  // no error path (RFC 5246 §7.4.7.1)
        EXPECT_EQ(got->size(), kPremasterLength);
        EXPECT_NE(bytes_of(*got), bytes_of(client->premaster));
    }
}

TEST(RsaPremaster, WrongVersionGivesRandomPremasterWithoutError) {
    crypto::SeededRandom rng(Bytes{5});
    auto pub = server_key().public_key();
    ASSERT_TRUE(pub);
    // The client claims TLS 1.1 in the premaster but the server saw 1.2 in
    // ClientHello: a version rollback.
    auto client = make_rsa_premaster(*pub, kTls11, rng);
    ASSERT_TRUE(client);
    crypto::SeededRandom server_rng(Bytes{6});
    auto got = decrypt_rsa_premaster(server_key(), client->encrypted_pre_master_secret, kTls12, server_rng);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->size(), kPremasterLength);
    EXPECT_NE(bytes_of(*got), bytes_of(client->premaster));
    // With the negotiated version explicitly accepted (old clients), it decrypts.
    crypto::SeededRandom server_rng2(Bytes{6});
    auto lenient = decrypt_rsa_premaster(server_key(), client->encrypted_pre_master_secret, kTls12,
                                         server_rng2, kTls11, true);
    ASSERT_TRUE(lenient);
    EXPECT_EQ(bytes_of(*lenient), bytes_of(client->premaster));
}

TEST(RsaPremaster, WrongPlaintextLengthGivesRandomPremaster) {
    auto pub = server_key().public_key();
    ASSERT_TRUE(pub);
    // A well-padded plaintext of 47 bytes with the right version.
    Bytes short_pms(47, 0x11);
    short_pms[0] = 0x03;
    short_pms[1] = 0x03;
    auto ct = crypto::rsa_pkcs1_encrypt(*pub, short_pms);
    ASSERT_TRUE(ct);
    crypto::SeededRandom server_rng(Bytes{7});
    auto got = decrypt_rsa_premaster(server_key(), *ct, kTls12, server_rng);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->size(), kPremasterLength);
    EXPECT_NE(Bytes(got->view().begin(), got->view().begin() + 47), short_pms);
}

TEST(RsaPremaster, PublicLengthErrorsAlsoGiveRandomPremaster) {
    for (const Bytes& ct : {Bytes{}, Bytes(255, 0x01), Bytes(257, 0x01), Bytes(256, 0xff)}) {
        SCOPED_TRACE(ct.size());
        crypto::SeededRandom server_rng(Bytes{8});
        auto got = decrypt_rsa_premaster(server_key(), ct, kTls12, server_rng);
        ASSERT_TRUE(got);
        EXPECT_EQ(got->size(), kPremasterLength);
    }
    // Two decryptions of the same bad ciphertext draw fresh randomness.
    crypto::SeededRandom a(Bytes{9});
    crypto::SeededRandom b(Bytes{10});
    auto x = decrypt_rsa_premaster(server_key(), Bytes(256, 0xff), kTls12, a);
    auto y = decrypt_rsa_premaster(server_key(), Bytes(256, 0xff), kTls12, b);
    ASSERT_TRUE(x && y);
    EXPECT_NE(bytes_of(*x), bytes_of(*y));
}

TEST(RsaPremaster, NonRsaKeysRefused) {
    auto ec = crypto::PrivateKey::generate(crypto::SignatureAlg::EcdsaP256Sha256);
    ASSERT_TRUE(ec);
    auto ec_pub = ec->public_key();
    ASSERT_TRUE(ec_pub);
    crypto::SeededRandom rng(Bytes{11});
    EXPECT_EQ(make_rsa_premaster(*ec_pub, kTls12, rng).error(), Error::HandshakeFailure);
    EXPECT_EQ(decrypt_rsa_premaster(*ec, Bytes(64, 1), kTls12, rng).error(), Error::InternalError);
}

}  // namespace
}  // namespace strata::tls
