#include "core/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace strata::core {
namespace {

Result<int> half(int x) {
    if (x % 2 != 0) return fail(Error::InvalidInputLength);
    return x / 2;
}

TEST(Result, HoldsValueOrError) {
    auto a = half(4);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, 2);
    auto b = half(3);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), Error::InvalidInputLength);
    EXPECT_EQ(b.value_or(-1), -1);
}

TEST(Result, MoveOnlyValues) {
    Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
    ASSERT_TRUE(r.ok());
    std::unique_ptr<int> p = std::move(r).value();
    EXPECT_EQ(*p, 7);
}

TEST(Result, VoidResult) {
    Status ok;
    EXPECT_TRUE(ok.ok());
    Status bad = fail(Error::Truncated);
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), Error::Truncated);
}

enum class OtherError { Boom = 1 };

TEST(Result, CustomErrorEnum) {
    Result<std::string, OtherError> r = fail(OtherError::Boom);
    EXPECT_EQ(r.error(), OtherError::Boom);
    Result<std::string, OtherError> s = std::string("x");
    EXPECT_EQ(s->size(), 1U);
}

TEST(Error, EveryErrorHasAName) {
    for (int i = static_cast<int>(Error::Truncated); i <= static_cast<int>(Error::IoError); ++i) {
        EXPECT_NE(to_string(static_cast<Error>(i)), "UnknownError") << i;
    }
}

}  // namespace
}  // namespace strata::core
