// tun.hpp: a Linux TUN device (IFF_TUN | IFF_NO_PI), optionally multi-queue.
//
// Each read returns one IP packet the kernel routed into the device; each
// write hands one IP packet to the kernel as if it arrived on the device.
// With several queues (IFF_MULTI_QUEUE) the kernel spreads flows over the
// queue descriptors, so one worker per core can own one queue.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "io/fd.hpp"

namespace strata::io {

// kTunNameMax is the longest interface name Linux accepts (IFNAMSIZ - 1).
inline constexpr std::size_t kTunNameMax = 15;

class TunDevice {
public:
    // open creates (or attaches to) TUN device `name` with `queues` queues
    // (1: a classic single-queue device). Needs CAP_NET_ADMIN. The device
    // exists while a queue is open; it is removed when the last one closes.
    static IoResult<TunDevice> open(std::string_view name, std::size_t queues);

    // name returns the interface name the kernel gave the device.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    // queues returns how many queue descriptors are open.
    [[nodiscard]] std::size_t queues() const noexcept { return fds_.size(); }
    // queue_fd returns the (non-blocking) descriptor of queue i.
    [[nodiscard]] int queue_fd(std::size_t i) const noexcept { return fds_[i].get(); }

    // set_mtu sets the interface MTU; set_up brings the interface up.
    core::Result<void, IoError> set_mtu(int mtu) const;
    core::Result<void, IoError> set_up() const;

    // read_packet reads one packet from queue fd into buf; returns its
    // length, or 0 when none is waiting. A packet longer than buf is cut
    // (reported as EMSGSIZE).
    static IoResult<std::size_t> read_packet(int fd, core::MutableByteView buf) noexcept;
    // write_packet writes one IP packet to queue fd.
    static core::Result<void, IoError> write_packet(int fd, core::ByteView pkt) noexcept;

private:
    TunDevice(std::string name, std::vector<Fd> fds) : name_(std::move(name)), fds_(std::move(fds)) {}
    std::string name_;
    std::vector<Fd> fds_;
};

}  // namespace strata::io
