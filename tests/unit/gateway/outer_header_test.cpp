#include "gateway/outer_header.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::gateway {
namespace {

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

TEST(OuterHeader, PrependedIpv4HeaderParsesWithItsChecksum) {
    ipsec::PacketBuffer b;
    const std::vector<std::uint8_t> esp{0, 0, 0x10, 0x01, 0, 0, 0, 1, 0xaa, 0xbb};
    ASSERT_TRUE(b.assign(esp).ok());
    ASSERT_TRUE(prepend_esp_header(b, ip("198.51.100.1"), ip("198.51.100.2")).ok());
    auto p = packet::parse_ipv4(b.view());  // verifies the header checksum
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->header.protocol, 50);
    EXPECT_EQ(p->header.src, ip("198.51.100.1"));
    EXPECT_EQ(p->header.dst, ip("198.51.100.2"));
    EXPECT_EQ(p->payload.size(), esp.size());
    auto out = read_outgoing(b.view());
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->transport, Transport::Esp);
    EXPECT_EQ(out->payload.size(), esp.size());
}

TEST(OuterHeader, PrependedIpv6Header) {
    ipsec::PacketBuffer b;
    const std::vector<std::uint8_t> esp(24, 7);
    ASSERT_TRUE(b.assign(esp).ok());
    ASSERT_TRUE(prepend_esp_header(b, ip("2001:db8:ff::1"), ip("2001:db8:ff::2")).ok());
    auto p = packet::parse_ipv6(b.view());
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->upper_protocol, 50);
    EXPECT_EQ(p->upper.size(), esp.size());
    EXPECT_FALSE(prepend_esp_header(b, ip("2001:db8:ff::1"), ip("198.51.100.2")).ok());  // mixed versions
}

TEST(OuterHeader, ReadsUdpEncapsulatedEsp) {
    // IPv4 + UDP 4500 -> 4501 + 8 bytes of ESP header.
    std::vector<std::uint8_t> udp{0x11, 0x94, 0x11, 0x95, 0, 16, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 1};
    packet::Ipv4Header h;
    h.src = ip("198.51.100.1");
    h.dst = ip("198.51.100.2");
    h.protocol = 17;
    auto pkt = packet::build_ipv4(h, udp);
    ASSERT_TRUE(pkt.ok());
    auto out = read_outgoing(*pkt);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->transport, Transport::Udp);
    EXPECT_EQ(out->src_port, 4500);
    EXPECT_EQ(out->dst_port, 4501);
    EXPECT_EQ(out->payload.size(), 8U);
    EXPECT_EQ(out->payload[3], 0x01);
    // Neither UDP nor ESP, truncated UDP, junk: Malformed.
    h.protocol = 6;
    EXPECT_FALSE(read_outgoing(*packet::build_ipv4(h, udp)).ok());
    h.protocol = 17;
    EXPECT_FALSE(read_outgoing(*packet::build_ipv4(h, core::ByteView(udp).first(5))).ok());
    const std::vector<std::uint8_t> junk{0x45, 1, 2};
    EXPECT_FALSE(read_outgoing(junk).ok());
    EXPECT_FALSE(read_outgoing({}).ok());
}

}  // namespace
}  // namespace strata::gateway
