#include "ipsec/udp_encap.hpp"

#include <gtest/gtest.h>

#include "core/reader.hpp"
#include "crypto/algorithm_table.hpp"
#include "ipsec/esp.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

namespace strata::ipsec {
namespace {

using packet::IpAddress;
using packet::IpVersion;

IpAddress addr(const char* t) { return *IpAddress::parse(t); }

std::unique_ptr<SecurityAssociation> make_sa(IpVersion v, Direction dir) {
    SaConfig c;
    c.spi = 0xc0ffee;
    c.direction = dir;
    c.mode = Mode::Tunnel;
    c.src = addr(v == IpVersion::V4 ? "203.0.113.1" : "2001:db8:9::1");
    c.dst = addr(v == IpVersion::V4 ? "203.0.113.2" : "2001:db8:9::2");
    c.encryption = crypto::find_encryption("aes256gcm16");
    c.encryption_key = core::SecretBytes(core::Bytes(36, 0x42));
    c.udp_encap = UdpEncapsulation{4500, 4500};
    auto sa = SecurityAssociation::create(std::move(c), core::Instant{});
    EXPECT_TRUE(sa.ok());
    return std::move(sa).value();
}

core::Bytes inner_packet() {
    packet::Ipv4Header h;
    h.protocol = packet::ipproto::kUdp;
    h.src = addr("10.0.0.1");
    h.dst = addr("10.0.0.2");
    auto udp = *packet::build_udp(7, 9, core::Bytes(30, 3), h.src, h.dst);
    return *packet::build_ipv4(h, udp);
}

TEST(UdpEncap, ClassifiesPort4500Payloads) {
    const core::Bytes keepalive{0xff};
    auto k = classify_udp_encap(keepalive);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->kind, UdpEncapKind::NatKeepalive);  // RFC 3948 §2.3

    const core::Bytes ike{0, 0, 0, 0, 0xaa, 0xbb};
    auto i = classify_udp_encap(ike);
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i->kind, UdpEncapKind::Ike);  // RFC 3948 §2.2 non-ESP marker
    EXPECT_EQ(core::Bytes(i->ike.begin(), i->ike.end()), (core::Bytes{0xaa, 0xbb}));

    const core::Bytes esp{0, 0, 1, 0, 0, 0, 0, 1};
    auto e = classify_udp_encap(esp);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->kind, UdpEncapKind::Esp);

    for (const core::Bytes& bad :
         {core::Bytes{}, core::Bytes{0xfe}, core::Bytes{0, 0, 0}, core::Bytes{1, 2, 3, 4, 5}}) {
        auto r = classify_udp_encap(bad);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error(), Drop::Truncated);
    }
}

class UdpEncapRoundTrip : public ::testing::TestWithParam<IpVersion> {};

TEST_P(UdpEncapRoundTrip, WrapsAndUnwrapsEsp) {
    const IpVersion v = GetParam();
    auto out = make_sa(v, Direction::Outbound);
    auto in = make_sa(v, Direction::Inbound);
    const core::Bytes original = inner_packet();
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(original).ok());
    ASSERT_TRUE(esp_outbound(*out, buf).ok());
    const std::size_t esp_size = buf.size();
    ASSERT_TRUE(udp_encapsulate(buf, *out->config().udp_encap).ok());
    EXPECT_EQ(buf.size(), esp_size + 8);

    // The result is a valid UDP datagram from 4500 to 4500.
    core::ByteView segment;
    if (v == IpVersion::V4) {
        auto ip = packet::parse_ipv4(buf.view());
        ASSERT_TRUE(ip.ok());
        EXPECT_EQ(ip->header.protocol, packet::ipproto::kUdp);
        segment = ip->payload;
        core::Reader r(segment.subspan(6));
        EXPECT_EQ(*r.u16(), 0);  // RFC 3948 §2.1: zero checksum over IPv4
    } else {
        auto ip = packet::parse_ipv6(buf.view());
        ASSERT_TRUE(ip.ok());
        EXPECT_EQ(ip->upper_protocol, packet::ipproto::kUdp);
        segment = ip->upper;
    }
    auto udp =
        packet::parse_udp(segment, out->config().src, out->config().dst);  // checksum verified for IPv6
    ASSERT_TRUE(udp.ok());
    EXPECT_EQ(udp->header.src_port, 4500);
    EXPECT_EQ(udp->header.dst_port, 4500);

    auto info = udp_decapsulate(buf);
    ASSERT_TRUE(info.ok()) << to_string(info.error());
    EXPECT_EQ(info->kind, UdpEncapKind::Esp);
    EXPECT_EQ(buf.size(), esp_size);
    auto got = esp_inbound(*in, buf);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(core::Bytes(buf.view().begin(), buf.view().end()), original);
}

INSTANTIATE_TEST_SUITE_P(Versions, UdpEncapRoundTrip, ::testing::Values(IpVersion::V4, IpVersion::V6));

TEST(UdpEncap, IkeDatagramIsLeftAlone) {
    const IpAddress a = addr("198.51.100.7");
    const IpAddress b = addr("198.51.100.8");
    const core::Bytes ike{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    auto udp = *packet::build_udp(4500, 4500, ike, a, b, packet::UdpChecksum::Omit);
    packet::Ipv4Header h;
    h.protocol = packet::ipproto::kUdp;
    h.src = a;
    h.dst = b;
    const core::Bytes datagram = *packet::build_ipv4(h, udp);
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(datagram).ok());
    auto info = udp_decapsulate(buf);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->kind, UdpEncapKind::Ike);
    EXPECT_EQ(core::Bytes(info->ike.begin(), info->ike.end()), (core::Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(core::Bytes(buf.view().begin(), buf.view().end()), datagram);
}

TEST(UdpEncap, RejectsNonUdpAndBadLength) {
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(inner_packet()).ok());
    auto notudp = udp_encapsulate(buf, UdpEncapsulation{});  // no ESP inside
    ASSERT_FALSE(notudp.ok());
    EXPECT_EQ(notudp.error(), Drop::Malformed);
}

}  // namespace
}  // namespace strata::ipsec
