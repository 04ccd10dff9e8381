// copy_dscp and copy_ecn (swanctl's names; RFC 4301 §5.1.2.1, RFC 6040) on
// IKE children and manually keyed SAs: defaults, every value, refusals with
// the file and line, and that a change counts for reloads.
#include <gtest/gtest.h>

#include <string>

#include "gateway/config.hpp"
#include "gateway/datapath.hpp"
#include "gateway/reload_plan.hpp"

#include "temp_dir.hpp"

namespace strata::gateway {
namespace {

const std::string kChild =
    "[gateway]\naddresses = [\"198.51.100.1\"]\n"  // 1-2
    "[peers.p]\naddress = \"198.51.100.2\"\n"      // 3-4
    "psk = \"0123456789\"\n"                       // 5
    "[peers.p.children.net]\n"                     // 6
    "local_ts = \"192.0.2.0/24\"\n"                // 7
    "remote_ts = \"203.0.113.0/24\"\n";            // 8

core::Result<GatewayConfig, ConfigError> parse(const std::string& text) {
    return parse_gateway_config(text, "gw.toml", ".");
}

TEST(GatewayConfigDscp, ChildDefaultsAreOutAndEcnOn) {
    auto c = parse(kChild);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->peers[0].children[0].copy_dscp, ipsec::DscpCopy::Out);
    EXPECT_TRUE(c->peers[0].children[0].copy_ecn);
}

TEST(GatewayConfigDscp, ChildTakesEveryValue) {
    for (const auto& [text, want] :
         {std::pair{"out", ipsec::DscpCopy::Out}, std::pair{"in", ipsec::DscpCopy::In},
          std::pair{"yes", ipsec::DscpCopy::Yes}, std::pair{"no", ipsec::DscpCopy::No}}) {
        auto c = parse(kChild + "copy_dscp = \"" + text + "\"\ncopy_ecn = false\n");
        ASSERT_TRUE(c.ok()) << c.error().message;
        EXPECT_EQ(c->peers[0].children[0].copy_dscp, want);
        EXPECT_FALSE(c->peers[0].children[0].copy_ecn);
        EXPECT_EQ(ipsec::to_string(want), text);
    }
}

TEST(GatewayConfigDscp, BadValuesAreRefusedWithTheirLine) {
    for (const auto& [line, reason] :
         {std::pair{"copy_dscp = \"both\"\n", "copy_dscp must be 'out', 'in', 'yes' or 'no'"},
          std::pair{"copy_dscp = \"OUT\"\n", "copy_dscp must be"}, std::pair{"copy_dscp = 1\n", "copy_dscp"},
          std::pair{"copy_ecn = \"yes\"\n", "copy_ecn"}}) {
        SCOPED_TRACE(line);
        auto c = parse(kChild + line);
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message.rfind("gw.toml:9:", 0), 0U) << c.error().message;
        EXPECT_NE(c.error().message.find(reason), std::string::npos) << c.error().message;
    }
}

TEST(GatewayConfigDscp, AChangedSettingChangesThePeerForReload) {
    auto a = parse(kChild);
    auto b = parse(kChild + "copy_dscp = \"no\"\n");
    auto e = parse(kChild + "copy_ecn = false\n");
    ASSERT_TRUE(a.ok() && b.ok() && e.ok());
    EXPECT_TRUE(same_peer(a->peers[0], a->gateway, a->peers[0], a->gateway));
    EXPECT_FALSE(same_peer(a->peers[0], a->gateway, b->peers[0], b->gateway));
    EXPECT_FALSE(same_peer(a->peers[0], a->gateway, e->peers[0], e->gateway));
}

const std::string kSa =
    "[[sa]]\n"                                                           // 1
    "name = \"out\"\n"                                                   // 2
    "direction = \"out\"\n"                                              // 3
    "spi = 0x1001\n"                                                     // 4
    "src = \"198.51.100.1\"\n"                                           // 5
    "dst = \"198.51.100.2\"\n"                                           // 6
    "encryption = \"aes128gcm16\"\n"                                     // 7
    "encryption_key = \"0x000102030405060708090a0b0c0d0e0f10111213\"\n"  // 8
    "reqid = 1\n";                                                       // 9
const std::string kPolicy =
    "[[policy]]\ndirection = \"out\"\nlocal = \"192.0.2.0/24\"\nremote = \"203.0.113.0/24\"\n"
    "action = \"protect\"\nmode = \"tunnel\"\ntunnel_src = \"198.51.100.1\"\ntunnel_dst = \"198.51.100.2\"\n"
    "reqid = 1\n";

core::Result<GatewayConfig, ConfigError> with_manual(const TempDir& d, const std::string& sa_extra) {
    d.write("sas.toml", kSa + sa_extra + kPolicy);
    return parse_gateway_config("[gateway]\naddresses = [\"198.51.100.1\"]\nmanual = \"sas.toml\"\n",
                                "gw.toml", d.path());
}

TEST(GatewayConfigDscp, ManualSasTakeTheOptionsToo) {
    TempDir d("dscp");
    ASSERT_FALSE(d.path().empty());
    auto def = with_manual(d, "");
    ASSERT_TRUE(def.ok()) << def.error().message;
    EXPECT_EQ(def->manual->sas[0].copy_dscp, ipsec::DscpCopy::Out);
    EXPECT_TRUE(def->manual->sas[0].copy_ecn);
    auto no = with_manual(d, "copy_dscp = \"no\"\ncopy_ecn = false\n");
    ASSERT_TRUE(no.ok()) << no.error().message;
    EXPECT_EQ(no->manual->sas[0].copy_dscp, ipsec::DscpCopy::No);
    EXPECT_FALSE(no->manual->sas[0].copy_ecn);

    // A reload with another setting makes a new SA (it is not carried over).
    auto first = Datapath::build(std::move(*def->manual), nullptr, core::Instant{});
    ASSERT_TRUE(first.ok());
    auto second = Datapath::build(std::move(*no->manual), first->get(), core::Instant{});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ((*second)->carried_over(), 0U);

    auto bad = with_manual(d, "copy_dscp = \"sideways\"\n");
    ASSERT_FALSE(bad.ok());
    const std::string& m = bad.error().message;
    EXPECT_EQ(m.rfind("gw.toml:3:", 0), 0U) << m;
    EXPECT_NE(m.find("sas.toml:10:"), std::string::npos) << m;
    EXPECT_NE(m.find("copy_dscp must be"), std::string::npos) << m;
}

}  // namespace
}  // namespace strata::gateway
