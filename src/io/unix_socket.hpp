// unix_socket.hpp: UNIX stream sockets for the control channel.
//
// The listener's socket file is created with mode 0600 (owner only: root
// for the gateway), so only its owner may connect (unix(7): connecting needs
// write permission on the socket file).
#pragma once

#include <string>

#include "io/fd.hpp"

namespace strata::io {

class UnixListener {
public:
    // listen binds a non-blocking stream socket at path, chmods it to `mode`
    // and listens. A stale socket file at path (nobody listening) is
    // replaced; any other existing file is refused (EEXIST/EADDRINUSE).
    static IoResult<UnixListener> listen(const std::string& path, unsigned mode = 0600);
    UnixListener(UnixListener&&) noexcept = default;
    UnixListener& operator=(UnixListener&&) noexcept = default;
    // The socket file is removed when the listener is destroyed.
    ~UnixListener();

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    // accept returns a non-blocking connection, or an invalid Fd if none is pending.
    Fd accept() noexcept;

private:
    UnixListener(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::string path_;
};

// unix_connect connects a blocking stream socket to path.
IoResult<Fd> unix_connect(const std::string& path);

}  // namespace strata::io
