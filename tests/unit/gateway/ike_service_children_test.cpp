// Two IkeServices (gateways C and D, IKEv2 PSK) back to back in memory with
// two children per peer, an IPv4 one and an IPv6 one (swanctl's
// children.net4 / children.net6): both come up under one IKE SA, each child's
// SAs carry its own reqid so its SPD entries find them, a rekey by child name
// touches that child only, and an acquire for a child without SA asks for
// it with CREATE_CHILD_SA on the IKE SA that is up.
#include <set>
#include <string>

#include "ike_service_pair.hpp"

namespace strata::gateway {
namespace {

// config: one peer with children net4 and net6 (each with its start_action).
std::string config(const std::string& self, const std::string& peer, const std::string& self_addr,
                   const std::string& peer_addr, bool c_side, const std::string& start4,
                   const std::string& start6) {
    const std::string l4 = c_side ? "192.0.2.0/24" : "203.0.113.0/24";
    const std::string r4 = c_side ? "203.0.113.0/24" : "192.0.2.0/24";
    const std::string l6 = c_side ? "2001:db8:1::/64" : "2001:db8:2::/64";
    const std::string r6 = c_side ? "2001:db8:2::/64" : "2001:db8:1::/64";
    return "[gateway]\naddresses = [\"" + self_addr + "\"]\n[peers." + peer + "]\naddress = \"" + peer_addr +
           "\"\npsk = \"unit-test-psk-0123456789\"\nlocal_id = \"" + self + ".example.org\"\nremote_id = \"" +
           peer + ".example.org\"\n[peers." + peer + ".children.net4]\nlocal_ts = [\"" + l4 +
           "\"]\nremote_ts = [\"" + r4 + "\"]\nstart_action = \"" + start4 + "\"\n[peers." + peer +
           ".children.net6]\nlocal_ts = [\"" + l6 + "\"]\nremote_ts = [\"" + r6 +
           "\"]\nesp_proposals = [\"aes256gcm16-x25519\"]\nstart_action = \"" + start6 + "\"\n";
}

class Children : public ServicePair {
protected:
    void build(const std::string& c4, const std::string& c6, const std::string& d4, const std::string& d6) {
        make(0, config("gw-c", "gw-d", "198.51.100.1", "198.51.100.2", true, c4, c6));
        make(1, config("gw-d", "gw-c", "198.51.100.2", "198.51.100.1", false, d4, d6));
        for (const auto& s : sides_) ASSERT_EQ(s.reqids.size(), 2U);
    }

    static std::uint32_t reqid4(const PairSide& s) { return s.reqids[0]; }
    static std::uint32_t reqid6(const PairSide& s) { return s.reqids[1]; }

    // expect_child_covered: both sides send this child's traffic with an SA
    // the other side has inbound, and not with the other child's SA.
    void expect_covered(bool v4, bool v6) {
        for (int i = 0; i < 2; ++i) {
            const PairSide& s = sides_[i];
            const std::uint32_t o4 = out_spi(s, reqid4(s));
            const std::uint32_t o6 = out_spi(s, reqid6(s));
            EXPECT_EQ(o4 != 0, v4) << "side " << i;
            EXPECT_EQ(o6 != 0, v6) << "side " << i;
            const auto in = spis(sides_[1 - i], ipsec::Direction::Inbound);
            if (o4 != 0) {
                EXPECT_EQ(in.count(o4), 1U) << "side " << i;
            }
            if (o6 != 0) {
                EXPECT_EQ(in.count(o6), 1U) << "side " << i;
            }
            EXPECT_TRUE(o4 == 0 || o4 != o6);
        }
    }
};

TEST_F(Children, BothChildrenComeUpUnderOneIkeSa) {
    build("start", "start", "none", "none");
    sides_[0].svc->start(now_);
    deliver();
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(sides_[i].svc->ike_sa_count(), 1U);
        EXPECT_EQ(sides_[i].svc->child_count(), 2U);
        EXPECT_EQ(spis(sides_[i], ipsec::Direction::Inbound).size(), 2U);
        const auto ikes = sides_[i].svc->ike_sas(now_);
        ASSERT_EQ(ikes.size(), 1U);
        ASSERT_EQ(ikes[0]["children"].size(), 2U);
        std::set<std::string> names;
        for (const auto& c : ikes[0]["children"]) names.insert(c["name"].get<std::string>());
        const std::string peer = i == 0 ? "gw-d" : "gw-c";
        EXPECT_EQ(names, (std::set<std::string>{peer + "/net4", peer + "/net6"}));
    }
    expect_covered(true, true);
    // The IPv6 child's SA carries its own selectors and proposal (net4 has the default aes128gcm16).
    const auto listed = sides_[0].svc->ike_sas(now_);  // kept: the loop walks into it
    for (const auto& c : listed[0]["children"]) {
        if (c["name"] == "gw-d/net6") {
            EXPECT_EQ(c["local_ts"], "2001:db8:1::/64");
            EXPECT_NE(c["algorithms"].get<std::string>().find("aes256gcm16"), std::string::npos)
                << c["algorithms"];
        }
    }
}

TEST_F(Children, RekeyByChildNameRekeysThatChildOnly) {
    build("start", "start", "none", "none");
    sides_[0].svc->start(now_);
    deliver();
    const std::uint32_t c4 = out_spi(sides_[0], reqid4(sides_[0]));
    const std::uint32_t c6 = out_spi(sides_[0], reqid6(sides_[0]));
    auto r = sides_[1].svc->rekey("net6", now_);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_NE(r.message.find("1 CHILD SA"), std::string::npos) << r.message;
    deliver();
    now_ += IkeService::kRetireGrace + std::chrono::seconds(1);
    for (auto& s : sides_) s.svc->on_timer(now_);
    deliver();
    expect_covered(true, true);
    EXPECT_EQ(out_spi(sides_[0], reqid4(sides_[0])), c4);
    EXPECT_NE(out_spi(sides_[0], reqid6(sides_[0])), c6);
    for (auto& s : sides_) EXPECT_EQ(s.svc->child_count(), 2U);
    // The whole peer: both children.
    r = sides_[0].svc->rekey("gw-d", now_);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_NE(r.message.find("2 CHILD SA"), std::string::npos) << r.message;
    EXPECT_FALSE(sides_[0].svc->rekey("net5", now_).ok);
}

TEST_F(Children, AcquireForAMissingChildAsksForItOnTheIkeSa) {
    // C sets up the IKE SA with net4 only (its net6 waits: none); D traps net6.
    build("start", "none", "none", "trap");
    sides_[0].svc->start(now_);
    deliver();
    expect_covered(true, false);
    EXPECT_EQ(sides_[1].svc->child_count(), 1U);
    InboxEvent acquire;
    acquire.kind = ipsec::EventKind::Acquire;
    acquire.reqid = reqid6(sides_[1]);
    sides_[1].svc->datapath_event(acquire, now_);
    deliver();
    expect_covered(true, true);
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 1U);
    EXPECT_EQ(sides_[1].svc->ike_sa_count(), 1U);
    // Another acquire for a child that has its SA starts nothing.
    sides_[1].svc->datapath_event(acquire, now_);
    EXPECT_TRUE(queue_.empty());
    // An acquire for C's net6 (start_action none) is ignored.
    acquire.reqid = reqid6(sides_[0]);
    const auto ignored = sides_[0].svc->stats().acquires_ignored;
    sides_[0].svc->datapath_event(acquire, now_);
    EXPECT_EQ(sides_[0].svc->stats().acquires_ignored, ignored + 1);
}

TEST_F(Children, InitiateAChildByNameOnAnEstablishedIkeSa) {
    build("start", "none", "none", "none");
    sides_[0].svc->start(now_);
    deliver();
    expect_covered(true, false);
    auto r = sides_[0].svc->initiate("net6", now_);
    EXPECT_TRUE(r.ok) << r.message;
    deliver();
    expect_covered(true, true);
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 1U);
}

}  // namespace
}  // namespace strata::gateway
