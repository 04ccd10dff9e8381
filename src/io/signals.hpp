// signals.hpp: signals as readable events (signalfd).
//
// SignalSet::open blocks the signals in the calling thread, so it must run
// before any other thread starts (threads inherit the mask); the signals are
// then read from a descriptor in the event loop instead of interrupting code.
#pragma once

#include <initializer_list>
#include <optional>

#include "io/fd.hpp"

namespace strata::io {

class SignalSet {
public:
    // open blocks `signals` and returns a non-blocking descriptor for them.
    static IoResult<SignalSet> open(std::initializer_list<int> signals);

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    // next returns the next pending signal number, or nullopt if none.
    std::optional<int> next() noexcept;

private:
    explicit SignalSet(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace strata::io
