// RFC 7748 X25519 vectors, read from shared/vectors/x25519_rfc7748.json.
#include <gtest/gtest.h>

#include "crypto/dh.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using test::hex;
using test::load_vectors;

TEST(X25519Rfc7748, ScalarMultiplication) {
    const auto doc = load_vectors("x25519_rfc7748.json");
    const auto& cases = doc.at("scalar_mult");
    ASSERT_GT(cases.size(), 0u);
    for (const auto& c : cases) {
        auto out = x25519(hex(c.at("scalar")), hex(c.at("u")));
        ASSERT_TRUE(out) << c.at("rfc");
        EXPECT_TRUE(core::equal_public(*out, hex(c.at("output")))) << c.at("rfc");
    }
}

TEST(X25519Rfc7748, Iterated) {
    const auto doc = load_vectors("x25519_rfc7748.json");
    const auto& it = doc.at("iterated");
    // RFC 7748 §5.2: k = u = 9; each round k, u <- X25519(k, u), k.
    core::Bytes k = hex(it.at("start"));
    core::Bytes u = k;
    ASSERT_EQ(k.size(), 32u);
    for (int round = 1; round <= 1000; ++round) {
        auto next = x25519(k, u);
        ASSERT_TRUE(next) << "round " << round;
        u = k;
        k.assign(next->view().begin(), next->view().end());
        if (round == 1) {
            EXPECT_EQ(k, hex(it.at("after_1")));
        }
    }
    EXPECT_EQ(k, hex(it.at("after_1000")));
}

TEST(X25519Rfc7748, DiffieHellman) {
    const auto doc = load_vectors("x25519_rfc7748.json");
    const auto& dh = doc.at("dh");
    auto alice = KeyExchange::from_private(DhGroup::X25519, hex(dh.at("alice_private")));
    auto bob = KeyExchange::from_private(DhGroup::X25519, hex(dh.at("bob_private")));
    ASSERT_TRUE(alice);
    ASSERT_TRUE(bob);
    EXPECT_EQ(alice->public_value(Encoding::Tls), hex(dh.at("alice_public")));
    EXPECT_EQ(bob->public_value(Encoding::Ike), hex(dh.at("bob_public")));
    auto s1 = alice->derive(hex(dh.at("bob_public")), Encoding::Tls);
    auto s2 = bob->derive(hex(dh.at("alice_public")), Encoding::Ike);
    ASSERT_TRUE(s1);
    ASSERT_TRUE(s2);
    EXPECT_TRUE(core::equal_public(*s1, hex(dh.at("shared"))));
    EXPECT_TRUE(core::equal_public(*s2, hex(dh.at("shared"))));
}

}  // namespace
}  // namespace strata::crypto
