#include "ipsec/tunnel.hpp"

#include <gtest/gtest.h>

#include "core/writer.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::ipsec {
namespace {

constexpr std::uint8_t kNotEct = 0, kEct1 = 1, kEct0 = 2, kCe = 3;

TEST(Ecn, EncapsulationCopiesDscpAndEcn) {
    // RFC 6040 §4.1 normal mode.
    for (unsigned tos = 0; tos < 256; ++tos) EXPECT_EQ(ecn_encapsulate(static_cast<std::uint8_t>(tos)), tos);
}

TEST(Ecn, DecapsulationFollowsRfc6040Figure4) {
    struct Row {
        std::uint8_t inner;
        std::uint8_t outer[4];  // result for outer Not-ECT, ECT(0), ECT(1), CE; 0xff = drop
    };
    const Row table[] = {
        {kNotEct, {kNotEct, kNotEct, kNotEct, 0xff}},
        {kEct0, {kEct0, kEct0, kEct1, kCe}},
        {kEct1, {kEct1, kEct1, kEct1, kCe}},
        {kCe, {kCe, kCe, kCe, kCe}},
    };
    const std::uint8_t outers[4] = {kNotEct, kEct0, kEct1, kCe};
    for (const Row& row : table) {
        for (int i = 0; i < 4; ++i) {
            const std::uint8_t inner_tos = static_cast<std::uint8_t>(0xb8 | row.inner);  // DSCP EF kept
            auto got = ecn_decapsulate(outers[i], inner_tos);
            if (row.outer[i] == 0xff) {
                EXPECT_FALSE(got.has_value());
            } else {
                ASSERT_TRUE(got.has_value());
                EXPECT_EQ(*got, static_cast<std::uint8_t>(0xb8 | row.outer[i])) << int(row.inner) << " " << i;
            }
        }
    }
}

core::Bytes v4_packet(std::uint8_t tos) {
    packet::Ipv4Header h;
    h.tos = tos;
    h.protocol = packet::ipproto::kUdp;
    h.src = *packet::IpAddress::parse("10.0.0.1");
    h.dst = *packet::IpAddress::parse("10.0.0.2");
    return *packet::build_ipv4(h, core::Bytes(12, 0));
}

TEST(TunnelHeader, OuterHeaderV4AndV6) {
    for (const char* src : {"192.0.2.1", "2001:db8::1"}) {
        SaConfig cfg;
        cfg.src = *packet::IpAddress::parse(src);
        cfg.dst = *packet::IpAddress::parse(cfg.src.is_v4() ? "192.0.2.9" : "2001:db8::9");
        cfg.tunnel_ttl = 33;
        PacketBuffer buf;
        ASSERT_TRUE(buf.assign(v4_packet(0x2e)).ok());
        OuterHeaderParams p;
        p.protocol = packet::ipproto::kEsp;
        p.inner_tos = 0x2e;
        p.inner_dont_fragment = true;
        p.ipv4_identification = 99;
        ASSERT_TRUE(push_outer_header(cfg, buf, p).ok());
        if (cfg.src.is_v4()) {
            auto ip = packet::parse_ipv4(buf.view());
            ASSERT_TRUE(ip.ok());
            EXPECT_EQ(ip->header.ttl, 33);
            EXPECT_EQ(ip->header.tos, 0x2e);
            EXPECT_EQ(ip->header.identification, 99);
            EXPECT_TRUE(ip->header.dont_fragment());
            EXPECT_EQ(ip->header.dst, cfg.dst);
        } else {
            auto ip = packet::parse_ipv6(buf.view());
            ASSERT_TRUE(ip.ok());
            EXPECT_EQ(ip->header.hop_limit, 33);
            EXPECT_EQ(ip->header.traffic_class, 0x2e);
            EXPECT_EQ(ip->header.next_header, packet::ipproto::kEsp);
        }
    }
}

TEST(TunnelHeader, DecapsulateInnerMarksCeAndFixesChecksum) {
    PacketBuffer buf;
    core::Bytes p = v4_packet(kEct0);
    p.push_back(0xee);  // link padding
    ASSERT_TRUE(buf.assign(p).ok());
    ASSERT_TRUE(decapsulate_inner(buf, packet::ipproto::kIpv4, kCe).ok());
    auto ip = packet::parse_ipv4(buf.view());
    ASSERT_TRUE(ip.ok());  // checksum is right after the TOS change
    EXPECT_EQ(ip->header.tos, kCe);
    EXPECT_EQ(buf.size(), p.size() - 1);

    PacketBuffer drop;
    ASSERT_TRUE(drop.assign(v4_packet(kNotEct)).ok());
    auto r = decapsulate_inner(drop, packet::ipproto::kIpv4, kCe);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Drop::Malformed);  // RFC 6040 §4.2: MUST drop

    PacketBuffer wrong;
    ASSERT_TRUE(wrong.assign(v4_packet(0)).ok());
    EXPECT_FALSE(decapsulate_inner(wrong, packet::ipproto::kIpv6, 0).ok());  // says IPv6, holds IPv4
}

TEST(TunnelHeader, DecapsulateInnerIpv6TrafficClass) {
    packet::Ipv6Header h;
    h.traffic_class = 0xb9;  // EF, ECT(1)
    h.flow_label = 0xfffff;
    h.next_header = packet::ipproto::kNoNextHeader;
    h.src = *packet::IpAddress::parse("fd00::1");
    h.dst = *packet::IpAddress::parse("fd00::2");
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(*packet::build_ipv6(h, {})).ok());
    ASSERT_TRUE(decapsulate_inner(buf, packet::ipproto::kIpv6, kCe).ok());
    auto ip = packet::parse_ipv6(buf.view());
    ASSERT_TRUE(ip.ok());
    EXPECT_EQ(ip->header.traffic_class, 0xbb);
    EXPECT_EQ(ip->header.flow_label, 0xfffffU);
}

TEST(TunnelHeader, LayoutsFindInsertionPoints) {
    auto v4 = outbound_layout(v4_packet(0));
    ASSERT_TRUE(v4.ok());
    EXPECT_EQ(v4->insert_offset, 20U);
    EXPECT_EQ(v4->next_header_field, 9U);
    EXPECT_EQ(v4->next_header, packet::ipproto::kUdp);
    EXPECT_EQ(inbound_layout(v4_packet(0), packet::ipproto::kEsp).error(), Drop::Malformed);
    EXPECT_EQ(outbound_layout(core::Bytes{0x45, 0}).error(), Drop::Malformed);
    EXPECT_EQ(outbound_layout(core::Bytes{}).error(), Drop::Malformed);
}

}  // namespace
}  // namespace strata::ipsec
