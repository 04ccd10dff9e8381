// Control messages of received datagrams: the TOS / traffic class and the
// destination address, from well-formed buffers, from hostile ones (lengths
// too short, too long, wrong payload sizes) and from real UDP sockets on
// loopback with receive_tos / receive_destination and set_outer_tos.
#include "io/recv_ancillary.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <vector>

#include "io/datagram_socket.hpp"
#include "io/socket_options.hpp"

namespace strata::io {
namespace {

// ControlBuilder lays control messages out as the kernel does (cmsg(3)).
class ControlBuilder {
public:
    ControlBuilder& add(int level, int type, const void* data, std::size_t len) {
        const std::size_t at = bytes_.size();
        bytes_.resize(at + CMSG_SPACE(len), 0);
        cmsghdr h{};
        h.cmsg_len = CMSG_LEN(len);
        h.cmsg_level = level;
        h.cmsg_type = type;
        std::memcpy(bytes_.data() + at, &h, sizeof h);
        std::memcpy(bytes_.data() + at + CMSG_LEN(0), data, len);
        return *this;
    }
    // set_len overwrites the cmsg_len of the message starting at `at`.
    ControlBuilder& set_len(std::size_t at, std::size_t len) {
        cmsghdr h{};
        std::memcpy(&h, bytes_.data() + at, sizeof h);
        h.cmsg_len = len;
        std::memcpy(bytes_.data() + at, &h, sizeof h);
        return *this;
    }
    [[nodiscard]] core::ByteView view() const { return core::ByteView(bytes_); }
    [[nodiscard]] std::size_t size() const { return bytes_.size(); }

private:
    std::vector<std::uint8_t> bytes_;
};

in6_pktinfo pktinfo6(const char* addr) {
    in6_pktinfo pi{};
    const packet::IpAddress a = *packet::IpAddress::parse(addr);
    std::memcpy(&pi.ipi6_addr, a.bytes().data(), 16);
    pi.ipi6_ifindex = 3;
    return pi;
}

TEST(RecvAncillary, ReadsTrafficClassAndPktinfo) {
    const int tclass = 0xb9;
    const in6_pktinfo pi = pktinfo6("2001:db8:ff::2");
    ControlBuilder c;
    c.add(IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass).add(IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
    const RecvAncillary a = parse_recv_ancillary(c.view());
    ASSERT_TRUE(a.tos.has_value());
    EXPECT_EQ(*a.tos, 0xb9);
    ASSERT_TRUE(a.dst.has_value());
    EXPECT_EQ(*a.dst, *packet::IpAddress::parse("2001:db8:ff::2"));
}

TEST(RecvAncillary, ReadsIpv4TosAndPktinfo) {
    const std::uint8_t tos = 0xba;
    in_pktinfo pi{};
    pi.ipi_addr.s_addr = htonl(0xc6336401);  // 198.51.100.1
    ControlBuilder c;
    c.add(IPPROTO_IP, IP_TOS, &tos, 1).add(IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi);
    const RecvAncillary a = parse_recv_ancillary(c.view());
    EXPECT_EQ(a.tos, std::optional<std::uint8_t>(0xba));
    EXPECT_EQ(a.dst, std::optional<packet::IpAddress>(*packet::IpAddress::parse("198.51.100.1")));
}

TEST(RecvAncillary, EmptyAndUnknownMessagesGiveNothing) {
    EXPECT_EQ(parse_recv_ancillary({}), RecvAncillary{});
    const int v = 1;
    ControlBuilder c;
    c.add(SOL_SOCKET, SO_TIMESTAMP, &v, sizeof v);
    EXPECT_EQ(parse_recv_ancillary(c.view()), RecvAncillary{});
    // Fewer bytes than one header.
    EXPECT_EQ(parse_recv_ancillary(c.view().first(sizeof(cmsghdr) - 1)), RecvAncillary{});
}

TEST(RecvAncillary, HostileLengthsEndTheWalkWithoutReadingPastTheBuffer) {
    const int tclass = 0x20;
    const in6_pktinfo pi = pktinfo6("2001:db8:ff::2");
    // A first message claiming more bytes than there are: nothing is read.
    ControlBuilder longer;
    longer.add(IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass).set_len(0, 4096);
    EXPECT_EQ(parse_recv_ancillary(longer.view()), RecvAncillary{});
    // Shorter than its own header: the walk stops.
    ControlBuilder shorter;
    shorter.add(IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass).set_len(0, 3);
    EXPECT_EQ(parse_recv_ancillary(shorter.view()), RecvAncillary{});
    // A good message, then a bad one: the good one stays.
    ControlBuilder mixed;
    mixed.add(IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass);
    const std::size_t second = mixed.size();
    mixed.add(IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi).set_len(second, 1 << 20);
    RecvAncillary a = parse_recv_ancillary(mixed.view());
    EXPECT_EQ(a.tos, std::optional<std::uint8_t>(0x20));
    EXPECT_FALSE(a.dst.has_value());
    // The buffer cut inside the second message's payload.
    ControlBuilder cut;
    cut.add(IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass)
        .add(IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
    a = parse_recv_ancillary(cut.view().first(cut.size() - 8));
    EXPECT_EQ(a.tos, std::optional<std::uint8_t>(0x20));
    EXPECT_FALSE(a.dst.has_value());
}

TEST(RecvAncillary, WrongPayloadSizesAndValuesAreIgnored) {
    const std::uint8_t one = 0xb8;
    const int too_big = 300;
    const std::array<std::uint8_t, 8> half{};
    ControlBuilder c;
    c.add(IPPROTO_IPV6, IPV6_TCLASS, &one, 1)                       // an int is expected
        .add(IPPROTO_IPV6, IPV6_TCLASS, &too_big, sizeof too_big)   // not a byte
        .add(IPPROTO_IPV6, IPV6_PKTINFO, half.data(), half.size())  // shorter than in6_pktinfo
        .add(IPPROTO_IP, IP_TOS, half.data(), 0);                   // empty
    EXPECT_EQ(parse_recv_ancillary(c.view()), RecvAncillary{});
}

// roundtrip sends one datagram with `tos` set on the sender and returns what
// the receiver's slot reported.
RecvSlot roundtrip(const char* addr, std::uint8_t tos) {
    const auto a = *packet::IpAddress::parse(addr);
    auto rx = DatagramSocket::bind_udp(Endpoint{a, 0});
    auto tx = DatagramSocket::bind_udp(Endpoint{a, 0});
    EXPECT_TRUE(rx.ok() && tx.ok());
    if (!rx.ok() || !tx.ok()) return {};
    EXPECT_TRUE(receive_tos(*rx).ok());
    EXPECT_TRUE(receive_destination(*rx).ok());
    EXPECT_TRUE(set_outer_tos(*tx, tos).ok());
    const std::array<std::uint8_t, 4> data{1, 2, 3, 4};
    const std::array<SendSlot, 1> out{SendSlot{core::ByteView(data), rx->local()}};
    EXPECT_EQ(tx->send_batch(out).sent, 1U);
    std::array<std::uint8_t, 64> buf{};
    std::array<RecvSlot, 1> slots{};
    slots[0].buffer = core::MutableByteView(buf);
    std::size_t got = 0;
    for (int tries = 0; tries < 1000 && got == 0; ++tries) {
        auto n = rx->recv_batch(slots);
        EXPECT_TRUE(n.ok());
        got = n.ok() ? *n : 0;
    }
    EXPECT_EQ(got, 1U);
    return slots[0];
}

TEST(RecvAncillary, UdpSocketsReportTosAndDestination) {
    for (const char* addr : {"127.0.0.1", "::1"}) {
        for (const int t : {0x00, 0xb8, 0xba, 0x03}) {
            SCOPED_TRACE(testing::Message() << addr << " tos " << t);
            const RecvSlot s = roundtrip(addr, static_cast<std::uint8_t>(t));
            EXPECT_EQ(s.length, 4U);
            EXPECT_EQ(s.ancillary.tos, std::optional<std::uint8_t>(static_cast<std::uint8_t>(t)));
            EXPECT_EQ(s.ancillary.dst, std::optional<packet::IpAddress>(*packet::IpAddress::parse(addr)));
        }
    }
}

TEST(RecvAncillary, SocketsThatDidNotAskReportNothing) {
    const auto a = *packet::IpAddress::parse("127.0.0.1");
    auto rx = DatagramSocket::bind_udp(Endpoint{a, 0});
    auto tx = DatagramSocket::bind_udp(Endpoint{a, 0});
    ASSERT_TRUE(rx.ok() && tx.ok());
    ASSERT_TRUE(set_outer_tos(*tx, 0xb8).ok());
    const std::array<std::uint8_t, 4> data{1, 2, 3, 4};
    const std::array<SendSlot, 1> out{SendSlot{core::ByteView(data), rx->local()}};
    ASSERT_EQ(tx->send_batch(out).sent, 1U);
    std::array<std::uint8_t, 64> buf{};
    std::array<RecvSlot, 1> slots{};
    slots[0].buffer = core::MutableByteView(buf);
    std::size_t got = 0;
    for (int tries = 0; tries < 1000 && got == 0; ++tries) got = rx->recv_batch(slots).value_or(0);
    ASSERT_EQ(got, 1U);
    EXPECT_EQ(slots[0].ancillary, RecvAncillary{});
}

}  // namespace
}  // namespace strata::io
