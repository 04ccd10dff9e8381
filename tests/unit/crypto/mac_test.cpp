#include "crypto/mac.hpp"

#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "crypto/hash.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::Error;

constexpr MacAlg kAll[] = {MacAlg::HmacMd5_96,     MacAlg::HmacSha1_96,    MacAlg::HmacSha256_128,
                           MacAlg::HmacSha384_192, MacAlg::HmacSha512_256, MacAlg::HmacMd5,
                           MacAlg::HmacSha1,       MacAlg::HmacSha256,     MacAlg::HmacSha384,
                           MacAlg::HmacSha512};

TEST(Mac, OutputLengths) {
    EXPECT_EQ(mac_output_length(MacAlg::HmacMd5_96), 12u);
    EXPECT_EQ(mac_output_length(MacAlg::HmacSha1_96), 12u);
    EXPECT_EQ(mac_output_length(MacAlg::HmacSha256_128), 16u);
    EXPECT_EQ(mac_output_length(MacAlg::HmacSha384_192), 24u);
    EXPECT_EQ(mac_output_length(MacAlg::HmacSha512_256), 32u);
    EXPECT_EQ(mac_output_length(MacAlg::HmacSha512), 64u);
}

TEST(Mac, KeyReusedAcrossMessagesAndTruncationIsPrefix) {
    const Bytes key(37, 0x0c);
    for (MacAlg alg : kAll) {
        auto m = Mac::create(alg, key);
        ASSERT_TRUE(m);
        const Bytes d1{1, 2, 3}, d2(300, 0xfe);
        Bytes t1(m->output_len()), t2(m->output_len()), t1_again(m->output_len());
        ASSERT_TRUE(m->compute(d1, t1));
        ASSERT_TRUE(m->compute(d2, t2));
        ASSERT_TRUE(m->compute(d1, t1_again));  // EVP_MAC_init(ctx, NULL, 0, NULL) kept the key
        EXPECT_EQ(t1, t1_again);
        EXPECT_NE(t1, t2);
        const Bytes full = hmac(mac_hash(alg), key, d1).value();
        EXPECT_EQ(t1, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(m->output_len())));
    }
}

TEST(Mac, MultiPartEqualsOneShot) {
    for (MacAlg alg : kAll) {
        auto m = Mac::create(alg, Bytes{0x4a, 0x65, 0x66, 0x65});
        ASSERT_TRUE(m);
        Bytes data(1000);
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
        Bytes one(m->output_len()), multi(m->output_len());
        ASSERT_TRUE(m->compute(data, one));
        ASSERT_TRUE(m->init());
        const core::ByteView v(data);
        ASSERT_TRUE(m->update(v.first(1)));
        ASSERT_TRUE(m->update(v.subspan(1, 0)));
        ASSERT_TRUE(m->update(v.subspan(1, 500)));
        ASSERT_TRUE(m->update(v.subspan(501)));
        ASSERT_TRUE(m->final(multi));
        EXPECT_EQ(one, multi);
        ASSERT_TRUE(m->init());
        ASSERT_TRUE(m->update(v));
        EXPECT_TRUE(m->final_verify(one));
    }
}

TEST(Mac, VerifyAcceptsRightTagAndRefusesWrongOnes) {
    auto m = Mac::create(MacAlg::HmacSha256_128, Bytes(32, 7));
    ASSERT_TRUE(m);
    const Bytes data{'h', 'i'};
    Bytes tag(16);
    ASSERT_TRUE(m->compute(data, tag));
    EXPECT_TRUE(m->verify(data, tag));
    for (std::size_t i = 0; i < tag.size(); ++i) {
        Bytes bad = tag;
        bad[i] ^= 1;
        auto st = m->verify(data, bad);
        ASSERT_FALSE(st);
        EXPECT_EQ(st.error(), Error::AuthenticationFailed);
    }
    auto st = m->verify(data, Bytes(tag.begin(), tag.begin() + 12));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::InvalidTagLength);
    auto st2 = m->verify(data, Bytes(32));  // untruncated length is not accepted either
    ASSERT_FALSE(st2);
    EXPECT_EQ(st2.error(), Error::InvalidTagLength);
}

TEST(Mac, ShortOutputBuffer) {
    auto m = Mac::create(MacAlg::HmacSha1_96, Bytes(20, 1));
    ASSERT_TRUE(m);
    Bytes out(11);
    auto st = m->compute(Bytes{1}, out);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::BufferTooSmall);
    Bytes roomy(20, 0xee);  // a longer buffer gets exactly output_len() bytes
    ASSERT_TRUE(m->compute(Bytes{1}, roomy));
    EXPECT_EQ(roomy[12], 0xee);
}

// RFC 2104 §2: an empty key is a block of zeros; so is a zero key of any length
// up to the block size.
TEST(Mac, EmptyKeyEqualsZeroKey) {
    const Bytes data{1, 2, 3};
    EXPECT_EQ(hmac(HashAlg::Sha256, {}, data).value(), hmac(HashAlg::Sha256, Bytes(32, 0), data).value());
}

// RFC 4231 §4.3 test case 2 through the free helper.
TEST(Mac, OneShotHelper) {
    const Bytes key = core::from_hex("4a656665").value();
    const Bytes data = core::from_hex("7768617420646f2079612077616e7420666f72206e6f7468696e673f").value();
    EXPECT_EQ(core::to_hex(hmac(HashAlg::Sha224, key, data).value()),
              "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
}

TEST(Mac, MovedFromFails) {
    auto r = Mac::create(MacAlg::HmacSha256, Bytes(32, 1));
    ASSERT_TRUE(r);
    Mac a = std::move(r).value();
    Mac b = std::move(a);
    Bytes out(32);
    EXPECT_TRUE(b.compute(Bytes{1}, out));
    EXPECT_FALSE(a.compute(Bytes{1}, out));  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace strata::crypto
