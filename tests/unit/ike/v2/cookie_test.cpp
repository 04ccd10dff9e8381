// Tests of the stateless responder COOKIE (RFC 7296 §2.6).
#include "ike/v2/cookie.hpp"

#include <gtest/gtest.h>

namespace strata::ike::v2 {
namespace {

core::ByteView text(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Jar : ::testing::Test {
    crypto::SeededRandom rng{text("cookie")};
    CookieJar jar{rng, std::chrono::minutes(5)};
    core::Instant t0{};
    packet::IpAddress ip = *packet::IpAddress::parse("198.51.100.1");
    core::Bytes ni = core::Bytes(32, 0x11);
};

TEST_F(Jar, CookieChecksForTheSameRequestOnly) {
    auto c = jar.make(ni, ip, 0x0102030405060708ULL, t0);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->size(), kCookieLength);
    EXPECT_TRUE(jar.check(*c, ni, ip, 0x0102030405060708ULL, t0));
    EXPECT_FALSE(jar.check(*c, ni, ip, 0x0102030405060709ULL, t0));
    EXPECT_FALSE(jar.check(*c, ni, *packet::IpAddress::parse("198.51.100.9"), 0x0102030405060708ULL, t0));
    core::Bytes other_ni = ni;
    other_ni[5] ^= 1;
    EXPECT_FALSE(jar.check(*c, other_ni, ip, 0x0102030405060708ULL, t0));
    core::Bytes bad = *c;
    bad.back() ^= 1;
    EXPECT_FALSE(jar.check(bad, ni, ip, 0x0102030405060708ULL, t0));
    EXPECT_FALSE(jar.check(core::ByteView(*c).subspan(1), ni, ip, 0x0102030405060708ULL, t0));
    EXPECT_FALSE(jar.check({}, ni, ip, 0x0102030405060708ULL, t0));
}

TEST_F(Jar, PreviousSecretStillAcceptedForOneLifetime) {
    auto c = jar.make(ni, ip, 7, t0);
    ASSERT_TRUE(c);
    EXPECT_EQ(jar.version(), 1U);
    const auto t1 = t0 + std::chrono::minutes(6);  // rotated once
    EXPECT_TRUE(jar.check(*c, ni, ip, 7, t1));
    EXPECT_EQ(jar.version(), 2U);
    auto c2 = jar.make(ni, ip, 7, t1);
    ASSERT_TRUE(c2);
    EXPECT_NE(*c, *c2);                            // the version and the secret changed
    const auto t2 = t1 + std::chrono::minutes(6);  // rotated twice: the first secret is gone
    EXPECT_FALSE(jar.check(*c, ni, ip, 7, t2));
    EXPECT_TRUE(jar.check(*c2, ni, ip, 7, t2));
}

}  // namespace
}  // namespace strata::ike::v2
