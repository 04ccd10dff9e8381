#include "crypto/dh.hpp"

#include <array>

#include <gtest/gtest.h>

#include "core/hex.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::Error;

constexpr std::array kAllGroups = {DhGroup::Modp1024, DhGroup::Modp2048, DhGroup::Modp3072,
                                   DhGroup::Ecp256,   DhGroup::Ecp384,   DhGroup::X25519};

Bytes unhex(std::string_view h) { return core::from_hex(h).value(); }

class AllGroups : public ::testing::TestWithParam<DhGroup> {};

TEST_P(AllGroups, AgreeInBothEncodings) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::generate(g);
    auto b = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    for (Encoding e : {Encoding::Ike, Encoding::Tls}) {
        const Bytes pa = a->public_value(e);
        const Bytes pb = b->public_value(e);
        EXPECT_EQ(pa.size(), public_value_length(g, e));
        auto sa = a->derive(pb, e);
        auto sb = b->derive(pa, e);
        ASSERT_TRUE(sa) << core::to_string(sa.error());
        ASSERT_TRUE(sb) << core::to_string(sb.error());
        EXPECT_EQ(sa->size(), shared_secret_length(g));
        EXPECT_TRUE(core::equal_public(*sa, *sb));
    }
}

TEST_P(AllGroups, WrongLengthIsRejected) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    for (Encoding e : {Encoding::Ike, Encoding::Tls}) {
        Bytes pub = a->public_value(e);
        Bytes longer = pub;
        longer.push_back(0);
        Bytes shorter(pub.begin(), pub.end() - 1);
        EXPECT_EQ(a->derive(longer, e).error(), Error::InvalidKeyLength);
        EXPECT_EQ(a->derive(shorter, e).error(), Error::InvalidKeyLength);
        EXPECT_EQ(a->derive({}, e).error(), Error::InvalidKeyLength);
    }
}

TEST_P(AllGroups, SeededGenerationIsReproducible) {
    const DhGroup g = GetParam();
    const std::array<std::uint8_t, 3> seed = {9, 9, 9};
    SeededRandom r1(seed);
    SeededRandom r2(seed);
    auto a = KeyExchange::generate(g, r1);
    auto b = KeyExchange::generate(g, r2);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(a->public_value(Encoding::Tls), b->public_value(Encoding::Tls));
    auto c = KeyExchange::generate(g);
    ASSERT_TRUE(c);
    auto s1 = a->derive(c->public_value(Encoding::Ike), Encoding::Ike);
    auto s2 = c->derive(a->public_value(Encoding::Ike), Encoding::Ike);
    ASSERT_TRUE(s1);
    ASSERT_TRUE(s2);
    EXPECT_TRUE(core::equal_public(*s1, *s2));
}

TEST_P(AllGroups, SystemRandomGeneratesFreshKeysInTheSameEncoding) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::generate(g, system_random());
    auto b = KeyExchange::generate(g, system_random());
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_NE(a->public_value(Encoding::Tls), b->public_value(Encoding::Tls));
    const Bytes tls = a->public_value(Encoding::Tls);
    const Bytes ike = a->public_value(Encoding::Ike);
    ASSERT_EQ(tls.size(), public_value_length(g, Encoding::Tls));
    ASSERT_EQ(ike.size(), public_value_length(g, Encoding::Ike));
    if (g == DhGroup::Ecp256 || g == DhGroup::Ecp384) {
        // RFC 8446 §4.2.8.2 uncompressed point; RFC 5903 §7 x||y.
        EXPECT_EQ(tls.front(), 0x04);
        EXPECT_EQ(Bytes(tls.begin() + 1, tls.end()), ike);
    } else {
        EXPECT_EQ(tls, ike);
    }
    // A key loaded from a fixed private value agrees with it both ways.
    const std::array<std::uint8_t, 1> seed = {7};
    SeededRandom r(seed);
    auto c = KeyExchange::generate(g, r);
    ASSERT_TRUE(c);
    for (Encoding e : {Encoding::Ike, Encoding::Tls}) {
        auto s1 = a->derive(c->public_value(e), e);
        auto s2 = c->derive(a->public_value(e), e);
        ASSERT_TRUE(s1) << core::to_string(s1.error());
        ASSERT_TRUE(s2) << core::to_string(s2.error());
        EXPECT_TRUE(core::equal_public(*s1, *s2));
    }
}

TEST(DhReplay, ReplaySourceStillDrawsThePrivateKey) {
    // RFC 7748 §6.1 Alice's private key: the replayed draw must become the key.
    const Bytes alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    ReplayRandom replay(alice);
    auto kx = KeyExchange::generate(DhGroup::X25519, replay);
    ASSERT_TRUE(kx);
    EXPECT_EQ(kx->public_value(Encoding::Tls),
              unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
}

INSTANTIATE_TEST_SUITE_P(Dh, AllGroups, ::testing::ValuesIn(kAllGroups));

// ---- MODP

class Modp : public ::testing::TestWithParam<DhGroup> {};

TEST_P(Modp, RejectsOutOfRangePeerValues) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    const Bytes p = modp_prime(g);
    ASSERT_EQ(p.size(), public_value_length(g, Encoding::Ike));
    Bytes zero(p.size(), 0);
    Bytes one(p.size(), 0);
    one.back() = 1;
    Bytes p_minus_1 = p;
    p_minus_1.back() = static_cast<std::uint8_t>(p_minus_1.back() - 1);  // p ends in ff
    Bytes all_ff(p.size(), 0xff);
    for (Encoding e : {Encoding::Ike, Encoding::Tls}) {
        EXPECT_EQ(a->derive(zero, e).error(), Error::InvalidPublicValue);
        EXPECT_EQ(a->derive(one, e).error(), Error::InvalidPublicValue);
        EXPECT_EQ(a->derive(p_minus_1, e).error(), Error::InvalidPublicValue);
        EXPECT_EQ(a->derive(p, e).error(), Error::InvalidPublicValue);
        EXPECT_EQ(a->derive(all_ff, e).error(), Error::InvalidPublicValue);
    }
    Bytes two(p.size(), 0);
    two.back() = 2;  // smallest value in range
    EXPECT_TRUE(a->derive(two, Encoding::Ike));
}

TEST_P(Modp, FromPrivateMatchesPeer) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::from_private(g, unhex("0123456789abcdef0123456789abcdef"));
    auto a2 = KeyExchange::from_private(g, unhex("0123456789abcdef0123456789abcdef"));
    auto b = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    ASSERT_TRUE(a2);
    ASSERT_TRUE(b);
    EXPECT_EQ(a->public_value(Encoding::Ike), a2->public_value(Encoding::Ike));
    auto s1 = a->derive(b->public_value(Encoding::Ike), Encoding::Ike);
    auto s2 = b->derive(a->public_value(Encoding::Ike), Encoding::Ike);
    ASSERT_TRUE(s1);
    ASSERT_TRUE(s2);
    EXPECT_TRUE(core::equal_public(*s1, *s2));
}

TEST_P(Modp, FromPrivateRejectsBadExponents) {
    const DhGroup g = GetParam();
    const Bytes p = modp_prime(g);
    EXPECT_EQ(KeyExchange::from_private(g, {}).error(), Error::InvalidKeyLength);
    EXPECT_EQ(KeyExchange::from_private(g, unhex("01")).error(), Error::InvalidKeyLength);
    EXPECT_EQ(KeyExchange::from_private(g, p).error(), Error::InvalidKeyLength);
    Bytes too_long(p.size() + 1, 1);
    EXPECT_EQ(KeyExchange::from_private(g, too_long).error(), Error::InvalidKeyLength);
}

TEST_P(Modp, GeneratorTwoGivesPublicTwoToTheX) {
    // x = 2: y = g^2 = 4.
    auto a = KeyExchange::from_private(GetParam(), unhex("02"));
    ASSERT_TRUE(a);
    Bytes expected(modp_prime(GetParam()).size(), 0);
    expected.back() = 4;
    EXPECT_EQ(a->public_value(Encoding::Ike), expected);
}

INSTANTIATE_TEST_SUITE_P(Dh, Modp,
                         ::testing::Values(DhGroup::Modp1024, DhGroup::Modp2048, DhGroup::Modp3072));

TEST(Modp, EmbeddedPrimesMatchLibcrypto) {
    for (DhGroup g : {DhGroup::Modp2048, DhGroup::Modp3072}) {
        auto builtin = openssl_modp_prime(g);
        ASSERT_TRUE(builtin);
        EXPECT_EQ(*builtin, modp_prime(g));
    }
    EXPECT_EQ(openssl_modp_prime(DhGroup::Modp1024).error(), Error::UnsupportedAlgorithm);
    EXPECT_EQ(modp_prime(DhGroup::Modp1024).size(), 128u);
    EXPECT_TRUE(modp_prime(DhGroup::X25519).empty());
}

// ---- ECP

class Ecp : public ::testing::TestWithParam<DhGroup> {};

TEST_P(Ecp, RejectsPointOffCurve) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::generate(g);
    auto b = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    Bytes ike = b->public_value(Encoding::Ike);
    ike.back() ^= 0x01;  // y changed: (x, y') is not on the curve
    EXPECT_EQ(a->derive(ike, Encoding::Ike).error(), Error::InvalidPublicValue);
    Bytes tls = b->public_value(Encoding::Tls);
    tls.back() ^= 0x01;
    EXPECT_EQ(a->derive(tls, Encoding::Tls).error(), Error::InvalidPublicValue);
    Bytes zeros(public_value_length(g, Encoding::Ike), 0);
    EXPECT_EQ(a->derive(zeros, Encoding::Ike).error(), Error::InvalidPublicValue);
}

TEST_P(Ecp, TlsNeedsUncompressedPrefix) {
    const DhGroup g = GetParam();
    auto a = KeyExchange::generate(g);
    ASSERT_TRUE(a);
    Bytes tls = a->public_value(Encoding::Tls);
    ASSERT_EQ(tls[0], 0x04);
    EXPECT_EQ(Bytes(tls.begin() + 1, tls.end()), a->public_value(Encoding::Ike));
    tls[0] = 0x02;
    EXPECT_EQ(a->derive(tls, Encoding::Tls).error(), Error::InvalidPublicValue);
    // The IKE form in a TLS slot (and vice versa) has the wrong length.
    EXPECT_EQ(a->derive(a->public_value(Encoding::Ike), Encoding::Tls).error(), Error::InvalidKeyLength);
    EXPECT_EQ(a->derive(a->public_value(Encoding::Tls), Encoding::Ike).error(), Error::InvalidKeyLength);
}

TEST_P(Ecp, FromPrivateRejectsOutOfRangeScalars) {
    const DhGroup g = GetParam();
    const std::size_t n = g == DhGroup::Ecp256 ? 32 : 48;
    EXPECT_EQ(KeyExchange::from_private(g, Bytes(n, 0)).error(), Error::InvalidKeyLength);
    EXPECT_EQ(KeyExchange::from_private(g, Bytes(n, 0xff)).error(), Error::InvalidKeyLength);  // > order
    EXPECT_EQ(KeyExchange::from_private(g, Bytes(n - 1, 1)).error(), Error::InvalidKeyLength);
    EXPECT_EQ(KeyExchange::from_private(g, Bytes(n + 1, 1)).error(), Error::InvalidKeyLength);
}

INSTANTIATE_TEST_SUITE_P(Dh, Ecp, ::testing::Values(DhGroup::Ecp256, DhGroup::Ecp384));

TEST(Ecp, ScalarOneGivesGenerator) {
    Bytes one(32, 0);
    one.back() = 1;
    auto a = KeyExchange::from_private(DhGroup::Ecp256, one);
    ASSERT_TRUE(a);
    // SEC 2 §2.4.2: the x-coordinate of the P-256 base point G.
    EXPECT_EQ(core::to_hex(a->public_value(Encoding::Ike)).substr(0, 64),
              "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
}

// ---- X25519

TEST(X25519, LowOrderPointsGiveZeroSecret) {
    auto a = KeyExchange::generate(DhGroup::X25519);
    ASSERT_TRUE(a);
    // RFC 7748 §6.1: points of small order make the output all-zero.
    const char* low_order[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",  // 0
        "0100000000000000000000000000000000000000000000000000000000000000",  // 1
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
    };
    for (const char* u : low_order) {
        for (Encoding e : {Encoding::Ike, Encoding::Tls}) {
            auto s = a->derive(unhex(u), e);
            ASSERT_FALSE(s) << u;
            EXPECT_EQ(s.error(), Error::SharedSecretZero) << u;
        }
        EXPECT_EQ(x25519(Bytes(32, 0x42), unhex(u)).error(), Error::SharedSecretZero);
    }
}

TEST(X25519, RawFunctionChecksLengths) {
    EXPECT_EQ(x25519(Bytes(31, 1), Bytes(32, 9)).error(), Error::InvalidKeyLength);
    EXPECT_EQ(x25519(Bytes(32, 1), Bytes(33, 9)).error(), Error::InvalidKeyLength);
    EXPECT_EQ(KeyExchange::from_private(DhGroup::X25519, Bytes(31, 1)).error(), Error::InvalidKeyLength);
}

TEST(X25519, PublicIsScalarTimesBasePoint) {
    Bytes base(32, 0);
    base[0] = 9;
    auto kx = KeyExchange::from_private(DhGroup::X25519, Bytes(32, 0x77));
    ASSERT_TRUE(kx);
    auto direct = x25519(Bytes(32, 0x77), base);
    ASSERT_TRUE(direct);
    EXPECT_TRUE(core::equal_public(*direct, kx->public_value(Encoding::Ike)));
}

TEST(Dh, LengthsPerGroup) {
    EXPECT_EQ(public_value_length(DhGroup::Modp2048, Encoding::Ike), 256u);
    EXPECT_EQ(public_value_length(DhGroup::Ecp256, Encoding::Ike), 64u);
    EXPECT_EQ(public_value_length(DhGroup::Ecp256, Encoding::Tls), 65u);
    EXPECT_EQ(public_value_length(DhGroup::Ecp384, Encoding::Tls), 97u);
    EXPECT_EQ(public_value_length(DhGroup::X25519, Encoding::Tls), 32u);
    EXPECT_EQ(shared_secret_length(DhGroup::Ecp384), 48u);
}

}  // namespace
}  // namespace strata::crypto
