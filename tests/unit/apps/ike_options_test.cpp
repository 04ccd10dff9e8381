// `strata ike` settings: the rekey, DPD and retransmission flags and TOML
// keys reach the engine's ConnectionConfig; the loop's dead-peer test; the
// JSON the interop tests compare with swanctl.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "apps/strata/ike_loop.hpp"
#include "apps/strata/ike_options.hpp"
#include "apps/strata/ike_print.hpp"
#include "crypto/algorithm_table.hpp"

namespace strata::apps {
namespace {

IkeOptions base_options() {
    IkeOptions o;
    o.local = "198.51.100.1";
    o.remote = "198.51.100.2";
    o.psk = "test-psk";
    return o;
}

std::string write_temp(const std::string& text) {
    const std::string path = ::testing::TempDir() + "ike_options_test.toml";
    std::ofstream(path, std::ios::trunc) << text;
    return path;
}

TEST(IkeOptions, DefaultsLeaveTheEngineTimersAlone) {
    ike::ConnectionConfig c;
    ASSERT_EQ(to_connection(base_options(), c), std::nullopt);
    const ike::RetransmitConfig defaults;
    EXPECT_EQ(c.dpd_interval, core::Duration::zero());
    EXPECT_EQ(c.child_rekey_time, core::Duration::zero());
    EXPECT_EQ(c.ike_rekey_time, core::Duration::zero());
    EXPECT_EQ(c.retransmit.initial, defaults.initial);
    EXPECT_EQ(c.retransmit.tries, defaults.tries);
}

TEST(IkeOptions, RekeyDpdAndRetransmitFlagsReachTheConnection) {
    IkeOptions o = base_options();
    o.dpd = 1.5;
    o.rekey_after = 4;
    o.rekey_ike_after = 7.25;
    o.retransmit_timeout = 0.5;
    o.retransmit_tries = 3;
    ike::ConnectionConfig c;
    ASSERT_EQ(to_connection(o, c), std::nullopt);
    EXPECT_EQ(c.dpd_interval, std::chrono::milliseconds(1500));
    EXPECT_EQ(c.child_rekey_time, std::chrono::seconds(4));
    EXPECT_EQ(c.child_rand_time, core::Duration::zero());  // no jitter: the rekey comes when asked
    EXPECT_EQ(c.ike_rekey_time, std::chrono::milliseconds(7250));
    EXPECT_EQ(c.ike_rand_time, core::Duration::zero());
    EXPECT_EQ(c.retransmit.initial, std::chrono::milliseconds(500));
    EXPECT_EQ(c.retransmit.tries, 3U);
}

TEST(IkeOptions, BadSecondsAreRefused) {
    for (double bad : {-1.0, std::nan(""), HUGE_VAL, 1e12}) {
        ike::ConnectionConfig c;
        IkeOptions o = base_options();
        o.dpd = bad;
        EXPECT_NE(to_connection(o, c), std::nullopt) << bad;
        o = base_options();
        o.rekey_after = bad;
        EXPECT_NE(to_connection(o, c), std::nullopt) << bad;
        o = base_options();
        o.rekey_ike_after = bad;
        EXPECT_NE(to_connection(o, c), std::nullopt) << bad;
        o = base_options();
        o.retransmit_timeout = bad;
        EXPECT_NE(to_connection(o, c), std::nullopt) << bad;
    }
    ike::ConnectionConfig c;
    IkeOptions o = base_options();
    o.retransmit_tries = 101;
    EXPECT_NE(to_connection(o, c), std::nullopt);
}

TEST(IkeOptions, TomlKeysOfTheSameName) {
    IkeOptions o;
    const auto path = write_temp(
        "dpd = 2\nrekey_after = 3.5\nrekey_ike_after = 60\nretransmit_timeout = 0.25\nretransmit_tries = "
        "4\n");
    ASSERT_EQ(load_ike_toml(path, o), std::nullopt);
    EXPECT_DOUBLE_EQ(o.dpd, 2.0);
    EXPECT_DOUBLE_EQ(o.rekey_after, 3.5);
    EXPECT_DOUBLE_EQ(o.rekey_ike_after, 60.0);
    EXPECT_DOUBLE_EQ(o.retransmit_timeout, 0.25);
    EXPECT_EQ(o.retransmit_tries, 4U);
    std::remove(path.c_str());
}

TEST(IkeOptions, TomlRefusesWrongTypesAndRanges) {
    for (const char* text : {"rekey_after = \"soon\"\n", "retransmit_tries = -1\n",
                             "retransmit_tries = 1000\n", "dpd = true\n"}) {
        IkeOptions o;
        const auto path = write_temp(text);
        EXPECT_NE(load_ike_toml(path, o), std::nullopt) << text;
        std::remove(path.c_str());
    }
}

TEST(IkeLoop, PeerDeadOnlyForDpdAndRetransmitGiveUps) {
    auto down = [](const char* reason) { return ike::Event{ike::IkeSaDown{"c", {}, reason}}; };
    EXPECT_TRUE(peer_dead(down("dpd")));
    EXPECT_TRUE(peer_dead(down("retransmits exhausted")));
    EXPECT_TRUE(peer_dead(down("dead peer (DPD)")));
    EXPECT_FALSE(peer_dead(down("deleted by peer")));
    EXPECT_FALSE(peer_dead(down("deleted locally")));
    EXPECT_FALSE(peer_dead(ike::Event{ike::ChildSaDown{"c", {}, 1, 2, "dpd"}}));
}

TEST(IkePrint, RekeyedEventsCarryTheAlgorithmsSwanctlShows) {
    ike::ChildSaRekeyed ev;
    ev.connection = "strata";
    ev.old_spi_in = 0x11111111;
    ev.child.spi_in = 0xc0ffee01;
    ev.child.spi_out = 0x0badf00d;
    ev.child.algorithms.encryption = crypto::find_encryption("aes256");
    ev.child.algorithms.integrity = crypto::find_integrity("sha256");
    ev.child.algorithms.dh = crypto::find_dh("ecp256");
    ASSERT_NE(ev.child.algorithms.encryption, nullptr);
    ASSERT_NE(ev.child.algorithms.integrity, nullptr);
    ASSERT_NE(ev.child.algorithms.dh, nullptr);
    const auto j = event_json(ike::Event{std::move(ev)});
    EXPECT_EQ(j["event"], "child-sa-rekeyed");
    EXPECT_EQ(j["old_spi_in"], "11111111");
    EXPECT_EQ(j["spi_in"], "c0ffee01");
    EXPECT_EQ(j["spi_out"], "0badf00d");
    EXPECT_EQ(j["encr_id"], 12);  // ENCR_AES_CBC (RFC 7296 §3.3.2)
    EXPECT_EQ(j["encr_keybits"], 256);
    EXPECT_EQ(j["integ_id"], 12);  // AUTH_HMAC_SHA2_256_128 (RFC 4868)
    EXPECT_EQ(j["dh_id"], 19);     // ECP-256 (RFC 5903)

    ike::IkeSaRekeyed ike_ev;
    ike_ev.new_id = {0x0102030405060708ULL, 0x1112131415161718ULL};
    ike_ev.algorithms.encryption = crypto::find_encryption("aes128gcm16");
    ike_ev.algorithms.prf = crypto::find_prf("prfsha256");
    ike_ev.algorithms.dh = crypto::find_dh("x25519");
    ASSERT_NE(ike_ev.algorithms.prf, nullptr);
    const auto k = event_json(ike::Event{ike_ev});
    EXPECT_EQ(k["spi_i"], "0102030405060708");
    EXPECT_EQ(k["spi_r"], "1112131415161718");
    EXPECT_EQ(k["prf_id"], 5);  // PRF_HMAC_SHA2_256
    EXPECT_EQ(k["integ_id"], 0);
    EXPECT_EQ(k["dh_id"], 31);  // Curve25519 (RFC 8031)
}

TEST(IkePrint, SasListsIkeAndChildSas) {
    ike::v2::IkeInfo sa;
    sa.connection = "strata";
    sa.id = {0xaaULL, 0xbbULL};
    sa.established = true;
    sa.children = 1;
    ike::v2::ChildInfo child;
    child.ike = sa.id;
    child.spi_in = 0x01020304;
    child.spi_out = 0x0a0b0c0d;
    child.rekeying = true;
    const auto j = sas_json({sa}, {child});
    EXPECT_EQ(j["event"], "sas");
    ASSERT_EQ(j["ike_sas"].size(), 1U);
    EXPECT_EQ(j["ike_sas"][0]["spi_i"], "00000000000000aa");
    EXPECT_EQ(j["ike_sas"][0]["established"], true);
    ASSERT_EQ(j["child_sas"].size(), 1U);
    EXPECT_EQ(j["child_sas"][0]["spi_in"], "01020304");
    EXPECT_EQ(j["child_sas"][0]["ike_spi_r"], "00000000000000bb");
    EXPECT_EQ(j["child_sas"][0]["rekeying"], true);
}

}  // namespace
}  // namespace strata::apps
