#include "io/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::io {

std::string to_string(const IoError& e) {
    return std::string(e.op) + ": " + std::strerror(e.code);  // NOLINT(concurrency-mt-unsafe)
}

IoError last_error(std::string_view op) noexcept { return IoError{errno, op}; }

void Fd::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

core::Result<void, IoError> set_nonblocking(int fd) noexcept {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return core::fail(last_error("fcntl(F_GETFL)"));
    if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return core::fail(last_error("fcntl(F_SETFL)"));
    return {};
}

}  // namespace strata::io
