#include "apps/strata/ike_udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace strata::apps {

namespace {

socklen_t fill_sockaddr(const packet::IpAddress& a, std::uint16_t port, sockaddr_storage& ss) {
    std::memset(&ss, 0, sizeof ss);
    if (a.is_v4()) {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        std::memcpy(&s4->sin_addr, a.bytes().data(), 4);
        return sizeof(sockaddr_in);
    }
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, a.bytes().data(), 16);
    return sizeof(sockaddr_in6);
}

std::optional<ike::Endpoint> from_sockaddr(const sockaddr_storage& ss) {
    if (ss.ss_family == AF_INET) {
        const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
        std::array<std::uint8_t, 4> b{};
        std::memcpy(b.data(), &s4->sin_addr, 4);
        return ike::Endpoint{packet::IpAddress::v4(b), ntohs(s4->sin_port)};
    }
    if (ss.ss_family == AF_INET6) {
        const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        std::array<std::uint8_t, 16> b{};
        std::memcpy(b.data(), &s6->sin6_addr, 16);
        return ike::Endpoint{packet::IpAddress::v6(b), ntohs(s6->sin6_port)};
    }
    return std::nullopt;
}

}  // namespace

IkeUdpSockets::IkeUdpSockets(const packet::IpAddress& address, std::uint16_t ike_port,
                             std::uint16_t natt_port)
    : address_(address), ike_port_(ike_port), natt_port_(natt_port) {
    fd_ike_ = open_one(ike_port);
    if (fd_ike_ >= 0) fd_natt_ = open_one(natt_port);
}

IkeUdpSockets::~IkeUdpSockets() {
    if (fd_ike_ >= 0) ::close(fd_ike_);
    if (fd_natt_ >= 0) ::close(fd_natt_);
}

int IkeUdpSockets::open_one(std::uint16_t port) {
    const int fd = ::socket(address_.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_ = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    const int one = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    const socklen_t len = fill_sockaddr(address_, port, ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        error_ = "bind " + address_.to_string() + ":" + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

bool IkeUdpSockets::send(const ike::v2::Datagram& d) {
    const bool natt = d.local.port == natt_port_;
    const int fd = natt ? fd_natt_ : fd_ike_;
    core::Bytes buf;
    if (natt && !d.raw) buf.assign(4, 0);  // RFC 3948 §2.2: non-ESP marker (not on a §2.3 keepalive)
    buf.insert(buf.end(), d.data.begin(), d.data.end());
    sockaddr_storage ss{};
    const socklen_t len = fill_sockaddr(d.remote.address, d.remote.port, ss);
    return ::sendto(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==
           static_cast<ssize_t>(buf.size());
}

std::optional<ike::v2::Datagram> IkeUdpSockets::receive(std::chrono::milliseconds timeout) {
    std::array<pollfd, 2> fds{pollfd{fd_ike_, POLLIN, 0}, pollfd{fd_natt_, POLLIN, 0}};
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (n <= 0) return std::nullopt;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & POLLIN) == 0) continue;
        std::array<std::uint8_t, 65536> buf{};
        sockaddr_storage ss{};
        socklen_t sl = sizeof ss;
        const ssize_t got =
            ::recvfrom(fds[i].fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), &sl);
        if (got < 0) continue;
        auto remote = from_sockaddr(ss);
        if (!remote) continue;
        core::ByteView data(buf.data(), static_cast<std::size_t>(got));
        const bool natt = i == 1;
        if (natt) {
            // RFC 3948 §2.2/§2.3: a zero marker precedes IKE; 0xff is a keepalive; else ESP.
            if (data.size() < 4 || data[0] != 0 || data[1] != 0 || data[2] != 0 || data[3] != 0) {
                ++dropped_;
                continue;
            }
            data = data.subspan(4);
        }
        ike::v2::Datagram d;
        d.local = ike::Endpoint{address_, natt ? natt_port_ : ike_port_};
        d.remote = *remote;
        d.data.assign(data.begin(), data.end());
        return d;
    }
    return std::nullopt;
}

}  // namespace strata::apps
