// The outer header's ECN (RFC 6040 §4.1) and DSCP as read_outgoing reports
// them, so the worker can have the kernel write them (IP_TOS / IPV6_TCLASS).
// Which DSCP and ECN the header has is the Processor's (the SA's copy_dscp
// and copy_ecn): read_outgoing passes the whole byte on.
#include <gtest/gtest.h>

#include <vector>

#include "gateway/outer_header.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::gateway {
namespace {

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

TEST(OuterHeaderEcn, ReportsTheEcnOfUdpAndEspOverIpv4AndIpv6) {
    const std::vector<std::uint8_t> esp{0, 0, 0x10, 0x01, 0, 0, 0, 1};
    std::vector<std::uint8_t> udp{0x11, 0x94, 0x11, 0x94, 0, 16, 0, 0};
    udp.insert(udp.end(), esp.begin(), esp.end());
    for (const int t : {0x00, 0x01, 0x02, 0x03, 0xb8, 0xba}) {
        const auto tos = static_cast<std::uint8_t>(t);  // Not-ECT, ECT(1), ECT(0), CE; DSCP EF
        SCOPED_TRACE(static_cast<int>(tos));
        packet::Ipv4Header h;
        h.src = ip("198.51.100.1");
        h.dst = ip("198.51.100.2");
        h.tos = tos;
        h.protocol = 17;
        auto u = read_outgoing(*packet::build_ipv4(h, udp));
        ASSERT_TRUE(u.ok());
        EXPECT_EQ(u->transport, Transport::Udp);
        EXPECT_EQ(u->tos, tos);
        h.protocol = 50;
        auto e = read_outgoing(*packet::build_ipv4(h, esp));
        ASSERT_TRUE(e.ok());
        EXPECT_EQ(e->tos, tos);

        packet::Ipv6Header h6;
        h6.src = ip("2001:db8:ff::1");
        h6.dst = ip("2001:db8:ff::2");
        h6.traffic_class = tos;
        h6.next_header = 17;
        auto u6 = read_outgoing(*packet::build_ipv6(h6, udp));
        ASSERT_TRUE(u6.ok());
        EXPECT_EQ(u6->tos, tos);
    }
}

}  // namespace
}  // namespace strata::gateway
