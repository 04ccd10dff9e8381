#include "core/secret.hpp"

#include <gtest/gtest.h>

#include <array>

namespace strata::core {
namespace {

TEST(SecretBytes, CopiesAndClones) {
    const std::array<std::uint8_t, 3> k{1, 2, 3};
    SecretBytes s{ByteView(k)};
    EXPECT_EQ(s.size(), 3U);
    SecretBytes c = s.clone();
    EXPECT_EQ(c.view()[2], 3);
    c.data()[0] = 9;
    EXPECT_EQ(s.data()[0], 1);
}

TEST(SecretBytes, MoveLeavesSourceEmpty) {
    SecretBytes s(4);
    SecretBytes t = std::move(s);
    EXPECT_EQ(t.size(), 4U);
    EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
}

TEST(SecretBytes, ResizeWipesTheTailAndAppendGrows) {
    const std::array<std::uint8_t, 4> k{1, 2, 3, 4};
    SecretBytes s{ByteView(k)};
    s.resize(2);
    const std::uint8_t* p = s.data();
    EXPECT_EQ(p[2], 0);  // still inside the allocation: wiped
    EXPECT_EQ(p[3], 0);
    s.append(ByteView(k));
    EXPECT_EQ(s.size(), 6U);
    EXPECT_EQ(s.view()[5], 4);
}

TEST(SecretBytes, ClearEmpties) {
    SecretBytes s(8);
    s.clear();
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.data(), nullptr);
}

TEST(Wipe, ZeroesBuffer) {
    std::array<std::uint8_t, 4> b{1, 2, 3, 4};
    wipe(b);
    for (auto x : b) EXPECT_EQ(x, 0);
}

}  // namespace
}  // namespace strata::core
