// endpoint.hpp: an IP address and port, and its sockaddr form.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "packet/address.hpp"

namespace strata::io {

// Endpoint is one side of a UDP flow (port 0 for raw IP sockets).
struct Endpoint {
    packet::IpAddress address;
    std::uint16_t port = 0;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
    // to_string formats "192.0.2.1:4500" or "[2001:db8::1]:4500".
    [[nodiscard]] std::string to_string() const;
};

// to_sockaddr fills ss with e (sockaddr_in or sockaddr_in6) and returns its length.
socklen_t to_sockaddr(const Endpoint& e, sockaddr_storage& ss) noexcept;
// from_sockaddr reads an AF_INET/AF_INET6 address (port 0 for other families).
Endpoint from_sockaddr(const sockaddr_storage& ss) noexcept;

}  // namespace strata::io
