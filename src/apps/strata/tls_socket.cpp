// tls_socket.cpp: blocking TCP helpers and the TlsStream driver.
#include "apps/strata/tls_socket.hpp"

#include <fmt/core.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::apps {

int tcp_connect(const std::string& host, const std::string& port, std::string* why) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        *why = fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        *why = fmt::format("connect {}:{}: {}", host, port, std::strerror(errno));
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int tcp_listen(std::uint16_t port, std::string* why) {
    int one = 1;
    int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd >= 0) {
        int zero = 0;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        a.sin6_addr = in6addr_any;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 16) == 0) return fd;
        ::close(fd);
    }
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        *why = std::strerror(errno);
        return -1;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
        *why = fmt::format("listen on port {}: {}", port, std::strerror(errno));
        ::close(fd);
        return -1;
    }
    return fd;
}

bool TlsStream::flush(std::string* why) {
    core::Bytes out = conn_.take_output();
    std::size_t off = 0;
    while (off < out.size()) {
        ssize_t n = ::send(fd_, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            *why = fmt::format("send: {}", std::strerror(errno));
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    return true;
}

bool TlsStream::pump_once(std::chrono::milliseconds timeout, bool* got, bool* eof, std::string* why) {
    *got = false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc < 0) {
        if (errno == EINTR) return true;
        *why = fmt::format("poll: {}", std::strerror(errno));
        return false;
    }
    if (rc == 0) return true;
    std::uint8_t buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
        if (errno == EINTR) return true;
        *why = fmt::format("recv: {}", std::strerror(errno));
        *eof = true;
        return false;
    }
    if (n == 0) {
        *eof = true;
        return true;
    }
    *got = true;
    auto st = conn_.receive(core::ByteView(buf, static_cast<std::size_t>(n)));
    std::string ignored;
    (void)flush(&ignored);  // answers, or the fatal alert
    if (!st) {
        *why = describe_failure(conn_);
        return false;
    }
    if (conn_.peer_closed()) *eof = true;
    return true;
}

bool TlsStream::handshake(std::string* why) {
    if (conn_.state() == tls::HandshakeState::Start) {
        if (!conn_.start()) {
            *why = describe_failure(conn_);
            return false;
        }
    }
    if (!flush(why)) return false;
    while (!conn_.handshake_complete()) {
        bool got = false;
        bool eof = false;
        if (!pump_once(std::chrono::milliseconds(10000), &got, &eof, why)) return false;
        if (eof && !conn_.handshake_complete()) {
            *why =
                conn_.error() ? describe_failure(conn_) : "peer closed the connection during the handshake";
            return false;
        }
        if (!got) {
            *why = "handshake timed out";
            return false;
        }
    }
    return true;
}

bool TlsStream::write(core::ByteView plaintext, std::string* why) {
    if (!conn_.write(plaintext)) {
        *why = describe_failure(conn_);
        return false;
    }
    return flush(why);
}

bool TlsStream::read(std::chrono::milliseconds timeout, core::Bytes& out, bool* eof, std::string* why) {
    bool got = false;
    if (!pump_once(timeout, &got, eof, why)) return false;
    core::Bytes data = conn_.read();
    out.insert(out.end(), data.begin(), data.end());
    return true;
}

void TlsStream::close() {
    if (conn_.close()) {
        std::string ignored;
        (void)flush(&ignored);
    }
}

std::string describe_failure(const tls::Connection& conn) {
    if (!conn.error()) return "no error";
    std::string s(tls::to_string(*conn.error()));
    if (auto a = conn.sent_alert()) s += fmt::format(" (sent alert {})", tls::to_string(a->description));
    if (auto a = conn.peer_alert()) s += fmt::format(" (received alert {})", tls::to_string(a->description));
    return s;
}

}  // namespace strata::apps
