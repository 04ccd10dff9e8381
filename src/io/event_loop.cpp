#include "io/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>

namespace strata::io {

struct EventLoop::Entry {
    FdCallback cb;
};

struct EventLoop::State {
    std::atomic<bool> stop{false};
};

namespace {

timespec to_timespec(std::chrono::nanoseconds d) noexcept {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(d.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(d.count() % 1'000'000'000);
    return ts;
}

}  // namespace

EventLoop::EventLoop(Fd epoll, Fd wake)
    : epoll_(std::move(epoll)), wake_(std::move(wake)), state_(std::make_unique<State>()) {}

EventLoop::~EventLoop() = default;

IoResult<std::unique_ptr<EventLoop>> EventLoop::create() {
    Fd ep(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep.valid()) return core::fail(last_error("epoll_create1"));
    Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake.valid()) return core::fail(last_error("eventfd"));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake.get();
    if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, wake.get(), &ev) < 0) return core::fail(last_error("epoll_ctl"));
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(ep), std::move(wake)));
}

core::Result<void, IoError> EventLoop::add(int fd, std::uint32_t events, FdCallback cb) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
        return core::fail(last_error("epoll_ctl(ADD)"));
    entries_[fd] = std::make_shared<Entry>(Entry{std::move(cb)});
    return {};
}

core::Result<void, IoError> EventLoop::modify(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0)
        return core::fail(last_error("epoll_ctl(MOD)"));
    return {};
}

void EventLoop::remove(int fd) noexcept {
    if (entries_.erase(fd) > 0) (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

IoResult<EventLoop::TimerId> EventLoop::add_timer(std::chrono::nanoseconds first,
                                                  std::chrono::nanoseconds period, TimerCallback cb) {
    Fd t(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!t.valid()) return core::fail(last_error("timerfd_create"));
    itimerspec spec{};
    // A zero it_value disarms a timerfd; the earliest expiry is 1 ns.
    spec.it_value = to_timespec(first.count() > 0 ? first : std::chrono::nanoseconds(1));
    spec.it_interval = to_timespec(period);
    if (::timerfd_settime(t.get(), 0, &spec, nullptr) < 0) return core::fail(last_error("timerfd_settime"));
    const int id = t.get();
    auto r = add(id, kReadable, [fd = id, cb = std::move(cb)](std::uint32_t) {
        std::uint64_t expirations = 0;
        if (::read(fd, &expirations, sizeof expirations) != sizeof expirations) return;  // spurious
        cb();
    });
    if (!r) return core::fail(r.error());
    timers_.emplace(id, std::move(t));
    return id;
}

void EventLoop::cancel_timer(TimerId id) noexcept {
    remove(id);
    timers_.erase(id);
}

void EventLoop::run() {
    while (!stopped()) (void)run_once(-1);
}

int EventLoop::run_once(int timeout_ms) {
    std::array<epoll_event, 64> ready{};
    const int n = ::epoll_wait(epoll_.get(), ready.data(), static_cast<int>(ready.size()), timeout_ms);
    if (n < 0) return 0;  // EINTR: the caller loops
    int handled = 0;
    for (int i = 0; i < n; ++i) {
        const int fd = ready[static_cast<std::size_t>(i)].data.fd;
        if (fd == wake_.get()) {
            std::uint64_t v = 0;
            (void)::read(fd, &v, sizeof v);
            continue;
        }
        auto it = entries_.find(fd);
        if (it == entries_.end()) continue;  // removed by an earlier callback of this round
        const std::shared_ptr<Entry> keep = it->second;
        keep->cb(ready[static_cast<std::size_t>(i)].events);
        ++handled;
        if (stopped()) break;
    }
    return handled;
}

void EventLoop::stop() noexcept {
    state_->stop.store(true, std::memory_order_release);
    const std::uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
}

bool EventLoop::stopped() const noexcept { return state_->stop.load(std::memory_order_acquire); }

}  // namespace strata::io
