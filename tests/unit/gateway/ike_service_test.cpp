// Two IkeServices (gateways C and D, IKEv2 PSK) wired back to back in
// memory, each with its own live Datapath: CHILD SA rekeys (by ctl, by the
// soft lifetime, from either side) must keep every direction covered after
// every single IKE message (make-before-break: whatever SA a side sends with,
// the other side has it inbound), end with only the new SAs, and terminate
// must clear both sides.
#include <set>
#include <string>

#include "ike_service_pair.hpp"

namespace strata::gateway {
namespace {

std::string config_text(const std::string& self, const std::string& peer, const std::string& self_addr,
                        const std::string& peer_addr, const std::string& local_ts,
                        const std::string& remote_ts, const std::string& start, const std::string& lifetimes,
                        const std::string& peer_extra = "") {
    return "[gateway]\naddresses = [\"" + self_addr + "\"]\n[peers." + peer + "]\naddress = \"" + peer_addr +
           "\"\npsk = \"unit-test-psk-0123456789\"\nproposals = [\"aes256-sha256-ecp256\"]\n" +
           "local_id = \"" + self + ".example.org\"\nremote_id = \"" + peer + ".example.org\"\n" +
           peer_extra + "[peers." + peer + ".children.net]\nlocal_ts = [\"" + local_ts +
           "\"]\nremote_ts = [\"" + remote_ts +
           "\"]\nesp_proposals = [\"aes128gcm16-ecp256\"]\nstart_action = \"" + start + "\"\n" + lifetimes;
}

class Pair : public ServicePair {
protected:
    void SetUp() override { build(""); }

    // build makes both sides; *_peer go into the [peers.X] section (e.g. the IKE rekey_time).
    void build(const std::string& c_lifetimes, const std::string& d_lifetimes = "",
               const std::string& c_peer = "", const std::string& d_peer = "") {
        const std::string c = config_text("gw-c", "gw-d", "198.51.100.1", "198.51.100.2", "192.0.2.0/24",
                                          "203.0.113.0/24", "start", c_lifetimes, c_peer);
        const std::string d = config_text("gw-d", "gw-c", "198.51.100.2", "198.51.100.1", "203.0.113.0/24",
                                          "192.0.2.0/24", "none", d_lifetimes, d_peer);
        make(0, c);
        make(1, d);
    }

    static std::uint32_t reqid(const PairSide& s) { return s.reqids.front(); }

    // The no-loss invariant, once the SAs are up: after every single message.
    void after_message() override {
        if (check_) expect_covered();
    }

    // expect_covered: each side's current outbound SA is inbound at the other.
    void expect_covered() {
        for (int i = 0; i < 2; ++i) {
            const std::uint32_t out = out_spi(sides_[i], reqid(sides_[i]));
            ASSERT_NE(out, 0U) << "side " << i << " has no outbound SA";
            EXPECT_EQ(spis(sides_[1 - i], ipsec::Direction::Inbound).count(out), 1U)
                << "side " << i << " sends with SPI " << out << " the other side does not have";
        }
    }

    void establish() {
        sides_[0].svc->start(now_);
        deliver();
        ASSERT_EQ(sides_[0].svc->ike_sa_count(), 1U);
        ASSERT_EQ(sides_[1].svc->ike_sa_count(), 1U);
        expect_covered();
        check_ = true;
    }

    // expect_replaced: after the grace, each side has exactly one pair, and
    // none of the SPIs of before.
    void expect_replaced(const std::set<std::uint32_t>& old_in_c, const std::set<std::uint32_t>& old_in_d) {
        advance(IkeService::kRetireGrace + std::chrono::seconds(1));
        for (int i = 0; i < 2; ++i) {
            const auto in = spis(sides_[i], ipsec::Direction::Inbound);
            const auto out = spis(sides_[i], ipsec::Direction::Outbound);
            EXPECT_EQ(in.size(), 1U) << "side " << i;
            EXPECT_EQ(out.size(), 1U) << "side " << i;
            for (auto spi : (i == 0 ? old_in_c : old_in_d)) EXPECT_EQ(in.count(spi), 0U) << "side " << i;
            EXPECT_EQ(sides_[i].svc->child_count(), 1U) << "side " << i;
        }
        expect_covered();
        EXPECT_EQ(sides_[0].svc->stats().children_rekeyed + sides_[1].svc->stats().children_rekeyed, 2U);
    }

    bool check_ = false;
};

TEST_F(Pair, CtlRekeyFromTheInitiatorKeepsBothDirectionsCovered) {
    establish();
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    const auto d_in = spis(sides_[1], ipsec::Direction::Inbound);
    auto r = sides_[0].svc->rekey("gw-d", now_);
    EXPECT_TRUE(r.ok) << r.message;
    deliver();
    expect_replaced(c_in, d_in);
}

TEST_F(Pair, CtlRekeyFromTheResponderKeepsBothDirectionsCovered) {
    establish();
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    const auto d_in = spis(sides_[1], ipsec::Direction::Inbound);
    auto r = sides_[1].svc->rekey("gw-c/net", now_);
    EXPECT_TRUE(r.ok) << r.message;
    deliver();
    expect_replaced(c_in, d_in);
}

TEST_F(Pair, ResponderWaitsForTheDeleteBeforeSendingOnTheNewSa) {
    establish();
    const auto old_out_d = out_spi(sides_[1], reqid(sides_[1]));
    ASSERT_TRUE(sides_[0].svc->rekey("gw-d", now_).ok);
    // C's CREATE_CHILD_SA request reaches D; D answers and has the new pair,
    // but C has not read the answer yet: D must still send with the old SA.
    ASSERT_EQ(queue_.size(), 1U);
    PairMessage m = std::move(queue_.front());
    queue_.pop_front();
    sides_[1].svc->receive(m.local, m.remote, core::ByteView(m.data.data(), m.data.size()), now_);
    EXPECT_EQ(out_spi(sides_[1], reqid(sides_[1])), old_out_d);
    EXPECT_EQ(spis(sides_[1], ipsec::Direction::Inbound).size(), 2U);
    deliver();  // the answer, C's DELETE of the old pair, D's answer
    EXPECT_NE(out_spi(sides_[1], reqid(sides_[1])), old_out_d);
    EXPECT_EQ(spis(sides_[1], ipsec::Direction::Outbound).size(), 1U);
}

TEST_F(Pair, SoftLifetimeStartsTheRekey) {
    build("rekey_time = \"20s\"\nlife_time = \"60s\"\n");
    establish();
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    const auto d_in = spis(sides_[1], ipsec::Direction::Inbound);
    auto listed = sides_[0].svc->child_view(*c_in.begin(), ipsec::Direction::Inbound, now_);
    ASSERT_FALSE(listed.is_null());
    EXPECT_EQ(listed["state"], "installed");
    // rekey_time minus up to a tenth of it (rand_time), life_time as configured.
    EXPECT_GE(listed["rekey_in_seconds"].get<std::int64_t>(), 17);
    EXPECT_LE(listed["rekey_in_seconds"].get<std::int64_t>(), 20);
    EXPECT_EQ(listed["expires_in_seconds"].get<std::int64_t>(), 60);
    advance(std::chrono::seconds(10));
    EXPECT_EQ(sides_[0].svc->stats().children_rekeyed, 0U);
    advance(std::chrono::seconds(11));
    EXPECT_EQ(sides_[0].svc->stats().children_rekeyed, 1U);
    expect_replaced(c_in, d_in);
    // The new pair has a lifetime of its own.
    const auto now_in = spis(sides_[0], ipsec::Direction::Inbound);
    auto fresh = sides_[0].svc->child_view(*now_in.begin(), ipsec::Direction::Inbound, now_);
    EXPECT_GE(fresh["rekey_in_seconds"].get<std::int64_t>(), 13);
}

TEST_F(Pair, ReplacedSaIsListedAsReplacedUntilItsGraceEnds) {
    establish();
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    ASSERT_TRUE(sides_[0].svc->rekey("gw-d", now_).ok);
    deliver();
    auto old = sides_[0].svc->child_view(*c_in.begin(), ipsec::Direction::Inbound, now_);
    ASSERT_FALSE(old.is_null());
    EXPECT_EQ(old["state"], "replaced");
    EXPECT_TRUE(old["rekey_in_seconds"].is_null());
    EXPECT_LE(old["expires_in_seconds"].get<std::int64_t>(), IkeService::kRetireGrace.count());
    const auto ikes = sides_[0].svc->ike_sas(now_);
    ASSERT_EQ(ikes.size(), 1U);
    EXPECT_TRUE(ikes[0].contains("rekey_in_seconds"));
    EXPECT_EQ(ikes[0]["children"].size(), 2U);
}

TEST_F(Pair, TerminateDeletesTheIkeSaOnBothSides) {
    establish();
    check_ = false;
    auto r = sides_[0].svc->terminate("gw-d", now_);
    EXPECT_TRUE(r.ok) << r.message;
    deliver();
    for (auto& s : sides_) {
        EXPECT_EQ(s.svc->ike_sa_count(), 0U);
        EXPECT_EQ(s.svc->child_count(), 0U);
        EXPECT_TRUE(s.dp->sad().all().empty());
    }
    EXPECT_FALSE(sides_[0].svc->terminate("gw-d", now_).ok);
}

// ike_ids returns the IKE SA SPIs a side lists.
std::set<std::pair<std::string, std::string>> ike_ids(const IkeService& s, core::Instant now) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& i : s.ike_sas(now))
        out.emplace(i["spi_i"].get<std::string>(), i["spi_r"].get<std::string>());
    return out;
}

TEST_F(Pair, IkeRekeyTimeMakesTheGatewayRekeyItsIkeSa) {
    // C rekeys its IKE SA at rekey_time less up to a tenth (RFC 7296 §2.18);
    // D's rekey_time is the default 4 h, so only C starts one.
    build("", "", "rekey_time = \"60s\"\n");
    establish();
    const auto before = ike_ids(*sides_[0].svc, now_);
    ASSERT_EQ(before.size(), 1U);
    EXPECT_EQ(ike_ids(*sides_[1].svc, now_), before);
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    const auto d_in = spis(sides_[1], ipsec::Direction::Inbound);
    auto listed = sides_[0].svc->ike_sas(now_);
    EXPECT_GE(listed[0]["rekey_in_seconds"].get<std::int64_t>(), 53);
    EXPECT_LE(listed[0]["rekey_in_seconds"].get<std::int64_t>(), 60);
    // over_time: deleted 6 s (a tenth) after rekey_time if the rekey failed.
    EXPECT_EQ(listed[0]["expires_in_seconds"].get<std::int64_t>(), 66);
    EXPECT_GE(sides_[1].svc->ike_sas(now_)[0]["rekey_in_seconds"].get<std::int64_t>(), 12960);
    advance(std::chrono::seconds(50));
    EXPECT_EQ(ike_ids(*sides_[0].svc, now_), before);
    for (int i = 0; i < 11; ++i) advance(std::chrono::seconds(1));
    const auto after = ike_ids(*sides_[0].svc, now_);
    ASSERT_EQ(after.size(), 1U);
    EXPECT_NE(after, before);
    EXPECT_EQ(ike_ids(*sides_[1].svc, now_), after);
    // The CHILD SA moved over unchanged, and is listed under the new IKE SA.
    EXPECT_EQ(spis(sides_[0], ipsec::Direction::Inbound), c_in);
    EXPECT_EQ(spis(sides_[1], ipsec::Direction::Inbound), d_in);
    for (auto& s : sides_) {
        const auto ikes = s.svc->ike_sas(now_);
        ASSERT_EQ(ikes.size(), 1U);
        EXPECT_EQ(ikes[0]["children"].size(), 1U);
    }
    expect_covered();
    // The new IKE SA has its own rekey time (from when it came up, at 54..60
    // s: now is 61 s), and carries a CHILD SA rekey.
    EXPECT_GE(sides_[0].svc->ike_sas(now_)[0]["rekey_in_seconds"].get<std::int64_t>(), 47);
    ASSERT_TRUE(sides_[1].svc->rekey("gw-c", now_).ok);
    deliver();
    expect_replaced(c_in, d_in);
    EXPECT_EQ(ike_ids(*sides_[0].svc, now_), after);
}

TEST_F(Pair, BothSidesRekeyingTheIkeSaOnTheirOwnKeepOneIkeSa) {
    // Both gateways rekey every 20 s (less up to 2 s each): their rekeys
    // may cross (RFC 7296 §2.8.2); at every step each side keeps exactly
    // one IKE SA, the same as the other's, and the CHILD SA stays covered.
    build("", "", "rekey_time = \"20s\"\n", "rekey_time = \"20s\"\n");
    establish();
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    auto last = ike_ids(*sides_[0].svc, now_);
    int changes = 0;
    for (int i = 0; i < 70; ++i) {
        advance(std::chrono::seconds(1));
        const auto c = ike_ids(*sides_[0].svc, now_);
        ASSERT_EQ(c.size(), 1U) << "at " << i << " s";
        ASSERT_EQ(ike_ids(*sides_[1].svc, now_), c) << "at " << i << " s";
        if (c != last) ++changes;
        last = c;
    }
    EXPECT_GE(changes, 3);  // about one rekey per 18..20 s over 70 s
    EXPECT_EQ(spis(sides_[0], ipsec::Direction::Inbound), c_in);
    for (auto& s : sides_) EXPECT_EQ(s.svc->child_count(), 1U);
}

TEST_F(Pair, CtlRekeyIkeFromEitherSideReplacesTheIkeSa) {
    establish();
    const auto c_in = spis(sides_[0], ipsec::Direction::Inbound);
    auto before = ike_ids(*sides_[0].svc, now_);
    for (int who : {1, 0}) {
        auto r = sides_[who].svc->rekey_ike(who == 0 ? "gw-d" : "gw-c", now_);
        EXPECT_TRUE(r.ok) << r.message;
        deliver();
        const auto after = ike_ids(*sides_[0].svc, now_);
        ASSERT_EQ(after.size(), 1U) << "rekey by side " << who;
        EXPECT_NE(after, before) << "rekey by side " << who;
        EXPECT_EQ(ike_ids(*sides_[1].svc, now_), after) << "rekey by side " << who;
        EXPECT_EQ(spis(sides_[0], ipsec::Direction::Inbound), c_in) << "rekey by side " << who;
        EXPECT_EQ(sides_[0].svc->child_count(), 1U);
        EXPECT_EQ(sides_[1].svc->child_count(), 1U);
        before = after;
    }
    EXPECT_EQ(sides_[0].svc->stats().children_down + sides_[1].svc->stats().children_down, 0U);
    EXPECT_FALSE(sides_[0].svc->rekey_ike("nobody", now_).ok);
}

TEST_F(Pair, RekeyWithoutChildOrUnknownNameIsRefused) {
    EXPECT_FALSE(sides_[0].svc->rekey_ike("gw-d", now_).ok);
    EXPECT_FALSE(sides_[0].svc->rekey("gw-d", now_).ok);
    EXPECT_FALSE(sides_[0].svc->rekey("nobody", now_).ok);
    EXPECT_FALSE(sides_[0].svc->terminate("nobody", now_).ok);
}

}  // namespace
}  // namespace strata::gateway
