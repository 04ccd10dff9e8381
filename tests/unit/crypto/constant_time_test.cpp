#include "crypto/constant_time.hpp"

#include <gtest/gtest.h>

#include "core/bytes.hpp"

namespace strata::crypto {
namespace {

TEST(ConstantTime, EqualAndDifferent) {
    const core::Bytes a{1, 2, 3, 4}, b{1, 2, 3, 4}, c{1, 2, 3, 5};
    EXPECT_TRUE(constant_time_equal(a, b));
    EXPECT_FALSE(constant_time_equal(a, c));
}

TEST(ConstantTime, LengthMismatchIsUnequal) {
    const core::Bytes a{1, 2, 3, 4}, prefix{1, 2, 3};
    EXPECT_FALSE(constant_time_equal(a, prefix));
    EXPECT_FALSE(constant_time_equal(prefix, a));
}

TEST(ConstantTime, EmptyViewsAreEqual) {
    EXPECT_TRUE(constant_time_equal({}, {}));
    const core::Bytes a{0};
    EXPECT_FALSE(constant_time_equal(a, {}));
}

TEST(ConstantTime, EveryBytePositionMatters) {
    core::Bytes a(64, 0xaa);
    for (std::size_t i = 0; i < a.size(); ++i) {
        core::Bytes b = a;
        b[i] ^= 0x80;
        EXPECT_FALSE(constant_time_equal(a, b)) << i;
    }
}

}  // namespace
}  // namespace strata::crypto
