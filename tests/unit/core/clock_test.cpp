#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace strata::core {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, StandsStillUntilAdvanced) {
    ManualClock c;
    const Instant t0 = c.now();
    const WallTime w0 = c.wall_now();
    EXPECT_EQ(c.now(), t0);
    c.advance(5s);
    EXPECT_EQ(c.now() - t0, Duration(5s));
    EXPECT_EQ(c.wall_now() - w0, std::chrono::duration_cast<WallTime::duration>(5s));
}

TEST(RealClock, IsMonotonic) {
    RealClock c;
    const Instant a = c.now();
    const Instant b = c.now();
    EXPECT_LE(a, b);
}

TEST(Clock, UsableThroughTheInterface) {
    ManualClock m;
    const Clock& c = m;
    const Instant t0 = c.now();
    m.advance(1ms);
    EXPECT_GT(c.now(), t0);
}

}  // namespace
}  // namespace strata::core
