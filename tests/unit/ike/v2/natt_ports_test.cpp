// natt_ports_test.cpp: IKEv2 NAT-T floating with ports other than 500/4500
// (RFC 7296 §2.23 as strongSwan does it): our side moves from local_port to
// natt_port, the peer's port from 500 to 4500 only; a remote_port configured
// otherwise stays. UDP-encapsulated ESP runs between the floated ports.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "exchange_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

// PortPair records every (source port, destination port) one side sent IKE on.
using PortPair = std::pair<std::uint16_t, std::uint16_t>;

// ported_pair is the standard pair with a's ports set as given (a claims a
// NAT with force_encap when `encap`) and b on ike 1500 / NAT-T 14500.
Pair ported_pair(std::uint16_t a_local, std::uint16_t a_natt, std::uint16_t a_remote, bool encap) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24");
    ca.local_port = a_local;
    ca.natt_port = a_natt;
    ca.remote_port = a_remote;
    ca.force_encap = encap;
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24");
    cb.local_port = 1500;
    cb.natt_port = 14500;
    cb.remote_port = 1500;
    return Pair(std::move(ca), std::move(cb));
}

// Trace runs a's initiation to the end, remembering the ports of every
// datagram each side sent.
struct Trace {
    std::vector<PortPair> from_a, from_b;
};

Trace establish_traced(Pair& p) {
    Trace t;
    p.take_a(p.a->initiate("c", p.clock.now()));
    for (int i = 0; i < 100 && (!p.to_a.empty() || !p.to_b.empty()); ++i) {
        if (!p.to_b.empty()) {
            t.from_a.emplace_back(p.to_b.front().local.port, p.to_b.front().remote.port);
            auto d = Pair::flip(std::move(p.to_b.front()));
            p.to_b.pop_front();
            p.take_b(p.b->receive(d, p.clock.now()));
        }
        if (!p.to_a.empty()) {
            t.from_b.emplace_back(p.to_a.front().local.port, p.to_a.front().remote.port);
            auto d = Pair::flip(std::move(p.to_a.front()));
            p.to_a.pop_front();
            p.take_a(p.a->receive(d, p.clock.now()));
        }
    }
    return t;
}

const ChildSaUp& only_child(const std::vector<Event>& evs) {
    auto ups = all_of<ChildSaUp>(evs);
    EXPECT_EQ(ups.size(), 1U);
    return *ups.at(0);
}

TEST(NattPorts, NonDefaultRemotePortStaysAndOurSideFloatsToNattPort) {
    // Both gateways on ike_port 1500 / natt_port 14500; a's remote_port is
    // b's NAT-T port, so only a's own port moves.
    Pair p = ported_pair(1500, 14500, 14500, true);
    const Trace t = establish_traced(p);
    ASSERT_GE(t.from_a.size(), 2U);
    EXPECT_EQ(t.from_a.front(), PortPair(1500, 14500));  // IKE_SA_INIT from ike_port
    for (std::size_t i = 1; i < t.from_a.size(); ++i)
        EXPECT_EQ(t.from_a[i], PortPair(14500, 14500)) << "datagram " << i;  // IKE_AUTH on: floated
    ASSERT_GE(t.from_b.size(), 2U);
    EXPECT_EQ(t.from_b.front(), PortPair(14500, 1500));  // b answers where IKE_SA_INIT came
    for (std::size_t i = 1; i < t.from_b.size(); ++i) EXPECT_EQ(t.from_b[i], PortPair(14500, 14500));

    const ChildSaUp& ca = only_child(p.events_a);
    const ChildSaUp& cb = only_child(p.events_b);
    ASSERT_TRUE(ca.child.udp_encap.has_value());
    ASSERT_TRUE(cb.child.udp_encap.has_value());
    EXPECT_EQ(*ca.child.udp_encap, (ipsec::UdpEncapsulation{14500, 14500}));
    EXPECT_EQ(*cb.child.udp_encap, (ipsec::UdpEncapsulation{14500, 14500}));

    const auto ike_a = p.a->ike_sas();
    ASSERT_EQ(ike_a.size(), 1U);
    EXPECT_EQ(ike_a[0].local.port, 14500);
    EXPECT_EQ(ike_a[0].remote.port, 14500);
    EXPECT_TRUE(ike_a[0].established);
}

TEST(NattPorts, RemotePort500FloatsTo4500WhileOursGoesToNattPort) {
    // Our ports are not the standard ones, the peer's are: 1500 -> 500 first,
    // then 14500 -> 4500 (RFC 7296 §2.23 for the peer's side).
    Pair p = ported_pair(1500, 14500, 500, true);
    const Trace t = establish_traced(p);
    ASSERT_GE(t.from_a.size(), 2U);
    EXPECT_EQ(t.from_a.front(), PortPair(1500, 500));
    for (std::size_t i = 1; i < t.from_a.size(); ++i) EXPECT_EQ(t.from_a[i], PortPair(14500, 4500));
    const ChildSaUp& ca = only_child(p.events_a);
    ASSERT_TRUE(ca.child.udp_encap.has_value());
    EXPECT_EQ(*ca.child.udp_encap, (ipsec::UdpEncapsulation{14500, 4500}));
    const ChildSaUp& cb = only_child(p.events_b);
    ASSERT_TRUE(cb.child.udp_encap.has_value());
    EXPECT_EQ(*cb.child.udp_encap, (ipsec::UdpEncapsulation{4500, 14500}));
}

TEST(NattPorts, OtherRemotePortIsKeptAsConfigured) {
    Pair p = ported_pair(1500, 14500, 1600, true);
    const Trace t = establish_traced(p);
    ASSERT_GE(t.from_a.size(), 2U);
    EXPECT_EQ(t.from_a.front(), PortPair(1500, 1600));
    for (std::size_t i = 1; i < t.from_a.size(); ++i) EXPECT_EQ(t.from_a[i], PortPair(14500, 1600));
    const ChildSaUp& ca = only_child(p.events_a);
    ASSERT_TRUE(ca.child.udp_encap.has_value());
    EXPECT_EQ(*ca.child.udp_encap, (ipsec::UdpEncapsulation{14500, 1600}));
}

TEST(NattPorts, WithoutNatNothingFloats) {
    Pair p = ported_pair(1500, 14500, 1500, false);
    const Trace t = establish_traced(p);
    ASSERT_GE(t.from_a.size(), 2U);
    for (const auto& pp : t.from_a) EXPECT_EQ(pp, PortPair(1500, 1500));
    for (const auto& pp : t.from_b) EXPECT_EQ(pp, PortPair(1500, 1500));
    const ChildSaUp& ca = only_child(p.events_a);
    EXPECT_FALSE(ca.child.udp_encap.has_value());
}

TEST(NattPorts, DefaultsStillFloat500To4500) {
    Pair p = ported_pair(500, 4500, 500, true);
    const Trace t = establish_traced(p);
    ASSERT_GE(t.from_a.size(), 2U);
    EXPECT_EQ(t.from_a.front(), PortPair(500, 500));
    for (std::size_t i = 1; i < t.from_a.size(); ++i) EXPECT_EQ(t.from_a[i], PortPair(4500, 4500));
}

TEST(NattPorts, FloatRemotePortMapsOnly500) {
    EXPECT_EQ(float_remote_port(500), 4500);
    EXPECT_EQ(float_remote_port(4500), 4500);
    EXPECT_EQ(float_remote_port(1500), 1500);
    EXPECT_EQ(float_remote_port(14500), 14500);
}

}  // namespace
}  // namespace strata::ike::v2::test
