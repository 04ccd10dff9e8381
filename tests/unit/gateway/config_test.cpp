#include "gateway/config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace strata::gateway {
namespace {

std::string examples() { return std::string(STRATA_SOURCE_DIR) + "/examples/gateway"; }

core::Result<GatewayConfig, ConfigError> parse(const std::string& text) {
    return parse_gateway_config(text, "gw.toml", examples());
}

// expect_refused checks that text is refused, naming gw.toml:line and the reason.
void expect_refused(const std::string& text, int line, const std::string& reason) {
    SCOPED_TRACE(text);
    auto c = parse(text);
    ASSERT_FALSE(c.ok());
    const std::string& m = c.error().message;
    EXPECT_EQ(m.rfind("gw.toml:" + std::to_string(line) + ":", 0), 0U) << m;
    EXPECT_NE(m.find(reason), std::string::npos) << m;
}

const std::string kHead = "[gateway]\naddresses = [\"198.51.100.1\"]\n";  // lines 1-2

TEST(GatewayConfig, ShippedManualExamplesLoadAndRun) {
    for (const char* name : {"site-to-site-c.toml", "site-to-site-d.toml"}) {
        SCOPED_TRACE(name);
        auto c = load_gateway_config(examples() + "/" + name);
        ASSERT_TRUE(c.ok()) << c.error().message;
        ASSERT_TRUE(c->manual.has_value());
        EXPECT_EQ(c->manual->sas.size(), 2U);
        EXPECT_EQ(c->gateway.tun, "strata0");
        EXPECT_EQ(c->gateway.encapsulation, Encapsulation::Udp);
        EXPECT_TRUE(check_runnable(*c).ok());
        EXPECT_EQ(remote_prefixes(*c).size(), 2U);  // one IPv4 and one IPv6 subnet
    }
}

TEST(GatewayConfig, IkePeerExampleParsesFullyAndRuns) {
    auto c = load_gateway_config(examples() + "/ikev2-psk-peer.toml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->peers.size(), 1U);
    const PeerConfig& p = c->peers[0];
    EXPECT_EQ(p.name, "gw-d");
    EXPECT_EQ(p.version, 2);
    EXPECT_EQ(p.auth.method, AuthMethod::Psk);
    EXPECT_EQ(p.auth.psk.size(), 27U);
    EXPECT_EQ(p.dpd_delay, std::chrono::seconds(30));
    EXPECT_EQ(p.rekey_time, std::chrono::hours(4));
    ASSERT_EQ(p.children.size(), 1U);
    const ChildConfig& ch = p.children[0];
    EXPECT_EQ(ch.name, "net");
    EXPECT_EQ(ch.local_ts.size(), 2U);
    EXPECT_EQ(ch.remote_ts[0].to_string(), "203.0.113.0/24");
    EXPECT_EQ(ch.lifetimes.rekey_time, std::chrono::hours(1));
    EXPECT_EQ(ch.lifetimes.life_time, std::chrono::minutes(66));
    EXPECT_EQ(ch.replay_window, 1024U);
    EXPECT_EQ(ch.start_action, StartAction::Start);
    auto r = check_runnable(*c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(remote_prefixes(*c).size(), 2U);
}

TEST(GatewayConfig, EachMistakeIsRefusedWithLineAndReason) {
    expect_refused("[gateway]\n", 1, "needs addresses");
    expect_refused(kHead + "tunnel = \"x\"\n", 3, "unknown key 'tunnel'");
    expect_refused(kHead + "encapsulation = \"gre\"\n", 3, "encapsulation must be");
    expect_refused(kHead + "log_level = \"loud\"\n", 3, "log_level must be");
    expect_refused(kHead + "tun = \"bad name; rm -rf\"\n", 3, "tun must be");
    expect_refused(kHead + "tun_mtu = 100\n", 3, "576..9000");
    expect_refused(kHead + "natt_port = 500\n", 3, "must differ");
    expect_refused("[gateway]\naddresses = [\"198.51.100.300\"]\n", 2, "is not an IP address");
    expect_refused("[gateway]\naddresses = [\"198.51.100.1\", \"198.51.100.2\"]\n", 2,
                   "one IPv4 and one IPv6");
    expect_refused(kHead + "manual = \"/nonexistent/sas.toml\"\n", 3, "manual keying file refused");
    expect_refused(kHead + "[bogus]\n", 3, "unknown key 'bogus'");

    const std::string peer = kHead + "[peers.p]\naddress = \"198.51.100.2\"\n";  // peer at line 3
    expect_refused(peer + "psk = \"0123456789\"\n", 3, "has no children");
    expect_refused(peer + "version = 3\n", 5, "1..2");
    expect_refused(peer + "proposals = [\"aes999-sha256-ecp256\"]\n", 5, "UnknownKeyword");
    expect_refused(peer + "proposals = [\"aes256-sha256\"]\n", 5, "needs a Diffie-Hellman group");
    expect_refused(peer + "proposals = [\"aes256gcm16-ecp256\"]\n", 5, "needs a PRF");
    expect_refused(peer + "auth = \"psk\"\n", 3, "exactly one of 'psk' or 'psk_file'");
    expect_refused(peer + "psk = \"short\"\n", 5, "shorter than 8 bytes");
    expect_refused(peer + "auth = \"eap\"\n", 5, "auth must be");
    expect_refused(peer + "psk_file = \"/nonexistent/psk\"\n", 5, "cannot be read");
    expect_refused(peer + "psk = \"0123456789\"\nrekey_time = \"4x\"\n", 6, "unknown unit");

    const std::string child = peer + "psk = \"0123456789\"\n[peers.p.children.net]\n";  // child at line 6
    expect_refused(child + "remote_ts = [\"203.0.113.0/24\"]\n", 6, "'local_ts' needs at least one subnet");
    expect_refused(child + "local_ts = \"192.0.2.0/24\"\nremote_ts = \"203.0.113.0/33\"\n", 8,
                   "is not a subnet");
    expect_refused(child + "local_ts = \"192.0.2.0/24\"\nremote_ts = \"2001:db8::/32\"\n", 8,
                   "share no IP version");
    const std::string ts =
        child + "local_ts = \"192.0.2.0/24\"\nremote_ts = \"203.0.113.0/24\"\n";  // lines 7-8
    expect_refused(ts + "mode = \"beet\"\n", 9, "mode must be");
    expect_refused(ts + "esp_proposals = [\"aes128gcm16-prfsha256\"]\n", 9, "cannot have a PRF");
    expect_refused(ts + "replay_window = 16\n", 9, "32..4096");
    expect_refused(ts + "start_action = \"later\"\n", 9, "start_action must be");
    expect_refused(ts + "rekey_time = 7200\nlife_time = 3600\n", 6, "rekey_time must not be longer");
    expect_refused(ts + "remote_tss = \"x\"\n", 9, "unknown key 'remote_tss'");
    EXPECT_TRUE(parse(ts).ok());

    expect_refused(kHead +
                       "[peers.p]\naddress = \"2001:db8::2\"\npsk = \"0123456789\"\n[peers.p.children.c]\n"
                       "local_ts = \"2001:db8:1::/64\"\nremote_ts = \"2001:db8:2::/64\"\n",
                   3, "no address of that IP version");
}

TEST(GatewayConfig, SyntaxErrorsNameFileAndLine) {
    auto c = parse(kHead + "tun = \"strata0\n");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message.rfind("gw.toml:3:", 0), 0U) << c.error().message;
}

TEST(GatewayConfig, PskFileMustBeReadableOnlyByItsOwner) {
    const std::string path = "/tmp/strata-gw-test-psk-" + std::to_string(::getpid());
    {
        std::ofstream f(path);
        f << "a-secret-from-a-file\n";
    }
    const std::string text =
        kHead + "[peers.p]\naddress = \"198.51.100.2\"\npsk_file = \"" + path +
        "\"\n[peers.p.children.c]\nlocal_ts = \"192.0.2.0/24\"\nremote_ts = \"203.0.113.0/24\"\n";
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    auto c = parse(text);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("readable by others"), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.rfind("gw.toml:5:", 0), 0U) << c.error().message;
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
    c = parse(text);
    ASSERT_TRUE(c.ok()) << c.error().message;
    const auto& psk = c->peers.at(0).auth.psk;
    EXPECT_EQ(std::string(psk.view().begin(), psk.view().end()), "a-secret-from-a-file");  // newline trimmed
    ::unlink(path.c_str());
}

TEST(GatewayConfig, NothingToRunIsRefused) {
    auto c = parse(kHead);
    ASSERT_TRUE(c.ok());
    auto r = check_runnable(*c);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("nothing to run"), std::string::npos);
}

TEST(GatewayConfig, ManualSasMustBelongToTheGateway) {
    // site-c-sas.toml sends from 198.51.100.1; a gateway at .9 cannot run it.
    auto c = parse("[gateway]\naddresses = [\"198.51.100.9\"]\nmanual = \"site-c-sas.toml\"\n");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("is not one of gateway.addresses"), std::string::npos)
        << c.error().message;
    EXPECT_EQ(c.error().message.rfind("gw.toml:3:", 0), 0U) << c.error().message;
}

TEST(GatewayConfig, RangesSplitIntoPrefixes) {
    auto ip = [](const char* s) { return *packet::IpAddress::parse(s); };
    auto p = range_to_prefixes(ip("192.0.2.0"), ip("192.0.2.255"));
    ASSERT_EQ(p.size(), 1U);
    EXPECT_EQ(p[0].to_string(), "192.0.2.0/24");
    p = range_to_prefixes(ip("192.0.2.1"), ip("192.0.2.6"));
    ASSERT_EQ(p.size(), 4U);  // .1/32 .2/31 .4/31 .6/32
    EXPECT_EQ(p[0].to_string(), "192.0.2.1/32");
    EXPECT_EQ(p[1].to_string(), "192.0.2.2/31");
    EXPECT_EQ(p[3].to_string(), "192.0.2.6/32");
    p = range_to_prefixes(ip("0.0.0.0"), ip("255.255.255.255"));
    ASSERT_EQ(p.size(), 1U);
    EXPECT_EQ(p[0].to_string(), "0.0.0.0/0");
    p = range_to_prefixes(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    ASSERT_EQ(p.size(), 1U);
    EXPECT_EQ(p[0].length(), 0U);
    EXPECT_TRUE(range_to_prefixes(ip("192.0.2.9"), ip("192.0.2.1")).empty());
}

}  // namespace
}  // namespace strata::gateway
