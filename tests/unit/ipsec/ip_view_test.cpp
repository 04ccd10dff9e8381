// view_ip: one parse gives what extract_fields and outbound_layout give.
#include "ipsec/ip_view.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "packet/icmp.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

namespace strata::ipsec {
namespace {

using packet::IpAddress;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

core::Bytes udp4(std::uint8_t tos = 0, std::uint8_t flags = 0) {
    auto udp = packet::build_udp(40000, 53, core::Bytes(30, 1), ip("192.0.2.1"), ip("198.51.100.2"));
    packet::Ipv4Header h;
    h.tos = tos;
    h.flags = flags;
    h.protocol = 17;
    h.src = ip("192.0.2.1");
    h.dst = ip("198.51.100.2");
    return *packet::build_ipv4(h, *udp);
}

core::Bytes udp6() {
    auto udp = packet::build_udp(5000, 4500, core::Bytes(10, 2), ip("2001:db8::1"), ip("2001:db8::2"));
    packet::Ipv6Header h;
    h.traffic_class = 0xb8;
    h.next_header = 17;
    h.src = ip("2001:db8::1");
    h.dst = ip("2001:db8::2");
    return *packet::build_ipv6(h, *udp);
}

void expect_same_as_the_separate_parsers(const core::Bytes& pkt) {
    IpView v;
    ASSERT_TRUE(view_ip(pkt, Ipv4Checksum::Verify, v).ok());
    auto f = extract_fields(pkt);
    ASSERT_TRUE(f.ok());
    EXPECT_TRUE(v.fields == *f);
    auto l = outbound_layout(pkt);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(v.layout.version, l->version);
    EXPECT_EQ(v.layout.length, l->length);
    EXPECT_EQ(v.layout.insert_offset, l->insert_offset);
    EXPECT_EQ(v.layout.next_header_field, l->next_header_field);
    EXPECT_EQ(v.layout.next_header, l->next_header);
    EXPECT_EQ(v.layout.tos, l->tos);
    EXPECT_EQ(v.layout.dont_fragment, l->dont_fragment);
    EXPECT_FALSE(v.layout.fragment);
}

TEST(ViewIp, Ipv4UdpFieldsAndLayout) {
    const core::Bytes pkt = udp4(0x2e, packet::kIpv4FlagDontFragment);
    expect_same_as_the_separate_parsers(pkt);
    IpView v;
    ASSERT_TRUE(view_ip(pkt, Ipv4Checksum::Verify, v).ok());
    EXPECT_EQ(v.fields.src, ip("192.0.2.1"));
    EXPECT_EQ(v.fields.dst, ip("198.51.100.2"));
    EXPECT_EQ(v.fields.protocol, 17);
    EXPECT_TRUE(v.fields.has_ports);
    EXPECT_EQ(v.fields.src_port, 40000);
    EXPECT_EQ(v.fields.dst_port, 53);
    EXPECT_EQ(v.layout.insert_offset, 20U);
    EXPECT_EQ(v.layout.length, pkt.size());
    EXPECT_EQ(v.layout.tos, 0x2e);
    EXPECT_TRUE(v.layout.dont_fragment);
}

TEST(ViewIp, Ipv6FieldsAndLayout) {
    const core::Bytes pkt = udp6();
    expect_same_as_the_separate_parsers(pkt);
    IpView v;
    ASSERT_TRUE(view_ip(pkt, Ipv4Checksum::Verify, v).ok());
    EXPECT_EQ(v.fields.dst_port, 4500);
    EXPECT_EQ(v.layout.tos, 0xb8);
    EXPECT_EQ(v.layout.insert_offset, 40U);
}

TEST(ViewIp, ChecksumIsVerifiedOnlyWhenAsked) {
    core::Bytes pkt = udp4();
    pkt[10] ^= 0x01;
    IpView v;
    EXPECT_EQ(view_ip(pkt, Ipv4Checksum::Verify, v).error(), Drop::Malformed);
    EXPECT_TRUE(view_ip(pkt, Ipv4Checksum::Skip, v).ok());
}

TEST(ViewIp, OptionsAreSummedIntoTheChecksum) {
    const core::Bytes opts = {0x01, 0x01, 0x01, 0x00};  // NOP NOP NOP EOL
    auto udp = packet::build_udp(1, 2, core::Bytes(4, 0), ip("192.0.2.1"), ip("198.51.100.2"));
    packet::Ipv4Header h;
    h.protocol = 17;
    h.src = ip("192.0.2.1");
    h.dst = ip("198.51.100.2");
    h.options = opts;
    core::Bytes pkt = *packet::build_ipv4(h, *udp);
    expect_same_as_the_separate_parsers(pkt);
    IpView v;
    ASSERT_TRUE(view_ip(pkt, Ipv4Checksum::Verify, v).ok());
    EXPECT_EQ(v.layout.insert_offset, 24U);
    EXPECT_EQ(v.fields.src_port, 1);
    pkt[21] ^= 0x10;  // an option byte: the checksum no longer holds
    EXPECT_FALSE(view_ip(pkt, Ipv4Checksum::Verify, v).ok());
}

TEST(ViewIp, FragmentsParseAndAreMarked) {
    core::Bytes first = udp4(0, packet::kIpv4FlagMoreFragments);
    IpView v;
    ASSERT_TRUE(view_ip(first, Ipv4Checksum::Verify, v).ok());
    EXPECT_TRUE(v.layout.fragment);
    EXPECT_FALSE(v.fields.is_fragment);  // the first fragment still has its ports
    EXPECT_TRUE(v.fields.has_ports);
    EXPECT_EQ(outbound_layout(first).error(), Drop::UnsupportedPacket);
}

TEST(ViewIp, MalformedPacketsAreRefused) {
    IpView v;
    const core::Bytes good = udp4();
    for (std::size_t n = 0; n < 20; ++n) {
        EXPECT_EQ(view_ip(core::ByteView(good).first(n), Ipv4Checksum::Skip, v).error(), Drop::Malformed)
            << n;
    }
    core::Bytes bad_ihl = good;
    bad_ihl[0] = 0x44;  // IHL 4 < 5
    EXPECT_FALSE(view_ip(bad_ihl, Ipv4Checksum::Skip, v).ok());
    core::Bytes long_total = good;
    long_total[3] = static_cast<std::uint8_t>(long_total[3] + 1);  // one byte more than present
    EXPECT_FALSE(view_ip(long_total, Ipv4Checksum::Skip, v).ok());
    core::Bytes v5 = good;
    v5[0] = 0x55;
    EXPECT_FALSE(view_ip(v5, Ipv4Checksum::Skip, v).ok());
}

TEST(ViewIp, LinkPaddingIsNotPacket) {
    core::Bytes pkt = udp4();
    const std::size_t len = pkt.size();
    pkt.push_back(0);
    pkt.push_back(0);
    IpView v;
    ASSERT_TRUE(view_ip(pkt, Ipv4Checksum::Verify, v).ok());
    EXPECT_EQ(v.layout.length, len);
}

// v4 builds an IPv4 packet with this protocol and payload.
core::Bytes v4(std::uint8_t protocol, core::ByteView payload, std::uint8_t flags = 0,
               std::uint16_t offset = 0, core::ByteView options = {}) {
    packet::Ipv4Header h;
    h.protocol = protocol;
    h.flags = flags;
    h.fragment_offset = offset;
    h.options = options;
    h.src = ip("192.0.2.1");
    h.dst = ip("198.51.100.2");
    return *packet::build_ipv4(h, payload);
}

TEST(ViewIpv4Flow, LayoutIsViewIpsAndEqualFlowsAreEqualFields) {
    const std::vector<core::Bytes> pkts = {
        udp4(),
        udp4(0x02, packet::kIpv4FlagDontFragment),  // same flow: TOS and DF are layout, not selectors
        v4(17, core::Bytes{0x9c, 0x40, 0, 54, 0, 8, 0, 0}),  // UDP, another port
        v4(6, core::Bytes(20, 3)),                           // TCP
        v4(132, core::Bytes(12, 3)),                         // SCTP, same port bytes as the TCP one
        v4(1, core::Bytes{8, 0, 0x12, 0x34, 0, 1, 0, 1}),    // ICMP echo
        v4(1, core::Bytes{8, 0, 0x56, 0x78, 0, 2, 0, 2}),    // same type/code, other checksum: same flow
        v4(1, core::Bytes{0, 0, 0x12, 0x34, 0, 1, 0, 1}),    // another type
        v4(58, core::Bytes{128, 0, 1, 2}),   // ICMPv6 number over IPv4: view_ip reads it as ICMP
        v4(47, core::Bytes{1, 2, 3, 4, 5}),  // GRE: no ports
        v4(47, core::Bytes{9, 9, 9, 9, 9}),  // GRE, other bytes: same flow
    };
    std::vector<Ipv4Flow> flows;
    std::vector<PacketFields> fields;
    for (const auto& p : pkts) {
        IpView v;
        ASSERT_TRUE(view_ip(p, Ipv4Checksum::Verify, v).ok());
        Ipv4Flow f;
        IpLayout l;
        ASSERT_TRUE(view_ipv4_flow(p, f, l, Ipv4Checksum::Verify));
        EXPECT_EQ(l.version, v.layout.version);
        EXPECT_EQ(l.length, v.layout.length);
        EXPECT_EQ(l.insert_offset, v.layout.insert_offset);
        EXPECT_EQ(l.next_header_field, v.layout.next_header_field);
        EXPECT_EQ(l.next_header, v.layout.next_header);
        EXPECT_EQ(l.tos, v.layout.tos);
        EXPECT_EQ(l.dont_fragment, v.layout.dont_fragment);
        EXPECT_EQ(l.fragment, v.layout.fragment);
        flows.push_back(f);
        fields.push_back(v.fields);
    }
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        for (std::size_t j = 0; j < pkts.size(); ++j) {
            EXPECT_EQ(flows[i] == flows[j], fields[i] == fields[j]) << i << " vs " << j;
        }
    }
    EXPECT_TRUE(flows[0] == flows[1]);
    EXPECT_TRUE(flows[5] == flows[6]);
    EXPECT_TRUE(flows[9] == flows[10]);
}

TEST(ViewIpv4Flow, LeavesEveryOtherPacketToViewIp) {
    Ipv4Flow f;
    IpLayout l;
    const std::array<std::uint8_t, 4> nops = {1, 1, 1, 1};
    EXPECT_FALSE(view_ipv4_flow(v4(17, core::Bytes(8, 0), 0, 0, nops), f, l));  // IHL 6
    EXPECT_FALSE(view_ipv4_flow(udp4(0, packet::kIpv4FlagMoreFragments), f, l));
    EXPECT_FALSE(view_ipv4_flow(v4(17, core::Bytes(8, 0), 0, 8), f, l));  // offset 64
    EXPECT_FALSE(view_ipv4_flow(v4(17, core::Bytes(3, 0)), f, l));        // 3 bytes after the header
    EXPECT_FALSE(view_ipv4_flow(udp6(), f, l));
    core::Bytes cut = udp4();
    cut.resize(30);  // total length says more than is there
    EXPECT_FALSE(view_ipv4_flow(cut, f, l));
    core::Bytes bad = udp4();
    bad[10] ^= 1;  // header checksum
    EXPECT_FALSE(view_ipv4_flow(bad, f, l, Ipv4Checksum::Verify));
    EXPECT_TRUE(view_ipv4_flow(bad, f, l, Ipv4Checksum::Skip));
    core::Bytes padded = udp4();
    padded.insert(padded.end(), 4, 0);  // link padding: the length is the header's
    ASSERT_TRUE(view_ipv4_flow(padded, f, l));
    EXPECT_EQ(l.length, padded.size() - 4);
}

}  // namespace
}  // namespace strata::ipsec
