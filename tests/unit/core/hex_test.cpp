#include "core/hex.hpp"

#include <gtest/gtest.h>

namespace strata::core {
namespace {

TEST(Hex, RoundTrip) {
    auto b = from_hex("00ff10Ab");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), 4U);
    EXPECT_EQ(to_hex(*b), "00ff10ab");
}

TEST(Hex, Empty) {
    auto b = from_hex("");
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(b->empty());
    EXPECT_EQ(to_hex({}), "");
}

TEST(Hex, RejectsOddLengthAndBadCharacters) {
    EXPECT_EQ(from_hex("abc").error(), Error::InvalidHex);
    EXPECT_EQ(from_hex("zz").error(), Error::InvalidHex);
    EXPECT_EQ(from_hex("0x").error(), Error::InvalidHex);
    EXPECT_EQ(from_hex("a ").error(), Error::InvalidHex);
}

}  // namespace
}  // namespace strata::core
