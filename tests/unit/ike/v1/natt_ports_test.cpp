// natt_ports_test.cpp: IKEv1 NAT-T floating (RFC 3947 §4) with ports
// other than 500/4500, as strongSwan floats: from MM5 on, our side moves
// from local_port to natt_port, the peer's port from 500 to 4500 only; a
// remote_port configured otherwise stays. ESP in UDP (RFC 3948) then runs
// between the floated ports.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "harness.hpp"

namespace strata::ike::v1::test {
namespace {

constexpr const char* kNetA = "192.0.2.0/24";
constexpr const char* kNetB = "203.0.113.0/24";

// ported returns a connection on ike port `local`, NAT-T port `natt`, to the
// peer's `remote` port, claiming a NAT (strongSwan's encap = yes) if `encap`.
Connection ported(const char* from, const char* to, const char* lnet, const char* rnet, std::uint16_t local,
                  std::uint16_t natt, std::uint16_t remote, bool encap) {
    Connection c = make_connection(from, to, "aes256-sha256-modp2048", "aes128-sha256", lnet, rnet);
    c.base.local_port = local;
    c.base.remote_port = remote;
    c.natt_port = natt;
    c.base.force_encap = encap;
    return c;
}

using PortPair = std::pair<std::uint16_t, std::uint16_t>;

// ports_of lists (source, destination) ports of what `sender` sent, in order.
std::vector<PortPair> ports_of(const Pair& p, const char* sender) {
    std::vector<PortPair> v;
    for (const auto& d : p.sent)
        if (d.local.address == ip(sender)) v.emplace_back(d.local.port, d.remote.port);
    return v;
}

TEST(Ikev1NattPorts, NonDefaultRemotePortStaysAndOurSideFloatsToNattPort) {
    // Both on ike 1500 / NAT-T 14500; each names the other's NAT-T port.
    Pair p(ported(kA, kB, kNetA, kNetB, 1500, 14500, 14500, true),
           ported(kB, kA, kNetB, kNetA, 1500, 14500, 14500, false));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1U);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1U);
    const auto a = ports_of(p, kA);
    ASSERT_GE(a.size(), 4U);  // MM1, MM3, MM5, QM1, QM3
    EXPECT_EQ(a[0], PortPair(1500, 14500));
    EXPECT_EQ(a[1], PortPair(1500, 14500));
    for (std::size_t i = 2; i < a.size(); ++i) EXPECT_EQ(a[i], PortPair(14500, 14500)) << "message " << i;
    const auto b = ports_of(p, kB);
    ASSERT_GE(b.size(), 3U);
    EXPECT_EQ(b[0], PortPair(14500, 1500));  // b answers where MM1 came from
    EXPECT_EQ(b[1], PortPair(14500, 1500));
    for (std::size_t i = 2; i < b.size(); ++i) EXPECT_EQ(b[i], PortPair(14500, 14500)) << "message " << i;
    EXPECT_EQ(p.a.last<IkeSaUp>()->local, (Endpoint{ip(kA), 14500}));
    EXPECT_EQ(p.a.last<IkeSaUp>()->remote, (Endpoint{ip(kB), 14500}));
    EXPECT_EQ(p.b.last<IkeSaUp>()->remote, (Endpoint{ip(kA), 14500}));
    ASSERT_TRUE(p.a.last<ChildSaUp>()->child.udp_encap.has_value());
    ASSERT_TRUE(p.b.last<ChildSaUp>()->child.udp_encap.has_value());
    EXPECT_EQ(*p.a.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{14500, 14500}));
    EXPECT_EQ(*p.b.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{14500, 14500}));
}

TEST(Ikev1NattPorts, RemotePort500FloatsTo4500WhileOursGoesToNattPort) {
    Pair p(ported(kA, kB, kNetA, kNetB, 1500, 14500, 500, true),
           ported(kB, kA, kNetB, kNetA, 500, 4500, 1500, false));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1U);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1U);
    const auto a = ports_of(p, kA);
    ASSERT_GE(a.size(), 3U);
    EXPECT_EQ(a[0], PortPair(1500, 500));
    for (std::size_t i = 2; i < a.size(); ++i) EXPECT_EQ(a[i], PortPair(14500, 4500)) << "message " << i;
    EXPECT_EQ(*p.a.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{14500, 4500}));
    // b, on the standard ports, followed a to its NAT-T port.
    EXPECT_EQ(p.b.last<IkeSaUp>()->local, (Endpoint{ip(kB), 4500}));
    EXPECT_EQ(p.b.last<IkeSaUp>()->remote, (Endpoint{ip(kA), 14500}));
    EXPECT_EQ(*p.b.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{4500, 14500}));
}

TEST(Ikev1NattPorts, PeerThatKeepsItsIkePortIsFollowed) {
    // a names b's IKE port 1500 (not 500): it floats only its own side, so
    // MM5 arrives at b's ike_port from a's NAT-T port, and b follows it.
    Pair p(ported(kA, kB, kNetA, kNetB, 1500, 14500, 1500, true),
           ported(kB, kA, kNetB, kNetA, 1500, 14500, 1500, false));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1U);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1U);
    const auto a = ports_of(p, kA);
    for (std::size_t i = 2; i < a.size(); ++i) EXPECT_EQ(a[i], PortPair(14500, 1500)) << "message " << i;
    EXPECT_EQ(p.b.last<IkeSaUp>()->remote, (Endpoint{ip(kA), 14500}));
    EXPECT_EQ(*p.a.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{14500, 1500}));
    EXPECT_EQ(*p.b.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{1500, 14500}));
}

TEST(Ikev1NattPorts, WithoutNatNothingFloats) {
    Pair p(ported(kA, kB, kNetA, kNetB, 1500, 14500, 1500, false),
           ported(kB, kA, kNetB, kNetA, 1500, 14500, 1500, false));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1U);
    for (const auto& d : p.sent) {
        EXPECT_EQ(d.local.port, 1500);
        EXPECT_EQ(d.remote.port, 1500);
    }
    EXPECT_FALSE(p.a.last<ChildSaUp>()->child.udp_encap.has_value());
}

}  // namespace
}  // namespace strata::ike::v1::test
