// Manually keyed transport-mode SAs in the gateway: the configuration
// accepts them (and refuses AH where it cannot run), routing sends the
// gateway's own traffic to the peer through table 21332 with the right
// source, and AH leaves with the outer header it was computed over.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/outer_header.hpp"
#include "gateway/tun_routes.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

#include "temp_dir.hpp"

namespace strata::gateway {
namespace {

std::string examples() { return std::string(STRATA_SOURCE_DIR) + "/examples/gateway"; }
packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }
packet::IpPrefix prefix(const char* s) { return *packet::IpPrefix::parse(s); }

std::string joined(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
}

TEST(GatewayManualTransport, ShippedExamplesRunWithTheirOwnTableAndSource) {
    for (const auto& [name, self, peer] : {std::tuple{"transport-c.toml", "198.51.100.1", "198.51.100.2"},
                                           std::tuple{"transport-d.toml", "198.51.100.2", "198.51.100.1"}}) {
        SCOPED_TRACE(name);
        auto c = load_gateway_config(examples() + "/" + name);
        ASSERT_TRUE(c.ok()) << c.error().message;
        ASSERT_TRUE(check_runnable(*c).ok());
        ASSERT_TRUE(c->manual.has_value());
        EXPECT_EQ(c->manual->sas.size(), 4U);
        for (const auto& sa : c->manual->sas) EXPECT_EQ(sa.mode, ipsec::Mode::Transport);
        // Both outbound policies (TCP by ESP, the rest by AH) lead to the peer.
        ASSERT_EQ(c->manual_routes.size(), 2U);
        for (const auto& m : c->manual_routes) {
            ASSERT_EQ(m.peers.size(), 1U);
            EXPECT_EQ(m.peers.front(), ip(peer));
        }
        const auto prefixes = remote_prefixes(*c);
        ASSERT_EQ(prefixes.size(), 1U);
        EXPECT_EQ(prefixes.front().to_string(), std::string(peer) + "/32");
        EXPECT_TRUE(needs_own_table(*c, prefixes));
        const TunRoute r = plan_route(*c, prefixes.front());
        EXPECT_TRUE(r.own_table);
        ASSERT_TRUE(r.src.has_value());
        EXPECT_EQ(*r.src, ip(self));
        EXPECT_EQ(joined(route_argv("ip", "replace", r, "strata0")),
                  std::string("ip -4 route replace ") + peer + "/32 dev strata0 table 21332 src " + self);
    }
}

TEST(GatewayManualTransport, TunnelModeManualSasKeepTheMainTable) {
    auto c = load_gateway_config(examples() + "/site-to-site-c.toml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_FALSE(c->manual_routes.empty());
    // The LAN does not hold the far end (198.51.100.2): no table, no source.
    const TunRoute r = plan_route(*c, prefix("203.0.113.0/24"));
    EXPECT_FALSE(r.own_table);
    EXPECT_FALSE(r.src.has_value());
    // A subnet that did hold it would need the table.
    EXPECT_TRUE(plan_route(*c, prefix("198.51.100.0/24")).own_table);
}

const char* kAhSa = R"([[sa]]
name = "out-ah"
direction = "out"
protocol = "ah"
mode = "transport"
spi = 0x1001
src = "SRC"
dst = "DST"
integrity = "sha256"
integrity_key = "0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
reqid = 1
EXTRA
[[policy]]
direction = "out"
local = "SRC"
remote = "DST"
action = "protect"
protect = ["ah"]
mode = "transport"
reqid = 1
)";

std::string ah_file(const std::string& src, const std::string& dst, const std::string& extra) {
    std::string t = kAhSa;
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"SRC", src}, {"DST", dst}, {"EXTRA", extra}}) {
        for (auto at = t.find(from); at != std::string::npos; at = t.find(from))
            t.replace(at, from.size(), to);
    }
    return t;
}

TEST(GatewayManualTransport, AhIsRefusedInUdpWithTheManualLineAndAcceptedOverIpv6) {
    TempDir d("mt");
    ASSERT_FALSE(d.path().empty());
    d.write("v4.toml", ah_file("198.51.100.1", "198.51.100.2", ""));
    d.write("udp.toml", ah_file("198.51.100.1", "198.51.100.2", "udp_encap = true"));
    d.write("v6.toml", ah_file("2001:db8:ff::1", "2001:db8:ff::2", ""));
    auto cfg = [&](const char* manual) {
        return parse_gateway_config(
            std::string("[gateway]\naddresses = [\"198.51.100.1\", \"2001:db8:ff::1\"]\n") + "manual = \"" +
                manual + "\"\n",
            "gw.toml", d.path());
    };
    for (const char* file : {"v4.toml", "v6.toml"}) {
        auto ok = cfg(file);
        ASSERT_TRUE(ok.ok()) << ok.error().message;
        EXPECT_TRUE(check_runnable(*ok).ok());
    }
    for (const auto& [file, reason] : {std::pair{"udp.toml", "AH cannot be UDP-encapsulated"}}) {
        SCOPED_TRACE(file);
        auto c = cfg(file);
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message.rfind("gw.toml:3:", 0), 0U) << c.error().message;
        EXPECT_NE(c.error().message.find(reason), std::string::npos) << c.error().message;
    }
}

TEST(GatewayManualTransport, AhLeavesAsTheWholePacket) {
    // IPv4 + AH (next header 1, payload length 4: 24 bytes with a 12-byte ICV).
    std::vector<std::uint8_t> ah{1, 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 1};
    ah.resize(24, 0xab);
    packet::Ipv4Header h;
    h.src = ip("198.51.100.1");
    h.dst = ip("198.51.100.2");
    h.protocol = 51;
    h.identification = 0x1234;
    auto pkt = packet::build_ipv4(h, ah);
    ASSERT_TRUE(pkt.ok());
    auto out = read_outgoing(*pkt);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->transport, Transport::Ah);
    EXPECT_EQ(out->dst, ip("198.51.100.2"));
    // The header the ICV covers goes out unchanged (IP_HDRINCL).
    ASSERT_EQ(out->payload.size(), pkt->size());
    EXPECT_EQ(out->payload.data(), pkt->data());

    // AH over IPv6 leaves the same way (IPV6_HDRINCL): the whole packet.
    packet::Ipv6Header h6;
    h6.src = ip("2001:db8:ff::1");
    h6.dst = ip("2001:db8:ff::2");
    h6.next_header = 51;
    auto pkt6 = packet::build_ipv6(h6, ah);
    ASSERT_TRUE(pkt6.ok());
    auto out6 = read_outgoing(*pkt6);
    ASSERT_TRUE(out6.ok());
    EXPECT_EQ(out6->transport, Transport::Ah);
    EXPECT_EQ(out6->src, ip("2001:db8:ff::1"));
    EXPECT_EQ(out6->payload.data(), pkt6->data());
    EXPECT_EQ(out6->payload.size(), pkt6->size());
}

}  // namespace
}  // namespace strata::gateway
