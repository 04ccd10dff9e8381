// What a reload does to the IKE peers: the plan diff (added, removed,
// changed, unchanged; PSK, certificate contents, children and lifetimes
// count as changes) and the reqids (kept for unchanged peers, fresh ones
// for the rest).
#include "gateway/reload_plan.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace strata::gateway {
namespace {

const std::string kHead = "[gateway]\naddresses = [\"198.51.100.1\", \"2001:db8:ff::1\"]\n";

std::string peer(const std::string& name, const std::string& address, const std::string& psk,
                 const std::string& child_extra = "", const std::string& peer_extra = "") {
    return "[peers." + name + "]\naddress = \"" + address + "\"\npsk = \"" + psk + "\"\n" + peer_extra +
           "[peers." + name +
           ".children.net]\nlocal_ts = [\"192.0.2.0/24\"]\nremote_ts = [\"203.0.113.0/24\"]\n" + child_extra;
}

GatewayConfig parse(const std::string& text, const std::string& dir = "/nonexistent") {
    auto c = parse_gateway_config(text, "gw.toml", dir);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(c).value() : GatewayConfig{};
}

const std::string kPsk = "reload-test-psk-0123";

TEST(GatewayReloadPlan, SortsPeersIntoAddedRemovedChangedUnchanged) {
    const GatewayConfig running =
        parse(kHead + peer("keep", "198.51.100.2", kPsk) + peer("gone", "198.51.100.3", kPsk) +
              peer("rekeyed", "198.51.100.4", kPsk));
    // "keep" moves to the end of the file: order does not matter.
    const GatewayConfig next =
        parse(kHead + peer("rekeyed", "198.51.100.4", "another-psk-0123456") +
              peer("new", "2001:db8:ff::2", kPsk) + peer("keep", "198.51.100.2", kPsk));
    const PeerChanges c = diff_peers(running, next);
    EXPECT_EQ(c.added, std::vector<std::string>{"new"});
    EXPECT_EQ(c.removed, std::vector<std::string>{"gone"});
    EXPECT_EQ(c.changed, std::vector<std::string>{"rekeyed"});
    EXPECT_EQ(c.unchanged, std::vector<std::string>{"keep"});
    EXPECT_TRUE(c.any());
    EXPECT_EQ(c.summary(), "added new; removed gone; changed rekeyed; unchanged keep");

    const PeerChanges same = diff_peers(running, running);
    EXPECT_FALSE(same.any());
    EXPECT_EQ(same.unchanged.size(), 3U);
}

TEST(GatewayReloadPlan, EverySettingOfAPeerOrItsChildrenIsAChange) {
    const std::string base = peer("p", "198.51.100.2", kPsk);
    const GatewayConfig running = parse(kHead + base);
    const std::vector<std::pair<const char*, std::string>> variants = {
        {"address", peer("p", "198.51.100.9", kPsk)},
        {"psk", peer("p", "198.51.100.2", kPsk + "x")},
        {"ike proposals", peer("p", "198.51.100.2", kPsk, "", "proposals = [\"aes128-sha256-modp2048\"]\n")},
        {"version", peer("p", "198.51.100.2", kPsk, "", "version = 1\n")},
        {"remote_id", peer("p", "198.51.100.2", kPsk, "", "remote_id = \"gw-d.example.org\"\n")},
        {"dpd_delay", peer("p", "198.51.100.2", kPsk, "", "dpd_delay = \"10s\"\n")},
        {"esp proposals", peer("p", "198.51.100.2", kPsk, "esp_proposals = [\"aes256gcm16\"]\n")},
        {"child lifetime", peer("p", "198.51.100.2", kPsk, "rekey_time = \"30m\"\n")},
        {"child bytes", peer("p", "198.51.100.2", kPsk, "life_bytes = 1000000\n")},
        {"replay window", peer("p", "198.51.100.2", kPsk, "replay_window = 64\n")},
        {"start_action", peer("p", "198.51.100.2", kPsk, "start_action = \"start\"\n")},
        {"mode", peer("p", "198.51.100.2", kPsk, "mode = \"transport\"\n")},
    };
    for (const auto& [what, text] : variants) {
        SCOPED_TRACE(what);
        const PeerChanges c = diff_peers(running, parse(kHead + text));
        EXPECT_EQ(c.changed, std::vector<std::string>{"p"});
        EXPECT_TRUE(c.unchanged.empty());
    }
    // The gateway's encapsulation is built into every engine.
    const PeerChanges encap = diff_peers(running, parse(kHead + "encapsulation = \"esp\"\n" + base));
    EXPECT_EQ(encap.changed, std::vector<std::string>{"p"});
    // The log level is not a peer setting.
    const PeerChanges level = diff_peers(running, parse(kHead + "log_level = \"debug\"\n" + base));
    EXPECT_EQ(level.unchanged, std::vector<std::string>{"p"});
}

TEST(GatewayReloadPlan, CertificateOrPskFileContentsChangedOnDiskAreAChange) {
    // Certificates: parse_gateway_config fingerprints the DER of cert and
    // cacert, so a file swapped under the same path differs here.
    GatewayConfig running = parse(kHead + peer("p", "198.51.100.2", kPsk));
    GatewayConfig next = parse(kHead + peer("p", "198.51.100.2", kPsk));
    running.peers[0].auth.fingerprint = "aa";
    next.peers[0].auth.fingerprint = "bb";
    EXPECT_EQ(diff_peers(running, next).changed, std::vector<std::string>{"p"});
    next.peers[0].auth.fingerprint = "aa";
    EXPECT_EQ(diff_peers(running, next).unchanged, std::vector<std::string>{"p"});

    // psk_file: the same path, other contents.
    std::string dir = (std::filesystem::temp_directory_path() / "strata-reload-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    const std::string file = dir + "/p.psk";
    auto write_psk = [&](const std::string& text) {
        std::ofstream(file, std::ios::trunc) << text << "\n";
        ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    };
    const std::string text =
        kHead + "[peers.p]\naddress = \"198.51.100.2\"\npsk_file = \"p.psk\"\n" +
        "[peers.p.children.net]\nlocal_ts = [\"192.0.2.0/24\"]\nremote_ts = [\"203.0.113.0/24\"]\n";
    write_psk("first-psk-0123456789");
    const GatewayConfig a = parse(text, dir);
    write_psk("second-psk-0123456789");
    const GatewayConfig b = parse(text, dir);
    const GatewayConfig b2 = parse(text, dir);
    std::filesystem::remove_all(dir);
    EXPECT_EQ(diff_peers(a, b).changed, std::vector<std::string>{"p"});
    EXPECT_EQ(diff_peers(b, b2).unchanged, std::vector<std::string>{"p"});
}

TEST(GatewayReloadPlan, UnchangedPeersKeepTheirReqidsOthersGetFreshOnes) {
    const GatewayConfig running =
        parse(kHead + peer("a", "198.51.100.2", kPsk) + peer("b", "198.51.100.3", kPsk));
    auto old_plans = plan_peers(running);
    ASSERT_TRUE(old_plans.ok()) << old_plans.error().message;
    const ReqidMap old = reqids_of(*old_plans);
    ASSERT_EQ(old.size(), 2U);
    EXPECT_EQ(old.at("a/net"), kFirstIkeReqid);
    EXPECT_EQ(old.at("b/net"), kFirstIkeReqid + 1);

    // "a" is removed, "b" stays, "c" is new: plan_peers alone would give b
    // a's reqid; b keeps its own and c gets one never used before.
    const GatewayConfig next =
        parse(kHead + peer("b", "198.51.100.3", kPsk) + peer("c", "198.51.100.4", kPsk));
    const PeerChanges ch = diff_peers(running, next);
    auto plans = plan_peers(next);
    ASSERT_TRUE(plans.ok());
    std::uint32_t fresh = kFirstIkeReqid + 2;
    assign_reqids(*plans, ch.unchanged, old, fresh);
    const ReqidMap now = reqids_of(*plans);
    EXPECT_EQ(now.at("b/net"), kFirstIkeReqid + 1);
    EXPECT_EQ(now.at("c/net"), kFirstIkeReqid + 2);
    EXPECT_EQ(fresh, kFirstIkeReqid + 3);
    // The SPD entries follow the plan's reqids.
    for (const auto& plan : *plans) {
        for (const auto& pol : child_policies(plan)) EXPECT_EQ(pol.protect.reqid, now.at(plan.name + "/net"));
    }
    // A changed peer is not kept: its child gets a fresh reqid too.
    assign_reqids(*plans, {}, old, fresh);
    EXPECT_EQ(reqids_of(*plans).at("b/net"), kFirstIkeReqid + 3);
}

TEST(GatewayReloadPlan, TheEngineOfAReCreatedPeerNamesItsChildrenByTheNewReqids) {
    // Two children: the first negotiated in IKE_AUTH, the second by
    // CREATE_CHILD_SA; the IKEv2 engine reports each by its reqid.
    const GatewayConfig cfg = parse(kHead + peer("p", "198.51.100.2", kPsk) +
                                    "[peers.p.children.net6]\nlocal_ts = [\"2001:db8:1::/64\"]\n" +
                                    "remote_ts = [\"2001:db8:2::/64\"]\n");
    auto plans = plan_peers(cfg);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    ASSERT_EQ(plans->front().children.size(), 2U);
    std::uint32_t fresh = kFirstIkeReqid + 40;
    assign_reqids(*plans, {}, {}, fresh);
    const PeerPlan& p = plans->front();
    ASSERT_EQ(p.v2.connections.size(), 1U);
    const ike::ConnectionConfig& conn = p.v2.connections.front();
    EXPECT_EQ(p.children[0].reqid, kFirstIkeReqid + 40);
    EXPECT_EQ(p.children[1].reqid, kFirstIkeReqid + 41);
    EXPECT_EQ(conn.child_name, p.children[0].name);
    EXPECT_EQ(conn.child_reqid, p.children[0].reqid);
    ASSERT_EQ(conn.more_children.size(), 1U);
    EXPECT_EQ(conn.more_children.front().name, p.children[1].name);
    EXPECT_EQ(conn.more_children.front().reqid, p.children[1].reqid);
}

}  // namespace
}  // namespace strata::gateway
