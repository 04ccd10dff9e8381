// notifier.hpp: a wake-up one thread sends to another's event loop.
//
// An eventfd: notify() from any thread makes fd() readable, and drain() on
// the receiving thread (from its EventLoop callback) makes it quiet again.
// Notifications coalesce: many notify() calls may read as one wake-up, so
// the receiver takes everything queued for it each time.
#pragma once

#include "io/fd.hpp"

namespace strata::io {

class Notifier {
public:
    // open creates the eventfd (non-blocking, close-on-exec).
    static IoResult<Notifier> open();
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    // notify wakes the receiver; safe from any thread, never blocks.
    void notify() const noexcept;
    // drain clears pending wake-ups.
    void drain() const noexcept;

private:
    explicit Notifier(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace strata::io
