// MODP primes, read from shared/vectors/modp_groups.json, against dh.cpp's.
#include <gtest/gtest.h>

#include "crypto/dh.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using test::hex;
using test::load_vectors;

TEST(ModpGroups, EmbeddedPrimesEqualTheFile) {
    const auto doc = load_vectors("modp_groups.json");
    const auto& groups = doc.at("groups");
    ASSERT_GT(groups.size(), 0u);
    std::size_t checked = 0;
    for (const auto& g : groups) {
        const auto group = static_cast<DhGroup>(g.at("ike_group").get<int>());
        const core::Bytes p = hex(g.at("prime"));
        EXPECT_EQ(modp_prime(group), p) << g.at("rfc");
        EXPECT_EQ(p.size() * 8, g.at("bits").get<std::size_t>());
        EXPECT_EQ(g.at("generator").get<int>(), 2);
        EXPECT_EQ(public_value_length(group, Encoding::Ike), p.size());
        // With generator 2, x = 3 gives y = 2^3 = 8 (x = 1 is refused as out of range).
        auto kx = KeyExchange::from_private(group, core::Bytes{3});
        ASSERT_TRUE(kx);
        EXPECT_EQ(kx->public_value(Encoding::Ike).back(), 8);
        ++checked;
    }
    EXPECT_EQ(checked, 3u);  // groups 2, 14, 15
}

}  // namespace
}  // namespace strata::crypto
