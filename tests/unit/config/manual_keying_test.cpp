#include "config/manual_keying.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::config {
namespace {

using packet::IpAddress;

std::string example(const char* name) { return std::string(STRATA_SOURCE_DIR) + "/examples/manual/" + name; }

TEST(ManualKeying, EveryShippedExampleLoadsAndInstalls) {
    for (const char* name :
         {"lecture-transport-ah-md5.toml", "lecture-tunnel-esp-3des.toml", "modern-tunnel-aes256gcm.toml"}) {
        SCOPED_TRACE(name);
        auto mk = load_manual_keying(example(name));
        ASSERT_TRUE(mk.ok()) << mk.error().message;
        EXPECT_GE(mk->sas.size(), 2U);
        ipsec::Sad sad;
        ipsec::Spd spd;
        auto r = install(*mk, sad, spd, core::Instant{});
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_GE(sad.size(), 2U);
        EXPECT_GE(spd.size(), 2U);
    }
}

TEST(ManualKeying, ModernExampleHasWhatItSays) {
    auto mk = load_manual_keying(example("modern-tunnel-aes256gcm.toml"));
    ASSERT_TRUE(mk.ok()) << mk.error().message;
    const ipsec::SaConfig& out = mk->sas.at(0);
    EXPECT_EQ(out.encryption->keyword, "aes256gcm16");
    EXPECT_TRUE(out.esn);
    EXPECT_EQ(out.encryption_key.size(), 36U);
    EXPECT_EQ(out.lifetimes.hard.time, std::chrono::seconds(3600));
    EXPECT_EQ(mk->sas.at(1).replay_window, 1024U);
    const ipsec::Policy& bypass = mk->policies.at(0);
    EXPECT_EQ(bypass.action, ipsec::Action::Bypass);
    EXPECT_EQ(bypass.selector.protocol, 17);
    EXPECT_EQ(bypass.selector.remote_ports.first, 500);
    const ipsec::Policy& protect = mk->policies.at(1);
    EXPECT_EQ(protect.protect.tunnel_dst, *IpAddress::parse("203.0.113.2"));
    EXPECT_EQ(protect.protect.reqid, 3U);
}

TEST(ManualKeying, RangesPortsAndProtocols) {
    auto mk = parse_manual_keying(R"(
[[policy]]
direction = "in"
local = "192.0.2.1-192.0.2.9"
remote = "2001:db8::1"
action = "bypass"
)",
                                  "t.toml");
    ASSERT_FALSE(mk.ok());  // mixed families
    EXPECT_NE(mk.error().message.find("one IP version"), std::string::npos);

    mk = parse_manual_keying(R"(
[[policy]]
direction = "in"
local = "192.0.2.1-192.0.2.9"
remote = "198.51.100.0/24"
protocol = "tcp"
local_ports = "1024-2048"
remote_ports = 443
action = "discard"
)",
                             "t.toml");
    ASSERT_TRUE(mk.ok()) << mk.error().message;
    const auto& s = mk->policies.at(0).selector;
    EXPECT_EQ(s.local.last, *IpAddress::parse("192.0.2.9"));
    EXPECT_EQ(s.protocol, 6);
    EXPECT_EQ(s.local_ports.first, 1024);
    EXPECT_EQ(s.local_ports.last, 2048);
    EXPECT_EQ(s.remote_ports.first, 443);
}

// A bad configuration is refused with the file, the line and the reason.
TEST(ManualKeying, ErrorsNameFileLineAndReason) {
    auto mk = parse_manual_keying(R"([[sa]]
direction = "out"
spi = 0x1001
src = "192.0.2.1"
dst = "198.51.100.1"
encryption = "aes999"
)",
                                  "bad.toml");
    ASSERT_FALSE(mk.ok());
    const std::string& m = mk.error().message;
    EXPECT_NE(m.find("unknown encryption algorithm 'aes999'"), std::string::npos) << m;
    EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
    EXPECT_NE(m.find("6"), std::string::npos) << m;  // line 6

    mk = parse_manual_keying("[[sa]]\ndirection = \"sideways\"\nspi = 4096\n", "d.toml");
    ASSERT_FALSE(mk.ok());
    EXPECT_NE(mk.error().message.find("direction must be"), std::string::npos);

    mk = parse_manual_keying("[[sa]]\nspi = 7\n", "s.toml");
    ASSERT_FALSE(mk.ok());
    EXPECT_NE(mk.error().message.find("256"), std::string::npos) << mk.error().message;

    mk = parse_manual_keying("[oops]\n", "u.toml");
    ASSERT_FALSE(mk.ok());
    EXPECT_NE(mk.error().message.find("unknown section"), std::string::npos);

    mk = parse_manual_keying("[[sa]\n", "syntax.toml");
    ASSERT_FALSE(mk.ok());
    EXPECT_NE(mk.error().message.find("syntax.toml"), std::string::npos) << mk.error().message;

    EXPECT_FALSE(load_manual_keying("/nonexistent/x.toml").ok());
}

TEST(ManualKeying, InstallNamesTheRefusedSa) {
    auto mk = parse_manual_keying(R"([[sa]]
name = "short-key"
direction = "out"
spi = 0x1001
src = "192.0.2.1"
dst = "198.51.100.1"
encryption = "aes128gcm16"
encryption_key = "0x00112233"
)",
                                  "k.toml");
    ASSERT_TRUE(mk.ok()) << mk.error().message;
    ipsec::Sad sad;
    ipsec::Spd spd;
    auto r = install(*mk, sad, spd, core::Instant{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "sa 'short-key': WrongKeyLength");
}

}  // namespace
}  // namespace strata::config
