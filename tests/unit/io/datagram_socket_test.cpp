#include "io/datagram_socket.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace strata::io {
namespace {

Endpoint loopback(std::uint16_t port) { return Endpoint{*packet::IpAddress::parse("127.0.0.1"), port}; }

TEST(DatagramSocket, BatchesGoOutAndComeBackInOrder) {
    auto rx = DatagramSocket::bind_udp(loopback(0));
    auto tx = DatagramSocket::bind_udp(loopback(0));
    ASSERT_TRUE(rx.ok());
    ASSERT_TRUE(tx.ok());
    ASSERT_NE(rx->local().port, 0);
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<SendSlot> out;
    for (std::uint8_t i = 0; i < 10; ++i) payloads.push_back(std::vector<std::uint8_t>(100 + i, i));
    for (const auto& p : payloads) out.push_back(SendSlot{core::ByteView(p), rx->local()});
    const SendOutcome o = tx->send_batch(out);
    EXPECT_EQ(o.sent, 10U);
    EXPECT_EQ(o.failed, 0U);

    std::vector<std::array<std::uint8_t, 2048>> bufs(16);
    std::vector<RecvSlot> slots(16);
    for (std::size_t i = 0; i < slots.size(); ++i) slots[i].buffer = core::MutableByteView(bufs[i]);
    std::size_t got = 0;
    for (int tries = 0; tries < 100 && got < 10; ++tries) {
        auto n = rx->recv_batch(std::span(slots).subspan(got));
        ASSERT_TRUE(n.ok());
        got += *n;
    }
    ASSERT_EQ(got, 10U);
    for (std::size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(slots[i].length, 100 + i);
        EXPECT_EQ(bufs[i][0], i);
        EXPECT_EQ(slots[i].from, tx->local());
        EXPECT_FALSE(slots[i].truncated);
    }
    auto none = rx->recv_batch(slots);  // nothing queued: 0, not an error
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(*none, 0U);
}

TEST(DatagramSocket, ReusePortLetsTwoSocketsShareAPort) {
    UdpOptions opt;
    opt.reuse_port = true;
    auto a = DatagramSocket::bind_udp(loopback(0), opt);
    ASSERT_TRUE(a.ok());
    auto b = DatagramSocket::bind_udp(loopback(a->local().port), opt);
    EXPECT_TRUE(b.ok());
    auto c = DatagramSocket::bind_udp(loopback(a->local().port));  // without SO_REUSEPORT: refused
    EXPECT_FALSE(c.ok());
}

TEST(DatagramSocket, TruncatedDatagramIsReported) {
    auto rx = DatagramSocket::bind_udp(loopback(0));
    auto tx = DatagramSocket::bind_udp(loopback(0));
    ASSERT_TRUE(rx.ok() && tx.ok());
    std::vector<std::uint8_t> big(500, 7);
    std::array<SendSlot, 1> out{SendSlot{core::ByteView(big), rx->local()}};
    ASSERT_EQ(tx->send_batch(out).sent, 1U);
    std::array<std::uint8_t, 100> small{};
    std::array<RecvSlot, 1> slot{};
    slot[0].buffer = core::MutableByteView(small);
    std::size_t n = 0;
    for (int i = 0; i < 100 && n == 0; ++i) n = rx->recv_batch(slot).value_or(0);
    ASSERT_EQ(n, 1U);
    EXPECT_TRUE(slot[0].truncated);
}

}  // namespace
}  // namespace strata::io
