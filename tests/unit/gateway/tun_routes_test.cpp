#include "gateway/tun_routes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::gateway {
namespace {

GatewayConfig parse(const std::string& text) {
    auto c = parse_gateway_config(text, "gw.toml", "/nonexistent");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return std::move(c).value();
}

std::string joined(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
}

packet::IpPrefix prefix(const char* text) { return *packet::IpPrefix::parse(text); }

// C protects its own traffic with D (transport mode) and the LANs (tunnel).
const std::string kTransport = R"([gateway]
addresses = ["198.51.100.1", "2001:db8:ff::1"]
[peers.gw-d]
address = "198.51.100.2"
psk = "0123456789abcdef"
[peers.gw-d.children.host]
local_ts = ["198.51.100.1/32"]
remote_ts = ["198.51.100.2/32"]
mode = "transport"
[peers.gw-e]
address = "2001:db8:ff::3"
psk = "0123456789abcdef"
[peers.gw-e.children.net]
local_ts = ["192.0.2.0/24"]
remote_ts = ["203.0.113.0/24"]
)";

TEST(GatewayTunRoutes, SubnetHoldingAPeerGoesToItsOwnTableWithTheGatewayAsSource) {
    const GatewayConfig cfg = parse(kTransport);
    const TunRoute host = plan_route(cfg, prefix("198.51.100.2/32"));
    EXPECT_TRUE(host.own_table);
    ASSERT_TRUE(host.src.has_value());
    EXPECT_EQ(host.src->to_string(), "198.51.100.1");
    EXPECT_EQ(joined(route_argv("ip", "replace", host, "strata0")),
              "ip -4 route replace 198.51.100.2/32 dev strata0 table 21332 src 198.51.100.1");
    EXPECT_EQ(joined(route_argv("ip", "del", host, "strata0")),
              "ip -4 route del 198.51.100.2/32 dev strata0 table 21332");

    // A LAN behind a peer: the main table, no source, as before.
    const TunRoute lan = plan_route(cfg, prefix("203.0.113.0/24"));
    EXPECT_FALSE(lan.own_table);
    EXPECT_FALSE(lan.src.has_value());
    EXPECT_EQ(joined(route_argv("ip", "replace", lan, "strata0")),
              "ip -4 route replace 203.0.113.0/24 dev strata0");
    // A subnet that covers a peer's address (here IPv6 gw-e) needs the table too.
    EXPECT_TRUE(plan_route(cfg, prefix("2001:db8:ff::/64")).own_table);
    EXPECT_TRUE(needs_own_table(cfg, {prefix("203.0.113.0/24"), prefix("198.51.100.2/32")}));
    EXPECT_FALSE(needs_own_table(cfg, {prefix("203.0.113.0/24")}));
}

TEST(GatewayTunRoutes, OwnIkeAndEspBypassTheTableForEachGatewayAddress) {
    GatewayConfig cfg = parse(kTransport);
    cfg.gateway.natt_port = 4501;  // the rules follow the configured ports
    std::vector<std::string> add;
    for (const auto& argv : rule_argvs("/sbin/ip", cfg, true)) add.push_back(joined(argv));
    const std::vector<std::string> want = {
        "/sbin/ip -4 rule add pref 21300 from 198.51.100.1 ipproto udp sport 500 lookup main",
        "/sbin/ip -4 rule add pref 21301 from 198.51.100.1 ipproto udp sport 4501 lookup main",
        "/sbin/ip -4 rule add pref 21302 from 198.51.100.1 ipproto 50 lookup main",
        "/sbin/ip -4 rule add pref 21303 fwmark 21332 lookup main",
        "/sbin/ip -4 rule add pref 21304 lookup 21332",
        "/sbin/ip -6 rule add pref 21300 from 2001:db8:ff::1 ipproto udp sport 500 lookup main",
        "/sbin/ip -6 rule add pref 21301 from 2001:db8:ff::1 ipproto udp sport 4501 lookup main",
        "/sbin/ip -6 rule add pref 21302 from 2001:db8:ff::1 ipproto 50 lookup main",
        "/sbin/ip -6 rule add pref 21303 fwmark 21332 lookup main",
        "/sbin/ip -6 rule add pref 21304 lookup 21332",
    };
    EXPECT_EQ(add, want);
    std::vector<std::string> del;
    for (const auto& argv : rule_argvs("ip", cfg, false)) del.push_back(joined(argv));
    ASSERT_EQ(del.size(), 10U);
    EXPECT_EQ(del[0], "ip -4 rule del pref 21300");
    EXPECT_EQ(del[9], "ip -6 rule del pref 21304");
}

TEST(GatewayTunRoutes, ManualKeyingAloneNeverUsesTheTable) {
    auto c = parse_gateway_config("[gateway]\naddresses = [\"198.51.100.1\"]\nmanual = \"site-c-sas.toml\"\n",
                                  "gw.toml", std::string(STRATA_SOURCE_DIR) + "/examples/gateway");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE(needs_own_table(*c, remote_prefixes(*c)));
}

}  // namespace
}  // namespace strata::gateway
