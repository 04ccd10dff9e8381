#include "io/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::io {

namespace {

bool make_address(const std::string& path, sockaddr_un& sun) noexcept {
    sun = sockaddr_un{};
    sun.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sun.sun_path) return false;
    std::memcpy(sun.sun_path, path.data(), path.size());
    return true;
}

}  // namespace

IoResult<UnixListener> UnixListener::listen(const std::string& path, unsigned mode) {
    sockaddr_un sun{};
    if (!make_address(path, sun)) return core::fail(IoError{ENAMETOOLONG, "control socket path"});
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return core::fail(IoError{EEXIST, "control socket path (not a socket)"});
        // A socket file: in use if somebody answers, stale otherwise.
        auto probe = unix_connect(path);
        if (probe) return core::fail(IoError{EADDRINUSE, "control socket (another gateway answers)"});
        ::unlink(path.c_str());
    }
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return core::fail(last_error("socket(unix)"));
    // Create the file with no permissions for anyone but the owner from the
    // start (no window where it is group/world accessible), then set mode.
    const mode_t old = ::umask(0177);
    const int b = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof sun);  // NOLINT
    const int bind_errno = errno;
    ::umask(old);
    if (b < 0) return core::fail(IoError{bind_errno, "bind(unix)"});
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) < 0) {
        ::unlink(path.c_str());
        return core::fail(last_error("chmod(control socket)"));
    }
    if (::listen(fd.get(), 16) < 0) {
        ::unlink(path.c_str());
        return core::fail(last_error("listen(unix)"));
    }
    return UnixListener(std::move(fd), path);
}

UnixListener::~UnixListener() {
    if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
}

Fd UnixListener::accept() noexcept {
    return Fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

IoResult<Fd> unix_connect(const std::string& path) {
    sockaddr_un sun{};
    if (!make_address(path, sun)) return core::fail(IoError{ENAMETOOLONG, "control socket path"});
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return core::fail(last_error("socket(unix)"));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof sun) < 0)  // NOLINT
        return core::fail(last_error("connect"));
    return fd;
}

}  // namespace strata::io
