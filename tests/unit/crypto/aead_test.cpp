#include "crypto/aead.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/bytes.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::Error;

struct Param {
    AeadAlg alg;
    std::size_t icv;
};

class AeadRoundTrip : public ::testing::TestWithParam<Param> {};

std::string param_name(const ::testing::TestParamInfo<Param>& p) {
    static const char* const kNames[] = {"aes128gcm", "aes256gcm", "chacha20poly1305_"};
    return kNames[static_cast<int>(p.param.alg)] + std::to_string(p.param.icv);
}

Bytes key_for(AeadAlg alg) { return Bytes(aead_key_length(alg), 0x11); }

TEST_P(AeadRoundTrip, SealThenOpenRestoresPlaintext) {
    const auto [alg, icv] = GetParam();
    auto aead = Aead::create(alg, key_for(alg), icv);
    ASSERT_TRUE(aead);
    EXPECT_EQ(aead->icv_len(), icv);
    EXPECT_EQ(aead->nonce_len(), 12u);
    EXPECT_EQ(aead->key_len(), aead_key_length(alg));
    const Bytes nonce(12, 0x07), aad{1, 2, 3, 4, 5, 6, 7, 8};
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 1400u}) {
        Bytes pt(n);
        for (std::size_t i = 0; i < n; ++i) pt[i] = static_cast<std::uint8_t>(i);
        Bytes data = pt, tag(icv);
        ASSERT_TRUE(aead->seal(nonce, aad, data, tag));
        if (n > 0) {
            EXPECT_NE(data, pt);
        }
        ASSERT_TRUE(aead->open(nonce, aad, data, tag)) << n;
        EXPECT_EQ(data, pt);
    }
}

TEST_P(AeadRoundTrip, TamperingIsAuthenticationFailedAndWipes) {
    const auto [alg, icv] = GetParam();
    auto aead = Aead::create(alg, key_for(alg), icv);
    ASSERT_TRUE(aead);
    const Bytes nonce(12, 0x01), aad{9, 9, 9};
    const Bytes pt(100, 0x33);
    Bytes ct = pt, tag(icv);
    ASSERT_TRUE(aead->seal(nonce, aad, ct, tag));

    auto expect_refused = [&](Bytes data, const Bytes& n, const Bytes& a, const Bytes& t) {
        auto st = aead->open(n, a, data, t);
        ASSERT_FALSE(st);
        EXPECT_EQ(st.error(), Error::AuthenticationFailed);
        EXPECT_EQ(data, Bytes(data.size(), 0)) << "plaintext left behind";
    };
    Bytes bad = ct;
    bad[50] ^= 1;
    expect_refused(bad, nonce, aad, tag);
    Bytes bad_tag = tag;
    bad_tag[icv - 1] ^= 0x80;
    expect_refused(ct, nonce, aad, bad_tag);
    Bytes bad_aad = aad;
    bad_aad[0] ^= 1;
    expect_refused(ct, nonce, bad_aad, tag);
    Bytes bad_nonce = nonce;
    bad_nonce[11] ^= 1;
    expect_refused(ct, bad_nonce, aad, tag);
    // and the context still works after failures
    Bytes again = ct;
    ASSERT_TRUE(aead->open(nonce, aad, again, tag));
    EXPECT_EQ(again, pt);
}

TEST_P(AeadRoundTrip, KeyedOnceMatchesAFreshInstancePerNonce) {
    const auto [alg, icv] = GetParam();
    auto reused = Aead::create(alg, key_for(alg), icv);
    ASSERT_TRUE(reused);
    for (std::uint8_t i = 0; i < 5; ++i) {
        const Bytes nonce(12, i), aad{i};
        Bytes a(64, 0x5a), b(64, 0x5a), ta(icv), tb(icv);
        ASSERT_TRUE(reused->seal(nonce, aad, a, ta));
        auto fresh = Aead::create(alg, key_for(alg), icv);
        ASSERT_TRUE(fresh);
        ASSERT_TRUE(fresh->seal(nonce, aad, b, tb));
        EXPECT_EQ(a, b);
        EXPECT_EQ(ta, tb);
    }
}

INSTANTIATE_TEST_SUITE_P(All, AeadRoundTrip,
                         ::testing::Values(Param{AeadAlg::Aes128Gcm, 16}, Param{AeadAlg::Aes128Gcm, 12},
                                           Param{AeadAlg::Aes128Gcm, 8}, Param{AeadAlg::Aes256Gcm, 16},
                                           Param{AeadAlg::Aes256Gcm, 12}, Param{AeadAlg::Aes256Gcm, 8},
                                           Param{AeadAlg::ChaCha20Poly1305, 16}),
                         param_name);

TEST(Aead, TruncatedIcvIsLeftmostBytesOfFullTag) {
    auto full = Aead::create(AeadAlg::Aes128Gcm, Bytes(16, 2), 16);
    auto short8 = Aead::create(AeadAlg::Aes128Gcm, Bytes(16, 2), 8);
    ASSERT_TRUE(full && short8);
    const Bytes nonce(12, 3);
    Bytes a(40, 4), b(40, 4), ta(16), tb(8);
    ASSERT_TRUE(full->seal(nonce, {}, a, ta));
    ASSERT_TRUE(short8->seal(nonce, {}, b, tb));
    EXPECT_EQ(a, b);
    EXPECT_EQ(Bytes(ta.begin(), ta.begin() + 8), tb);
}

TEST(Aead, WrongKeyLength) {
    for (auto [alg, len] : {std::pair{AeadAlg::Aes128Gcm, 32u}, std::pair{AeadAlg::Aes256Gcm, 16u},
                            std::pair{AeadAlg::ChaCha20Poly1305, 16u}, std::pair{AeadAlg::Aes128Gcm, 0u}}) {
        auto r = Aead::create(alg, Bytes(len, 1), 16);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), Error::InvalidKeyLength);
    }
}

TEST(Aead, WrongIcvLength) {
    for (auto [alg, icv] : {std::pair{AeadAlg::Aes128Gcm, 4u}, std::pair{AeadAlg::Aes128Gcm, 17u},
                            std::pair{AeadAlg::Aes256Gcm, 0u}, std::pair{AeadAlg::ChaCha20Poly1305, 12u},
                            std::pair{AeadAlg::ChaCha20Poly1305, 8u}}) {
        auto r = Aead::create(alg, Bytes(aead_key_length(alg), 1), icv);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), Error::InvalidTagLength);
    }
}

TEST(Aead, WrongNonceLengthAndShortBuffers) {
    auto aead = Aead::create(AeadAlg::ChaCha20Poly1305, Bytes(32, 1), 16);
    ASSERT_TRUE(aead);
    Bytes data(10), tag(16);
    for (std::size_t n : {0u, 8u, 11u, 13u, 16u}) {
        auto st = aead->seal(Bytes(n), {}, data, tag);
        ASSERT_FALSE(st);
        EXPECT_EQ(st.error(), Error::InvalidNonceLength);
        auto st2 = aead->open(Bytes(n), {}, data, tag);
        ASSERT_FALSE(st2);
        EXPECT_EQ(st2.error(), Error::InvalidNonceLength);
    }
    Bytes short_tag(15);
    auto st = aead->seal(Bytes(12), {}, data, short_tag);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::BufferTooSmall);
    auto st2 = aead->open(Bytes(12), {}, data, short_tag);
    ASSERT_FALSE(st2);
    EXPECT_EQ(st2.error(), Error::InvalidTagLength);
}

TEST(Aead, MoveOnlyAndMovedFromFails) {
    auto r = Aead::create(AeadAlg::Aes256Gcm, Bytes(32, 9), 16);
    ASSERT_TRUE(r);
    Aead a = std::move(r).value();
    Aead b = std::move(a);
    Bytes data(16), tag(16);
    EXPECT_TRUE(b.seal(Bytes(12), {}, data, tag));
    auto st = a.seal(Bytes(12), {}, data, tag);  // NOLINT(bugprone-use-after-move)
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::CryptoFailure);
    static_assert(!std::is_copy_constructible_v<Aead>);
    static_assert(std::is_nothrow_move_constructible_v<Aead>);
}

}  // namespace
}  // namespace strata::crypto
