// event_loop.hpp: a single-threaded epoll loop with timers and a wake-up.
//
// One EventLoop belongs to one thread: add/remove/add_timer and run are
// called on that thread (callbacks may call them too); only stop() may be
// called from any thread. Timers are timerfds, so a timer is just another
// descriptor in the same epoll set and expiries are never lost or doubled.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "io/fd.hpp"

namespace strata::io {

// Readiness flags passed to a callback (a subset of epoll's).
inline constexpr std::uint32_t kReadable = 0x001;  // EPOLLIN
inline constexpr std::uint32_t kWritable = 0x004;  // EPOLLOUT
inline constexpr std::uint32_t kError = 0x008;     // EPOLLERR
inline constexpr std::uint32_t kHangup = 0x010;    // EPOLLHUP

class EventLoop {
public:
    // FdCallback receives the readiness flags of its descriptor.
    using FdCallback = std::function<void(std::uint32_t events)>;
    using TimerCallback = std::function<void()>;
    using TimerId = int;

    // create makes the epoll instance and the wake-up eventfd.
    static IoResult<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // add watches fd (not owned) for `events` (kReadable | kWritable),
    // level-triggered; cb runs on this loop's thread when it is ready.
    core::Result<void, IoError> add(int fd, std::uint32_t events, FdCallback cb);
    // modify changes the events watched on fd.
    core::Result<void, IoError> modify(int fd, std::uint32_t events);
    // remove stops watching fd; safe from inside any callback.
    void remove(int fd) noexcept;

    // add_timer calls cb after `first`, then every `period` (zero: once).
    IoResult<TimerId> add_timer(std::chrono::nanoseconds first, std::chrono::nanoseconds period,
                                TimerCallback cb);
    // cancel_timer stops and forgets a timer.
    void cancel_timer(TimerId id) noexcept;

    // run dispatches events until stop() is called.
    void run();
    // run_once waits at most timeout_ms (-1: forever) and dispatches what is
    // ready; returns the number of events handled.
    int run_once(int timeout_ms);
    // stop makes run() return; callable from any thread or a signal-free context.
    void stop() noexcept;
    // stopped is true once stop() was called.
    [[nodiscard]] bool stopped() const noexcept;

private:
    EventLoop(Fd epoll, Fd wake);

    struct Entry;
    Fd epoll_;
    Fd wake_;
    std::unordered_map<int, std::shared_ptr<Entry>> entries_;
    std::unordered_map<int, Fd> timers_;
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace strata::io
