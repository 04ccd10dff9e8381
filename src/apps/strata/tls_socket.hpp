// tls_socket.hpp: the blocking edge around a sans-IO tls::Connection, for
// `strata tls` and the tests: TCP connect/listen helpers and TlsStream, which
// drives a Connection over a connected socket file descriptor.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "tls/connection.hpp"

namespace strata::apps {

// tcp_connect connects to host:port (name or address, IPv4 or IPv6) and
// returns the socket, or -1 with *why set.
int tcp_connect(const std::string& host, const std::string& port, std::string* why);
// tcp_listen listens on port on every address (IPv6 socket accepting IPv4
// too, or IPv4 only when IPv6 is missing); returns the socket or -1.
int tcp_listen(std::uint16_t port, std::string* why);

// TlsStream moves a Connection's bytes over fd. It does not own fd.
class TlsStream {
public:
    TlsStream(int fd, tls::Connection& conn) noexcept : fd_(fd), conn_(conn) {}

    // handshake runs the handshake to completion; false on failure (the
    // connection's error() says why, or the socket closed: *why).
    bool handshake(std::string* why);
    // write sends plaintext; false on failure.
    bool write(core::ByteView plaintext, std::string* why);
    // read waits up to timeout for application data and returns what came
    // (empty on timeout). *eof becomes true when the peer closed (close_notify
    // or TCP end). false on failure.
    bool read(std::chrono::milliseconds timeout, core::Bytes& out, bool* eof, std::string* why);
    // close sends close_notify.
    void close();

private:
    bool flush(std::string* why);
    // pump_once waits up to timeout for bytes and feeds them; *got is false on timeout.
    bool pump_once(std::chrono::milliseconds timeout, bool* got, bool* eof, std::string* why);

    int fd_;
    tls::Connection& conn_;
};

// describe returns a Connection's error as "<error> (sent alert x / received alert y)".
std::string describe_failure(const tls::Connection& conn);

}  // namespace strata::apps
