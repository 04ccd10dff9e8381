#include "crypto/random.hpp"

#include <array>

#include <gtest/gtest.h>

namespace strata::crypto {
namespace {

TEST(SystemRandom, FillsAndDoesNotRepeat) {
    std::array<std::uint8_t, 32> a{};
    std::array<std::uint8_t, 32> b{};
    ASSERT_TRUE(system_random().fill(a));
    ASSERT_TRUE(system_random().fill(b));
    EXPECT_NE(a, b);
    EXPECT_NE(a, (std::array<std::uint8_t, 32>{}));
}

TEST(SystemRandom, EmptyFillIsOk) { EXPECT_TRUE(system_random().fill({})); }

TEST(SeededRandom, SameSeedSameStream) {
    const std::array<std::uint8_t, 4> seed = {1, 2, 3, 4};
    SeededRandom r1(seed);
    SeededRandom r2(seed);
    std::array<std::uint8_t, 40> a{};
    std::array<std::uint8_t, 40> b{};
    ASSERT_TRUE(r1.fill(a));
    ASSERT_TRUE(r2.fill(b));
    EXPECT_EQ(a, b);
    EXPECT_NE(a, (std::array<std::uint8_t, 40>{}));
}

TEST(SeededRandom, SplitReadsEqualOneRead) {
    const std::array<std::uint8_t, 1> seed = {7};
    SeededRandom whole(seed);
    SeededRandom split(seed);
    std::array<std::uint8_t, 37> a{};
    std::array<std::uint8_t, 37> b{};
    ASSERT_TRUE(whole.fill(a));
    ASSERT_TRUE(split.fill(core::MutableByteView(b).first(5)));
    ASSERT_TRUE(split.fill(core::MutableByteView(b).subspan(5, 20)));
    ASSERT_TRUE(split.fill(core::MutableByteView(b).subspan(25)));
    EXPECT_EQ(a, b);
}

TEST(SeededRandom, DifferentSeedsDiffer) {
    const std::array<std::uint8_t, 1> s1 = {1};
    const std::array<std::uint8_t, 1> s2 = {2};
    SeededRandom r1(s1);
    SeededRandom r2(s2);
    std::array<std::uint8_t, 16> a{};
    std::array<std::uint8_t, 16> b{};
    ASSERT_TRUE(r1.fill(a));
    ASSERT_TRUE(r2.fill(b));
    EXPECT_NE(a, b);
}

TEST(ReplayRandom, ReplaysThenRunsOut) {
    const std::array<std::uint8_t, 5> data = {1, 2, 3, 4, 5};
    ReplayRandom r(data);
    std::array<std::uint8_t, 3> a{};
    ASSERT_TRUE(r.fill(a));
    EXPECT_EQ(a, (std::array<std::uint8_t, 3>{1, 2, 3}));
    EXPECT_EQ(r.remaining(), 2u);
    auto st = r.fill(a);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), core::Error::Truncated);
    EXPECT_EQ(a, (std::array<std::uint8_t, 3>{1, 2, 3}));  // untouched
    std::array<std::uint8_t, 2> b{};
    ASSERT_TRUE(r.fill(b));
    EXPECT_EQ(b, (std::array<std::uint8_t, 2>{4, 5}));
}

}  // namespace
}  // namespace strata::crypto
