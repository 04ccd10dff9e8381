#include "gateway/ike_config.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace strata::gateway {
namespace {

std::string examples() { return std::string(STRATA_SOURCE_DIR) + "/examples/gateway"; }

GatewayConfig parse(const std::string& text) {
    auto c = parse_gateway_config(text, "gw.toml", examples());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return std::move(c).value();
}

const std::string kPeer = R"([gateway]
addresses = ["198.51.100.1", "2001:db8:ff::1"]
[peers.gw-d]
address = "198.51.100.2"
psk = "0123456789abcdef"
local_id = "gw-c.example.org"
dpd_delay = 7
[peers.gw-d.children.net]
local_ts = ["192.0.2.0/24", "2001:db8:1::/64"]
remote_ts = ["203.0.113.0/24", "2001:db8:2::/64"]
esp_proposals = ["aes128gcm16-ecp256", "aes256-sha256"]
rekey_time = "50m"
life_time = "1h"
rekey_bytes = 1000000
life_bytes = 2000000
start_action = "trap"
)";

TEST(GatewayIkeConfig, PeerBecomesOneIkev2Connection) {
    const GatewayConfig cfg = parse(kPeer);
    auto plans = plan_peers(cfg, 70000);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    ASSERT_EQ(plans->size(), 1U);
    const PeerPlan& p = plans->front();
    EXPECT_EQ(p.name, "gw-d");
    EXPECT_EQ(p.version, 2);
    EXPECT_EQ(p.local.to_string(), "198.51.100.1");  // the gateway address of the peer's family
    ASSERT_EQ(p.children.size(), 1U);
    EXPECT_EQ(p.children[0].reqid, 70000U);
    ASSERT_EQ(p.v2.connections.size(), 1U);
    EXPECT_TRUE(p.v1.connections.empty());
    const ike::ConnectionConfig& c = p.v2.connections[0];
    EXPECT_EQ(c.name, "gw-d");
    EXPECT_EQ(c.remote_address.to_string(), "198.51.100.2");
    EXPECT_EQ(c.local_port, 500);
    EXPECT_EQ(ike::to_string(c.local_id), "gw-c.example.org");
    EXPECT_EQ(ike::to_string(c.remote_id), "198.51.100.2");  // no remote_id: the address
    EXPECT_EQ(std::string(c.psk.view().begin(), c.psk.view().end()), "0123456789abcdef");
    EXPECT_EQ(c.ike_proposals.size(), 1U);  // the default aes256-sha256-ecp256
    EXPECT_EQ(c.esp_proposals.size(), 2U);
    EXPECT_EQ(c.local_ts.size(), 2U);
    EXPECT_EQ(c.remote_ts.size(), 2U);
    EXPECT_TRUE(c.force_encap);  // encapsulation = "udp" (the default)
    EXPECT_EQ(c.dpd_interval, std::chrono::seconds(7));
}

TEST(GatewayIkeConfig, VersionOneGetsLifetimesFromTheChild) {
    std::string text = kPeer;
    text.replace(text.find("dpd_delay"), 0, "version = 1\n");
    const std::string both = R"(["192.0.2.0/24", "2001:db8:1::/64"])";
    const std::string refused_text = text;
    text.replace(text.find(both), both.size(), R"(["192.0.2.0/24"])");
    const std::string both_r = R"(["203.0.113.0/24", "2001:db8:2::/64"])";
    text.replace(text.find(both_r), both_r.size(), R"(["203.0.113.0/24"])");
    {
        // A quick mode per subnet pair of one IP version (RFC 2409 §5.5).
        auto pairs = plan_peers(parse(refused_text));
        ASSERT_TRUE(pairs.ok()) << pairs.error().message;
        EXPECT_EQ(pairs->front().children.size(), 2U);
    }
    const GatewayConfig cfg = parse(text);
    auto plans = plan_peers(cfg);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    const PeerPlan& p = plans->front();
    EXPECT_EQ(p.children[0].reqid, kFirstIkeReqid);
    ASSERT_EQ(p.v1.connections.size(), 1U);
    EXPECT_TRUE(p.v2.connections.empty());
    const ike::v1::Connection& c = p.v1.connections[0];
    EXPECT_EQ(c.child_lifetime, std::chrono::hours(1));
    EXPECT_EQ(c.rekey_margin, std::chrono::minutes(10));  // rekey at 50 of 60 minutes
    EXPECT_EQ(c.child_kilobytes, 2000000U / 1024);
    EXPECT_EQ(c.base.dpd_interval, std::chrono::seconds(7));
}

TEST(GatewayIkeConfig, EspEncapsulationDoesNotForceUdp) {
    std::string text = kPeer;
    text.replace(text.find("[peers.gw-d]"), 0, "encapsulation = \"esp\"\n");
    auto plans = plan_peers(parse(text));
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    EXPECT_FALSE(plans->front().v2.connections[0].force_encap);
}

TEST(GatewayIkeConfig, ChildPoliciesPairSubnetsOfOneVersionBothWays) {
    auto plans = plan_peers(parse(kPeer), 70000);
    ASSERT_TRUE(plans.ok());
    const auto pols = child_policies(plans->front());
    ASSERT_EQ(pols.size(), 4U);  // v4 and v6 pairs, out and in
    for (const auto& p : pols) {
        SCOPED_TRACE(p.name);
        EXPECT_EQ(p.action, ipsec::Action::Protect);
        EXPECT_EQ(p.protect.reqid, 70000U);
        EXPECT_EQ(p.protect.mode, ipsec::Mode::Tunnel);
        ASSERT_EQ(p.protect.protocols.size(), 1U);
        EXPECT_EQ(p.protect.protocols[0], ipsec::Protocol::Esp);
        EXPECT_EQ(p.selector.local.first.version(), p.selector.remote.first.version());
        const bool out = p.direction == ipsec::Direction::Outbound;
        EXPECT_EQ(p.protect.tunnel_src.to_string(), out ? "198.51.100.1" : "198.51.100.2");
        EXPECT_EQ(p.protect.tunnel_dst.to_string(), out ? "198.51.100.2" : "198.51.100.1");
    }
    EXPECT_EQ(pols[0].selector.local.first.to_string(), "192.0.2.0");
    EXPECT_EQ(pols[0].selector.local.last.to_string(), "192.0.2.255");
    EXPECT_EQ(pols[0].selector.remote.first.to_string(), "203.0.113.0");
    EXPECT_EQ(pols[0].direction, ipsec::Direction::Outbound);
    EXPECT_EQ(pols[1].direction, ipsec::Direction::Inbound);
}

TEST(GatewayIkeConfig, LifetimesMapToSoftAndHard) {
    const GatewayConfig cfg = parse(kPeer);
    const ipsec::Lifetimes l = child_lifetimes(cfg.peers[0].children[0]);
    EXPECT_EQ(l.soft.time, std::chrono::minutes(50));
    EXPECT_EQ(l.hard.time, std::chrono::hours(1));
    EXPECT_EQ(l.soft.bytes, 1000000U);
    EXPECT_EQ(l.hard.bytes, 2000000U);
    EXPECT_EQ(l.soft.packets, 0U);
}

void expect_plan_refused(const std::string& text, const std::string& where, const std::string& why) {
    SCOPED_TRACE(text);
    const GatewayConfig cfg = parse(text);
    auto plans = plan_peers(cfg);
    ASSERT_FALSE(plans.ok());
    EXPECT_EQ(plans.error().message.rfind(where, 0), 0U) << plans.error().message;
    EXPECT_NE(plans.error().message.find(why), std::string::npos) << plans.error().message;
    auto r = check_runnable(cfg);  // --check says the same
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, plans.error().message);
}

// kTwoChildren: an IKEv2 peer with an IPv4 child and an IPv6 child (swanctl style).
const std::string kTwoChildren = R"([gateway]
addresses = ["198.51.100.1"]
[peers.gw-d]
address = "198.51.100.2"
psk = "0123456789abcdef"
rekey_time = "2h"
dpd_delay = 7
[peers.gw-d.children.net4]
local_ts = ["192.0.2.0/24"]
remote_ts = ["203.0.113.0/24"]
start_action = "start"
[peers.gw-d.children.net6]
local_ts = ["2001:db8:1::/64"]
remote_ts = ["2001:db8:2::/64"]
esp_proposals = ["aes256gcm16-x25519"]
mode = "tunnel"
start_action = "trap"
[peers.gw-d.children.quiet]
local_ts = ["192.0.2.0/24"]
remote_ts = ["198.51.100.64/26"]
)";

TEST(GatewayIkeConfig, SeveralChildrenOfAnIkev2PeerEachGetAReqidAndSpec) {
    const GatewayConfig cfg = parse(kTwoChildren);
    auto plans = plan_peers(cfg, 70000);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    const PeerPlan& p = plans->front();
    ASSERT_EQ(p.children.size(), 3U);
    EXPECT_EQ(p.children[0].name, "net4");
    EXPECT_EQ(p.children[1].name, "net6");
    EXPECT_EQ(p.children[2].name, "quiet");
    EXPECT_EQ(p.children[0].reqid, 70000U);
    EXPECT_EQ(p.children[1].reqid, 70001U);
    EXPECT_EQ(p.children[2].reqid, 70002U);
    ASSERT_EQ(p.v2.connections.size(), 1U);
    const ike::ConnectionConfig& c = p.v2.connections[0];
    // The first child is the connection's own (IKE_AUTH), the others follow.
    EXPECT_EQ(c.child_name, "net4");
    EXPECT_EQ(c.child_reqid, 70000U);
    ASSERT_EQ(c.local_ts.size(), 1U);
    EXPECT_EQ(ike::to_string(c.local_ts[0]), "192.0.2.0/24");
    ASSERT_EQ(c.more_children.size(), 2U);
    const ike::ChildSpec& six = c.more_children[0];
    EXPECT_EQ(six.name, "net6");
    EXPECT_EQ(six.reqid, 70001U);
    ASSERT_EQ(six.local_ts.size(), 1U);
    EXPECT_EQ(ike::to_string(six.local_ts[0]), "2001:db8:1::/64");
    EXPECT_EQ(ike::to_string(six.remote_ts[0]), "2001:db8:2::/64");
    ASSERT_EQ(six.esp_proposals.size(), 1U);
    EXPECT_FALSE(six.esp_proposals[0].dh.empty());  // PFS on its own rekeys
    EXPECT_TRUE(six.start);                         // trap: wanted once the IKE SA is up
    EXPECT_FALSE(c.more_children[1].start);         // start_action none waits for the peer
    // Each child's SPD entries carry its own reqid.
    std::set<std::uint32_t> reqids;
    for (const auto& pol : child_policies(p)) reqids.insert(pol.protect.reqid);
    EXPECT_EQ(reqids, (std::set<std::uint32_t>{70000U, 70001U, 70002U}));
    // IKE rekey_time (RFC 7296 §2.18), with swanctl's over_time and rand_time of a tenth.
    EXPECT_EQ(c.ike_rekey_time, std::chrono::hours(2));
    EXPECT_EQ(c.ike_over_time, std::chrono::minutes(12));
    EXPECT_EQ(c.ike_rand_time, std::chrono::minutes(12));
    EXPECT_TRUE(check_runnable(cfg).ok());
}

TEST(GatewayIkeConfig, IkeRekeyTimeReachesTheIkev2Engine) {
    auto plans = plan_peers(parse(kPeer));
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    const ike::ConnectionConfig& c = plans->front().v2.connections[0];
    EXPECT_EQ(c.ike_rekey_time, std::chrono::hours(4));  // swanctl's default
    EXPECT_EQ(c.ike_over_time, std::chrono::minutes(24));
    EXPECT_EQ(c.ike_rand_time, std::chrono::minutes(24));
    EXPECT_TRUE(c.more_children.empty());
    EXPECT_EQ(c.child_name, "net");
}

TEST(GatewayIkeConfig, WhatCannotRunYetIsRefusedWithItsLine) {
    // Two children whose subnets overlap would shadow each other's SPD entries.
    expect_plan_refused(kPeer +
                            "[peers.gw-d.children.two]\nlocal_ts = [\"192.0.2.0/25\"]\n"
                            "remote_ts = [\"203.0.113.0/25\"]\n",
                        "gw.toml:17:", "children 'net' and 'two' overlap");
    expect_plan_refused(kPeer +
                            "[peers.twin]\naddress = \"198.51.100.2\"\npsk = \"0123456789abcdef\"\n"
                            "[peers.twin.children.c]\nlocal_ts = [\"192.0.2.0/24\"]\n"
                            "remote_ts = [\"203.0.113.0/24\"]\n",
                        "gw.toml:17:", "same address as peer 'gw-d'");
}

}  // namespace
}  // namespace strata::gateway
