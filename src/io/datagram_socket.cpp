#include "io/datagram_socket.hpp"

#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace strata::io {

struct DatagramSocket::Scratch {
    std::array<mmsghdr, kMaxBatch> msgs{};
    std::array<iovec, kMaxBatch> iov{};
    std::array<sockaddr_storage, kMaxBatch> addrs{};
    // Control messages (recv_ancillary.hpp), one buffer per datagram.
    struct alignas(cmsghdr) Control {
        std::array<std::uint8_t, kRecvControlBytes> bytes;
    };
    std::array<Control, kMaxBatch> control{};
};

DatagramSocket::DatagramSocket(Fd fd, Endpoint local)
    : fd_(std::move(fd)), local_(local), scratch_(std::make_unique<Scratch>()) {}
DatagramSocket::DatagramSocket(DatagramSocket&&) noexcept = default;
DatagramSocket& DatagramSocket::operator=(DatagramSocket&&) noexcept = default;
DatagramSocket::~DatagramSocket() = default;

namespace {

core::Result<void, IoError> set_int(int fd, int level, int opt, int value, std::string_view what) {
    if (::setsockopt(fd, level, opt, &value, sizeof value) < 0) return core::fail(last_error(what));
    return {};
}

}  // namespace

IoResult<DatagramSocket> DatagramSocket::bind_udp(const Endpoint& local, const UdpOptions& opt) {
    const int family = local.address.is_v4() ? AF_INET : AF_INET6;
    Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
    if (!fd.valid()) return core::fail(last_error("socket(udp)"));
    if (opt.reuse_port) {
        if (auto r = set_int(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT"); !r)
            return core::fail(r.error());
    }
    if (family == AF_INET6) {
        if (auto r = set_int(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY"); !r)
            return core::fail(r.error());
    }
    if (opt.receive_buffer > 0) {
        if (auto r = set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, opt.receive_buffer, "SO_RCVBUF"); !r)
            return core::fail(r.error());
    }
    if (opt.send_buffer > 0) {
        if (auto r = set_int(fd.get(), SOL_SOCKET, SO_SNDBUF, opt.send_buffer, "SO_SNDBUF"); !r)
            return core::fail(r.error());
    }
    sockaddr_storage ss{};
    const socklen_t len = to_sockaddr(local, ss);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) < 0)  // NOLINT
        return core::fail(last_error("bind"));
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &blen) < 0)  // NOLINT
        return core::fail(last_error("getsockname"));
    return DatagramSocket(std::move(fd), from_sockaddr(bound));
}

IoResult<DatagramSocket> DatagramSocket::open_raw(const packet::IpAddress& local, std::uint8_t protocol,
                                                  int receive_buffer) {
    const int family = local.is_v4() ? AF_INET : AF_INET6;
    Fd fd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
    if (!fd.valid()) return core::fail(last_error("socket(raw)"));
    if (receive_buffer > 0) {
        if (auto r = set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, receive_buffer, "SO_RCVBUF"); !r)
            return core::fail(r.error());
    }
    sockaddr_storage ss{};
    const socklen_t len = to_sockaddr(Endpoint{local, 0}, ss);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) < 0)  // NOLINT
        return core::fail(last_error("bind(raw)"));
    return DatagramSocket(std::move(fd), Endpoint{local, 0});
}

core::Result<void, IoError> DatagramSocket::discard_input() noexcept {
    // A classic BPF program of one instruction: return 0 (keep no bytes).
    std::array<sock_filter, 1> code{{{BPF_RET | BPF_K, 0, 0, 0}}};
    sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
        return core::fail(last_error("SO_ATTACH_FILTER"));
    return {};
}

IoResult<std::size_t> DatagramSocket::recv_batch(std::span<RecvSlot> slots) noexcept {
    const std::size_t n = std::min(slots.size(), kMaxBatch);
    if (n == 0) return std::size_t{0};
    Scratch& s = *scratch_;
    for (std::size_t i = 0; i < n; ++i) {
        s.iov[i] = iovec{slots[i].buffer.data(), slots[i].buffer.size()};
        s.msgs[i] = mmsghdr{};
        s.msgs[i].msg_hdr.msg_iov = &s.iov[i];
        s.msgs[i].msg_hdr.msg_iovlen = 1;
        s.msgs[i].msg_hdr.msg_name = &s.addrs[i];
        s.msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        s.msgs[i].msg_hdr.msg_control = s.control[i].bytes.data();
        s.msgs[i].msg_hdr.msg_controllen = s.control[i].bytes.size();
    }
    const int got = ::recvmmsg(fd_.get(), s.msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
    if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::size_t{0};
        return core::fail(last_error("recvmmsg"));
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
        slots[i].length = s.msgs[i].msg_len;
        slots[i].truncated = (s.msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        slots[i].from = from_sockaddr(s.addrs[i]);
        // Nothing is there unless the socket asked for it (socket_options.hpp).
        const std::size_t clen = std::min<std::size_t>(s.msgs[i].msg_hdr.msg_controllen, kRecvControlBytes);
        slots[i].ancillary = clen == 0 ? RecvAncillary{}
                                       : parse_recv_ancillary(core::ByteView(s.control[i].bytes).first(clen));
    }
    return static_cast<std::size_t>(got);
}

SendOutcome DatagramSocket::send_batch(std::span<const SendSlot> slots) noexcept {
    const std::size_t n = std::min(slots.size(), kMaxBatch);
    SendOutcome out;
    if (n == 0) return out;
    Scratch& s = *scratch_;
    for (std::size_t i = 0; i < n; ++i) {
        // sendmmsg takes a non-const iovec; the kernel only reads it.
        s.iov[i] = iovec{const_cast<std::uint8_t*>(slots[i].data.data()), slots[i].data.size()};  // NOLINT
        s.msgs[i] = mmsghdr{};
        s.msgs[i].msg_hdr.msg_iov = &s.iov[i];
        s.msgs[i].msg_hdr.msg_iovlen = 1;
        s.msgs[i].msg_hdr.msg_name = &s.addrs[i];
        s.msgs[i].msg_hdr.msg_namelen = to_sockaddr(slots[i].to, s.addrs[i]);
    }
    std::size_t next = 0;
    while (next < n) {
        const int r =
            ::sendmmsg(fd_.get(), s.msgs.data() + next, static_cast<unsigned>(n - next), MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;
            // sendmmsg reports an error only for the first message of the call.
            out.last_error = errno;
            ++out.failed;
            ++next;
            continue;
        }
        out.sent += static_cast<std::size_t>(r);
        next += static_cast<std::size_t>(r);
    }
    return out;
}

core::Result<void, IoError> send_datagram(int fd, core::ByteView data, const Endpoint& to) noexcept {
    sockaddr_storage ss{};
    const socklen_t len = to_sockaddr(to, ss);
    const ssize_t n = ::sendto(fd, data.data(), data.size(), MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&ss), len);  // NOLINT: the sockets API
    if (n < 0) return core::fail(last_error("sendto"));
    return {};
}

}  // namespace strata::io
