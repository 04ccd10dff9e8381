// demo_net.cpp: loopback sockets standing for the link between C and D.
#include "apps/strata/demo_net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/udp.hpp"

namespace strata::apps::demo {

namespace {

constexpr std::uint16_t kIkePort = 500;
constexpr std::uint16_t kNatTPort = 4500;
constexpr int kTimeoutMs = 2000;

std::size_t slot_of(std::uint16_t logical) noexcept {
    if (logical == kIkePort) return 0;
    if (logical == kNatTPort) return 1;
    return 2;
}

std::uint16_t logical_of(std::size_t slot) noexcept {
    if (slot == 0) return kIkePort;
    if (slot == 1) return kNatTPort;
    return 0;
}

sockaddr_in loopback(std::uint16_t port) noexcept {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

}  // namespace

core::Bytes build_udp_packet(const packet::IpAddress& src, std::uint16_t sport, const packet::IpAddress& dst,
                             std::uint16_t dport, core::ByteView payload, std::uint16_t ip_id) {
    // RFC 3948 §2.1: the UDP checksum of encapsulated ESP may be zero; IKE's is computed.
    const bool esp_in_udp = dport == kNatTPort && payload.size() >= 4 &&
                            !(payload[0] == 0 && payload[1] == 0 && payload[2] == 0 && payload[3] == 0);
    auto udp = packet::build_udp(sport, dport, payload, src, dst,
                                 esp_in_udp ? packet::UdpChecksum::Omit : packet::UdpChecksum::Compute);
    if (!udp) return {};
    packet::Ipv4Header h;
    h.identification = ip_id;
    h.ttl = 64;
    h.protocol = packet::ipproto::kUdp;
    h.src = src;
    h.dst = dst;
    auto ip = packet::build_ipv4(h, *udp);
    return ip ? std::move(*ip) : core::Bytes{};
}

Wire::~Wire() {
    for (auto& side : socks_)
        for (auto& s : side)
            if (s.fd >= 0) ::close(s.fd);
    if (pcap_) (void)pcap_->writer().flush();
}

std::unique_ptr<Wire> Wire::open(std::string* why) {
    std::unique_ptr<Wire> w(new Wire());
    for (auto& side : w->socks_) {
        for (auto& s : side) {
            s.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (s.fd < 0) {
                *why = std::string("socket: ") + std::strerror(errno);
                return nullptr;
            }
            sockaddr_in a = loopback(0);
            if (::bind(s.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {  // NOLINT
                *why = std::string("bind 127.0.0.1: ") + std::strerror(errno);
                return nullptr;
            }
            socklen_t len = sizeof a;
            if (::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {  // NOLINT
                *why = std::string("getsockname: ") + std::strerror(errno);
                return nullptr;
            }
            s.port = ntohs(a.sin_port);
        }
    }
    return w;
}

bool Wire::capture_to(const std::string& path) {
    pcap_ = packet::PcapFile::create(path);
    return pcap_ != nullptr;
}

packet::IpAddress Wire::address(Side s) noexcept {
    return s == Side::C ? packet::IpAddress::v4(0xcb007101U) : packet::IpAddress::v4(0xcb007102U);
}

std::uint16_t Wire::real_port(Side s, std::uint16_t logical) const noexcept {
    return socks_[static_cast<std::size_t>(s)][slot_of(logical)].port;
}

Wire::Sock& Wire::sock(Side s, std::uint16_t logical) {
    return socks_[static_cast<std::size_t>(s)][slot_of(logical)];
}

void Wire::record(core::ByteView ip) {
    if (pcap_) (void)pcap_->writer().write(std::chrono::system_clock::now(), ip);
}

std::uint64_t Wire::records() const noexcept { return pcap_ ? pcap_->writer().records() : 0; }

bool Wire::finish() { return !pcap_ || pcap_->writer().flush(); }

std::optional<Arrival> Wire::send_udp(Side from, std::uint16_t sport, std::uint16_t dport,
                                      core::ByteView payload, std::string* why) {
    const Sock& src = sock(from, sport);
    const Sock& dst = sock(other(from), dport);
    sockaddr_in to = loopback(dst.port);
    const auto n = ::sendto(src.fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                            sizeof to);  // NOLINT
    if (n < 0 || static_cast<std::size_t>(n) != payload.size()) {
        *why = std::string("sendto: ") + std::strerror(errno);
        return std::nullopt;
    }
    return receive(other(from), dport, why);
}

std::optional<Arrival> Wire::receive(Side at, std::uint16_t logical, std::string* why) {
    const Sock& s = sock(at, logical);
    pollfd p{s.fd, POLLIN, 0};
    const int r = ::poll(&p, 1, kTimeoutMs);
    if (r <= 0) {
        *why = r == 0 ? "nothing arrived within 2 s" : std::string("poll: ") + std::strerror(errno);
        return std::nullopt;
    }
    core::Bytes buf(65536);
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const auto n =
        ::recvfrom(s.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);  // NOLINT
    if (n < 0) {
        *why = std::string("recvfrom: ") + std::strerror(errno);
        return std::nullopt;
    }
    buf.resize(static_cast<std::size_t>(n));
    // Which of the peer's sockets sent it says which logical port it left from.
    const Side peer = other(at);
    const std::uint16_t real_from = ntohs(from.sin_port);
    std::optional<std::size_t> slot;
    for (std::size_t i = 0; i < 3; ++i)
        if (socks_[static_cast<std::size_t>(peer)][i].port == real_from) slot = i;
    if (!slot) {
        *why = "a datagram from an unknown port " + std::to_string(real_from);
        return std::nullopt;
    }
    Arrival a;
    a.real_src_port = real_from;
    a.real_dst_port = s.port;
    if (logical == 0) {
        a.ip = std::move(buf);  // the IP-packet socket carries whole packets
    } else {
        a.udp = true;
        a.src_port = logical_of(*slot);
        a.dst_port = logical;
        a.ip = build_udp_packet(address(peer), a.src_port, address(at), a.dst_port, buf, ip_id_++);
        a.payload = std::move(buf);
    }
    record(a.ip);
    return a;
}

std::optional<Arrival> Wire::send_ip(Side from, core::ByteView ip, std::string* why) {
    auto pkt = packet::parse_ipv4(ip, packet::Ipv4ChecksumCheck::Skip);
    if (!pkt) {
        *why = "not an IPv4 packet";
        return std::nullopt;
    }
    if (pkt->header.protocol == packet::ipproto::kUdp) {
        auto udp = packet::parse_udp(pkt->payload, pkt->header.src, pkt->header.dst);
        if (udp && (udp->header.dst_port == kIkePort || udp->header.dst_port == kNatTPort))
            return send_udp(from, udp->header.src_port, udp->header.dst_port, udp->payload, why);
    }
    const Sock& src = sock(from, 0);
    const Sock& dst = sock(other(from), 0);
    sockaddr_in to = loopback(dst.port);
    const auto n = ::sendto(src.fd, ip.data(), ip.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                            sizeof to);  // NOLINT
    if (n < 0 || static_cast<std::size_t>(n) != ip.size()) {
        *why = std::string("sendto: ") + std::strerror(errno);
        return std::nullopt;
    }
    return receive(other(from), 0, why);
}

}  // namespace strata::apps::demo
