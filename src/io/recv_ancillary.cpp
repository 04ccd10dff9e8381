#include "io/recv_ancillary.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace strata::io {

namespace {

// Control messages are aligned to the size of a long on Linux (cmsg(3):
// CMSG_ALIGN); computed here rather than through the macros' casts.
constexpr std::size_t align(std::size_t n) noexcept { return (n + sizeof(long) - 1) & ~(sizeof(long) - 1); }
constexpr std::size_t kHeader = align(sizeof(cmsghdr));  // CMSG_LEN(0)

}  // namespace

RecvAncillary parse_recv_ancillary(core::ByteView control) noexcept {
    RecvAncillary out;
    std::size_t off = 0;
    while (control.size() - off >= sizeof(cmsghdr)) {
        cmsghdr h{};
        std::memcpy(&h, control.data() + off, sizeof h);  // the buffer need not be aligned for us
        const std::size_t len = h.cmsg_len;
        if (len < kHeader || len > control.size() - off) break;  // cmsg(3): a bad length ends the list
        const core::ByteView data = control.subspan(off + kHeader, len - kHeader);
        if (h.cmsg_level == IPPROTO_IP && h.cmsg_type == IP_TOS && !data.empty()) {
            // ip(7) IP_RECVTOS: one byte, the TOS field.
            out.tos = data[0];
        } else if (h.cmsg_level == IPPROTO_IPV6 && h.cmsg_type == IPV6_TCLASS && data.size() == sizeof(int)) {
            // ipv6(7) IPV6_RECVTCLASS: an int holding the traffic class.
            int v = 0;
            std::memcpy(&v, data.data(), sizeof v);
            if (v >= 0 && v <= 0xff) out.tos = static_cast<std::uint8_t>(v);
        } else if (h.cmsg_level == IPPROTO_IPV6 && h.cmsg_type == IPV6_PKTINFO &&
                   data.size() >= sizeof(in6_pktinfo)) {
            in6_pktinfo pi{};
            std::memcpy(&pi, data.data(), sizeof pi);
            std::array<std::uint8_t, 16> a{};
            std::memcpy(a.data(), &pi.ipi6_addr, a.size());
            out.dst = packet::IpAddress::v6(a);
        } else if (h.cmsg_level == IPPROTO_IP && h.cmsg_type == IP_PKTINFO &&
                   data.size() >= sizeof(in_pktinfo)) {
            // ip(7): ipi_addr is the header's destination address.
            in_pktinfo pi{};
            std::memcpy(&pi, data.data(), sizeof pi);
            out.dst = packet::IpAddress::v4(ntohl(pi.ipi_addr.s_addr));
        }
        const std::size_t step = align(len);
        if (step > control.size() - off) break;
        off += step;
    }
    return out;
}

}  // namespace strata::io
