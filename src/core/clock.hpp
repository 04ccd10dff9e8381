// clock.hpp: time as an input.
//
// Sans-IO protocol cores never read the clock themselves: they are handed a
// Clock (or a time point) by the edge that drives them. RealClock reads the
// system; ManualClock is set and advanced by tests and simulations.
#pragma once

#include <chrono>

namespace strata::core {

// Instant is a monotonic time point (timers, lifetimes, retransmission).
using Instant = std::chrono::steady_clock::time_point;
// WallTime is calendar time (certificate validity, log lines).
using WallTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Clock is the source of time a component is given.
class Clock {
public:
    virtual ~Clock() = default;
    // now returns the current monotonic time.
    [[nodiscard]] virtual Instant now() const = 0;
    // wall_now returns the current calendar time.
    [[nodiscard]] virtual WallTime wall_now() const = 0;
};

// RealClock reads std::chrono::steady_clock and system_clock.
class RealClock final : public Clock {
public:
    [[nodiscard]] Instant now() const override { return std::chrono::steady_clock::now(); }
    [[nodiscard]] WallTime wall_now() const override { return std::chrono::system_clock::now(); }
};

// ManualClock stands still until advanced; both of its times move together.
class ManualClock final : public Clock {
public:
    ManualClock() = default;
    explicit ManualClock(WallTime wall) : wall_(wall) {}

    [[nodiscard]] Instant now() const override { return mono_; }
    [[nodiscard]] WallTime wall_now() const override { return wall_; }
    // advance moves both times forward by d.
    void advance(Duration d) {
        mono_ += d;
        wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    }
    // set_wall sets calendar time without moving monotonic time.
    void set_wall(WallTime w) { wall_ = w; }

private:
    Instant mono_{};
    WallTime wall_{};
};

}  // namespace strata::core
