#include "crypto/cipher.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/bytes.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::Error;

class CipherAll : public ::testing::TestWithParam<CipherAlg> {};

std::string param_name(const ::testing::TestParamInfo<CipherAlg>& p) {
    static const char* const kNames[] = {"null", "aes128", "aes192", "aes256", "tripledes"};
    return kNames[static_cast<int>(p.param)];
}

TEST_P(CipherAll, RoundTripInPlace) {
    const CipherAlg alg = GetParam();
    auto c = BlockCipher::create(alg, Bytes(cipher_key_length(alg), 0x2b));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->key_len(), cipher_key_length(alg));
    const Bytes iv(c->iv_len(), 0x0f);
    for (std::size_t blocks : {0u, 1u, 3u, 90u}) {
        Bytes pt(blocks * c->block_size());
        for (std::size_t i = 0; i < pt.size(); ++i) pt[i] = static_cast<std::uint8_t>(i * 7);
        Bytes data = pt;
        ASSERT_TRUE(c->encrypt(iv, data));
        if (alg == CipherAlg::Null) {
            EXPECT_EQ(data, pt);
        } else if (!pt.empty()) {
            EXPECT_NE(data, pt);
        }
        ASSERT_TRUE(c->decrypt(iv, data));
        EXPECT_EQ(data, pt);
    }
}

TEST_P(CipherAll, PartialBlockIsInvalidInputLength) {
    const CipherAlg alg = GetParam();
    auto c = BlockCipher::create(alg, Bytes(cipher_key_length(alg), 1));
    ASSERT_TRUE(c);
    if (c->block_size() == 1) {  // NULL: every length is whole blocks
        Bytes any(17, 1);
        EXPECT_TRUE(c->encrypt({}, any));
        return;
    }
    Bytes data(c->block_size() + 1);
    auto st = c->encrypt(Bytes(c->iv_len()), data);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::InvalidInputLength);
    auto st2 = c->decrypt(Bytes(c->iv_len()), data);
    ASSERT_FALSE(st2);
    EXPECT_EQ(st2.error(), Error::InvalidInputLength);
}

TEST_P(CipherAll, WrongKeyAndIvLengths) {
    const CipherAlg alg = GetParam();
    auto bad = BlockCipher::create(alg, Bytes(cipher_key_length(alg) + 1, 1));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), Error::InvalidKeyLength);
    auto c = BlockCipher::create(alg, Bytes(cipher_key_length(alg), 1));
    ASSERT_TRUE(c);
    Bytes data(c->block_size() * 2);
    auto st = c->encrypt(Bytes(c->iv_len() + 1), data);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::InvalidNonceLength);
}

INSTANTIATE_TEST_SUITE_P(All, CipherAll,
                         ::testing::Values(CipherAlg::Null, CipherAlg::Aes128Cbc, CipherAlg::Aes192Cbc,
                                           CipherAlg::Aes256Cbc, CipherAlg::TripleDesCbc),
                         param_name);

TEST(Cipher, Geometry) {
    EXPECT_EQ(cipher_block_size(CipherAlg::Aes256Cbc), 16u);
    EXPECT_EQ(cipher_iv_length(CipherAlg::Aes128Cbc), 16u);
    EXPECT_EQ(cipher_block_size(CipherAlg::TripleDesCbc), 8u);
    EXPECT_EQ(cipher_iv_length(CipherAlg::TripleDesCbc), 8u);
    EXPECT_EQ(cipher_key_length(CipherAlg::TripleDesCbc), 24u);
    EXPECT_EQ(cipher_key_length(CipherAlg::Null), 0u);
    EXPECT_EQ(cipher_iv_length(CipherAlg::Null), 0u);
}

// CBC chaining: encrypting two blocks in one call equals two calls where the
// second IV is the first ciphertext block (RFC 3602 §2.3).
TEST(Cipher, CbcChainsAcrossCalls) {
    auto c = BlockCipher::create(CipherAlg::Aes128Cbc, Bytes(16, 3));
    ASSERT_TRUE(c);
    const Bytes iv(16, 4);
    Bytes whole(32, 0x77);
    ASSERT_TRUE(c->encrypt(iv, whole));
    Bytes first(16, 0x77), second(16, 0x77);
    ASSERT_TRUE(c->encrypt(iv, first));
    ASSERT_TRUE(c->encrypt(first, second));
    EXPECT_EQ(Bytes(whole.begin(), whole.begin() + 16), first);
    EXPECT_EQ(Bytes(whole.begin() + 16, whole.end()), second);
}

}  // namespace
}  // namespace strata::crypto
