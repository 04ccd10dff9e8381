#include "io/tun.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

#include "io/process.hpp"

namespace strata::io {
namespace {

// The TUN test runs in a child process inside a network namespace of its
// own (unshare CLONE_NEWNET), so it never touches the machine's interfaces.
// It needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and /dev/net/tun.
int tun_checks() {
    if (::unshare(CLONE_NEWNET) != 0) return 10;
    auto tun = TunDevice::open("stratatest0", 2);
    if (!tun) return 11;
    if (tun->name() != "stratatest0" || tun->queues() != 2) return 12;
    if (!tun->set_mtu(1400).ok()) return 13;
    if (!tun->set_up().ok()) return 14;
    std::array<std::uint8_t, 2048> buf{};
    // A queue with nothing pending reads as 0 without blocking. The kernel may
    // already have queued its own IPv6 link-local traffic (router
    // solicitation, MLD) when the device came up: drain that first.
    bool drained = false;
    for (int i = 0; i < 64 && !drained; ++i) {
        auto n = TunDevice::read_packet(tun->queue_fd(0), buf);
        if (!n) return 15;
        drained = *n == 0;
    }
    if (!drained) return 15;
    // Route a documentation prefix into the device and send a datagram there:
    // it must come out of one of the queues as an IPv4 packet.
    auto r = run_program({"ip", "route", "add", "192.0.2.0/24", "dev", "stratatest0"});
    if (!r || r->exit_status != 0) return 16;
    auto a = run_program({"ip", "addr", "add", "198.51.100.1/32", "dev", "stratatest0"});
    if (!a || a->exit_status != 0) return 17;
    auto ping = run_program({"ping", "-c", "1", "-W", "1", "192.0.2.7"});
    if (!ping) return 18;
    for (int tries = 0; tries < 50; ++tries) {
        for (std::size_t q = 0; q < 2; ++q) {
            auto n = TunDevice::read_packet(tun->queue_fd(q), buf);
            if (n && *n >= 20 && (buf[0] >> 4) == 4 && buf[16] == 192 && buf[19] == 7) return 0;
        }
        ::usleep(10000);
    }
    return 19;
}

TEST(TunDevice, MultiQueueDeviceCarriesRoutedPackets) {
    if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0)
        GTEST_SKIP() << "needs root and /dev/net/tun";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(tun_checks());
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "failed check number " << WEXITSTATUS(status);
}

TEST(TunDevice, RefusesBadNames) {
    EXPECT_FALSE(TunDevice::open("", 1).ok());
    EXPECT_FALSE(TunDevice::open("a-name-that-is-far-too-long", 1).ok());
    EXPECT_FALSE(TunDevice::open("x", 0).ok());
}

}  // namespace
}  // namespace strata::io
