#include "io/signals.hpp"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

namespace strata::io {

IoResult<SignalSet> SignalSet::open(std::initializer_list<int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    if (const int e = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); e != 0)
        return core::fail(IoError{e, "pthread_sigmask"});
    Fd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd.valid()) return core::fail(last_error("signalfd"));
    return SignalSet(std::move(fd));
}

std::optional<int> SignalSet::next() noexcept {
    signalfd_siginfo info{};
    if (::read(fd_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return std::nullopt;
    return static_cast<int>(info.ssi_signo);
}

}  // namespace strata::io
