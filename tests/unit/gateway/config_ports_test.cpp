// config_ports_test.cpp: the gateway's IKE ports (ike_port / natt_port,
// strongSwan's charon.port / port_nat_t) and a peer's remote_port (swanctl's
// connections.<conn>.remote_port) as they reach the engines' connections.
#include <gtest/gtest.h>

#include <string>

#include "gateway/config.hpp"
#include "gateway/ike_config.hpp"
#include "gateway/reload_plan.hpp"

namespace strata::gateway {
namespace {

std::string examples() { return std::string(STRATA_SOURCE_DIR) + "/examples/gateway"; }

core::Result<GatewayConfig, ConfigError> parse(const std::string& text) {
    return parse_gateway_config(text, "gw.toml", examples());
}

// config returns a gateway on ports ike/natt with one peer (IKE version
// `version`) whose remote_port line is `remote` ("" for none).
std::string config(int ike, int natt, const std::string& remote, int version = 2) {
    return "[gateway]\n"                       // 1
           "addresses = [\"198.51.100.1\"]\n"  // 2
           "ike_port = " +
           std::to_string(ike) + "\n" +                    // 3
           "natt_port = " + std::to_string(natt) + "\n" +  // 4
           "[peers.gw-d]\n"                                // 5
           "address = \"198.51.100.2\"\n"                  // 6
           "version = " +
           std::to_string(version) + "\n" +                              // 7
           (remote.empty() ? "\n" : "remote_port = " + remote + "\n") +  // 8
           "psk = \"0123456789abcdef\"\n"                                // 9
           "[peers.gw-d.children.net]\n"                                 // 10
           "local_ts = [\"192.0.2.0/24\"]\n"                             // 11
           "remote_ts = [\"203.0.113.0/24\"]\n";                         // 12
}

void expect_refused(const std::string& text, int line, const std::string& reason) {
    SCOPED_TRACE(text);
    auto c = parse(text);
    ASSERT_FALSE(c.ok());
    const std::string& m = c.error().message;
    EXPECT_EQ(m.rfind("gw.toml:" + std::to_string(line) + ":", 0), 0U) << m;
    EXPECT_NE(m.find(reason), std::string::npos) << m;
}

TEST(GatewayConfigPorts, RemotePortDefaultsTo500) {
    auto c = parse(config(500, 4500, ""));
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->peers.size(), 1U);
    EXPECT_EQ(c->peers[0].remote_port, 500);
    auto plans = plan_peers(*c);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    const ike::ConnectionConfig& conn = plans->front().v2.connections.at(0);
    EXPECT_EQ(conn.local_port, 500);
    EXPECT_EQ(conn.remote_port, 500);
    EXPECT_EQ(conn.natt_port, 4500);
}

TEST(GatewayConfigPorts, NonstandardPortsReachTheIkev2Connection) {
    // This gateway on 1500/14500 (charon.port / port_nat_t), the peer's
    // NAT-T port as remote_port: no longer refused.
    auto c = parse(config(1500, 14500, "14500"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->gateway.ike_port, 1500);
    EXPECT_EQ(c->gateway.natt_port, 14500);
    EXPECT_EQ(c->peers[0].remote_port, 14500);
    auto plans = plan_peers(*c);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    ASSERT_EQ(plans->front().v2.connections.size(), 1U);
    const ike::ConnectionConfig& conn = plans->front().v2.connections[0];
    EXPECT_EQ(conn.local_port, 1500);
    EXPECT_EQ(conn.remote_port, 14500);
    EXPECT_EQ(conn.natt_port, 14500);
}

TEST(GatewayConfigPorts, NonstandardPortsReachTheIkev1Connection) {
    auto c = parse(config(1500, 14500, "1500", 1));
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto plans = plan_peers(*c);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    ASSERT_EQ(plans->front().v1.connections.size(), 1U);
    const ike::v1::Connection& conn = plans->front().v1.connections[0];
    EXPECT_EQ(conn.base.local_port, 1500);
    EXPECT_EQ(conn.base.remote_port, 1500);
    EXPECT_EQ(conn.natt_port, 14500);  // the local port IKEv1 floats to (RFC 3947 §4)
}

TEST(GatewayConfigPorts, NattPortOtherThan4500WithStandardRemote) {
    // natt_port 4501 with a peer on 500: planned (the peer floats to 4500).
    auto c = parse(config(500, 4501, ""));
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto plans = plan_peers(*c);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    EXPECT_EQ(plans->front().v2.connections.at(0).natt_port, 4501);
    EXPECT_EQ(ike::float_remote_port(plans->front().v2.connections.at(0).remote_port), 4500);
}

TEST(GatewayConfigPorts, BadRemotePortsAreRefusedWithTheirLine) {
    expect_refused(config(500, 4500, "0"), 8, "'remote_port' must be in 1..65535");
    expect_refused(config(500, 4500, "65536"), 8, "'remote_port' must be in 1..65535");
    expect_refused(config(500, 4500, "-1"), 8, "'remote_port' must be in 1..65535");
    expect_refused(config(500, 4500, "\"500\""), 8, "'remote_port' must be an integer");
    expect_refused(config(500, 4500, "5.0e2"), 8, "'remote_port' must be an integer");
    // A misspelt key is not silently ignored.
    std::string typo = config(500, 4500, "");
    typo.replace(typo.find("version"), 0, "remote_prot = 4500\n");
    auto t = parse(typo);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("remote_prot"), std::string::npos) << t.error().message;
    // The gateway's own ports stay checked as before.
    expect_refused(config(1500, 1500, ""), 4, "natt_port must differ from ike_port");
    expect_refused(config(0, 4500, ""), 3, "'ike_port' must be in 1..65535");
}

TEST(GatewayConfigPorts, ChangedRemotePortRecreatesThePeerOnReload) {
    auto a = parse(config(1500, 14500, "14500"));
    auto b = parse(config(1500, 14500, "14501"));
    auto same = parse(config(1500, 14500, "14500"));
    ASSERT_TRUE(a.ok() && b.ok() && same.ok());
    const PeerChanges d = diff_peers(*a, *b);
    ASSERT_EQ(d.changed.size(), 1U);
    EXPECT_EQ(d.changed[0], "gw-d");
    EXPECT_EQ(diff_peers(*a, *same).unchanged.size(), 1U);
}

}  // namespace
}  // namespace strata::gateway
