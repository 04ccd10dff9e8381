#include "io/notifier.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace strata::io {

IoResult<Notifier> Notifier::open() {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return core::fail(last_error("eventfd"));
    return Notifier(Fd(fd));
}

void Notifier::notify() const noexcept {
    const std::uint64_t one = 1;
    // EAGAIN only when the counter would overflow: the receiver is awake anyway.
    (void)!::write(fd_.get(), &one, sizeof one);
}

void Notifier::drain() const noexcept {
    std::uint64_t n = 0;
    (void)!::read(fd_.get(), &n, sizeof n);
}

}  // namespace strata::io
