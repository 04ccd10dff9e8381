// fd.hpp: an owned file descriptor and the error type of the io layer.
//
// io/ is the only code in Strata that waits: every socket, the TUN device,
// timers and signals live here, each behind a small RAII type.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/result.hpp"

namespace strata::io {

// IoError is a failed system call: errno and the name of the operation.
struct IoError {
    int code = 0;         // errno
    std::string_view op;  // "bind", "recvmmsg", ... (a string literal)
};

// to_string formats "op: strerror(code)".
std::string to_string(const IoError& e);

// last_error returns an IoError for errno and op.
IoError last_error(std::string_view op) noexcept;

template <typename T>
using IoResult = core::Result<T, IoError>;

// Fd owns one file descriptor and closes it on destruction. Move-only.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    // get returns the descriptor (-1: none).
    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    // release gives up ownership and returns the descriptor.
    int release() noexcept { return std::exchange(fd_, -1); }
    // reset closes the descriptor, if any.
    void reset() noexcept;

private:
    int fd_ = -1;
};

// set_nonblocking puts fd in O_NONBLOCK mode.
core::Result<void, IoError> set_nonblocking(int fd) noexcept;

}  // namespace strata::io
