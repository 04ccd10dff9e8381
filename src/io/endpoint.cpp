#include "io/endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

namespace strata::io {

std::string Endpoint::to_string() const {
    if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
    return address.to_string() + ":" + std::to_string(port);
}

socklen_t to_sockaddr(const Endpoint& e, sockaddr_storage& ss) noexcept {
    ss = sockaddr_storage{};
    if (e.address.is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(e.port);
        std::memcpy(&sin.sin_addr, e.address.bytes().data(), 4);
        std::memcpy(&ss, &sin, sizeof sin);
        return sizeof sin;
    }
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(e.port);
    std::memcpy(&sin6.sin6_addr, e.address.bytes().data(), 16);
    std::memcpy(&ss, &sin6, sizeof sin6);
    return sizeof sin6;
}

Endpoint from_sockaddr(const sockaddr_storage& ss) noexcept {
    Endpoint e;
    if (ss.ss_family == AF_INET) {
        sockaddr_in sin{};
        std::memcpy(&sin, &ss, sizeof sin);
        std::array<std::uint8_t, 4> b{};
        std::memcpy(b.data(), &sin.sin_addr, 4);
        e.address = packet::IpAddress::v4(b);
        e.port = ntohs(sin.sin_port);
    } else if (ss.ss_family == AF_INET6) {
        sockaddr_in6 sin6{};
        std::memcpy(&sin6, &ss, sizeof sin6);
        std::array<std::uint8_t, 16> b{};
        std::memcpy(b.data(), &sin6.sin6_addr, 16);
        e.address = packet::IpAddress::v6(b);
        e.port = ntohs(sin6.sin6_port);
    }
    return e;
}

}  // namespace strata::io
