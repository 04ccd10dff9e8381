#include "io/tun.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::io {

namespace {

ifreq request_for(std::string_view name) noexcept {
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), std::min(name.size(), kTunNameMax));
    return ifr;
}

}  // namespace

IoResult<TunDevice> TunDevice::open(std::string_view name, std::size_t queues) {
    if (name.empty() || name.size() > kTunNameMax || queues == 0) return core::fail(IoError{EINVAL, "tun"});
    std::vector<Fd> fds;
    std::string actual(name);
    for (std::size_t i = 0; i < queues; ++i) {
        Fd fd(::open("/dev/net/tun",
                     O_RDWR | O_NONBLOCK | O_CLOEXEC));  // NOLINT(cppcoreguidelines-pro-type-vararg)
        if (!fd.valid()) return core::fail(last_error("open(/dev/net/tun)"));
        ifreq ifr = request_for(actual);
        ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | (queues > 1 ? IFF_MULTI_QUEUE : 0));
        if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0)  // NOLINT(cppcoreguidelines-pro-type-vararg)
            return core::fail(last_error("ioctl(TUNSETIFF)"));
        actual.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
        fds.push_back(std::move(fd));
    }
    return TunDevice(std::move(actual), std::move(fds));
}

core::Result<void, IoError> TunDevice::set_mtu(int mtu) const {
    Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s.valid()) return core::fail(last_error("socket"));
    ifreq ifr = request_for(name_);
    ifr.ifr_mtu = mtu;
    if (::ioctl(s.get(), SIOCSIFMTU, &ifr) < 0)  // NOLINT(cppcoreguidelines-pro-type-vararg)
        return core::fail(last_error("ioctl(SIOCSIFMTU)"));
    return {};
}

core::Result<void, IoError> TunDevice::set_up() const {
    Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s.valid()) return core::fail(last_error("socket"));
    ifreq ifr = request_for(name_);
    if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) < 0)  // NOLINT(cppcoreguidelines-pro-type-vararg)
        return core::fail(last_error("ioctl(SIOCGIFFLAGS)"));
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) < 0)  // NOLINT(cppcoreguidelines-pro-type-vararg)
        return core::fail(last_error("ioctl(SIOCSIFFLAGS)"));
    return {};
}

IoResult<std::size_t> TunDevice::read_packet(int fd, core::MutableByteView buf) noexcept {
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
        return core::fail(last_error("read(tun)"));
    }
}

core::Result<void, IoError> TunDevice::write_packet(int fd, core::ByteView pkt) noexcept {
    for (;;) {
        const ssize_t n = ::write(fd, pkt.data(), pkt.size());
        if (n >= 0) return {};
        if (errno == EINTR) continue;
        return core::fail(last_error("write(tun)"));
    }
}

}  // namespace strata::io
