#include "io/socket_options.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

namespace strata::io {

namespace {

core::Result<void, IoError> set_int(const DatagramSocket& s, int level, int opt, int value,
                                    std::string_view what) noexcept {
    if (::setsockopt(s.fd(), level, opt, &value, sizeof value) < 0) return core::fail(last_error(what));
    return {};
}

bool v4(const DatagramSocket& s) noexcept { return s.local().address.is_v4(); }

}  // namespace

core::Result<void, IoError> include_ip_header(const DatagramSocket& s) noexcept {
    if (v4(s)) return set_int(s, IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL");
    return set_int(s, IPPROTO_IPV6, IPV6_HDRINCL, 1, "IPV6_HDRINCL");
}

core::Result<void, IoError> receive_tos(const DatagramSocket& s) noexcept {
    if (v4(s)) return set_int(s, IPPROTO_IP, IP_RECVTOS, 1, "IP_RECVTOS");
    return set_int(s, IPPROTO_IPV6, IPV6_RECVTCLASS, 1, "IPV6_RECVTCLASS");
}

core::Result<void, IoError> receive_destination(const DatagramSocket& s) noexcept {
    if (v4(s)) return set_int(s, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
    return set_int(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
}

core::Result<void, IoError> set_mark(const DatagramSocket& s, std::uint32_t mark) noexcept {
    return set_int(s, SOL_SOCKET, SO_MARK, static_cast<int>(mark), "SO_MARK");
}

core::Result<void, IoError> set_outer_tos(const DatagramSocket& s, std::uint8_t tos) noexcept {
    // IP_TOS keeps the ECN bits on UDP and raw sockets (only TCP masks them).
    if (v4(s)) return set_int(s, IPPROTO_IP, IP_TOS, tos, "IP_TOS");
    return set_int(s, IPPROTO_IPV6, IPV6_TCLASS, tos, "IPV6_TCLASS");
}

}  // namespace strata::io
