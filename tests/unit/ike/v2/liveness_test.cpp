// Tests of dead peer detection (RFC 7296 §1.4) and NAT keepalives (RFC 3948
// §2.3) between two engines in memory.
#include <gtest/gtest.h>

#include "ike/v2/engine.hpp"
#include "unit/ike/v2/exchange_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

Pair dpd_pair(core::Duration dpd, bool encap = false) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24");
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24");
    ca.dpd_interval = dpd;
    ca.force_encap = encap;
    return Pair(std::move(ca), std::move(cb));
}

// step runs a's timer once, delivering or dropping what it sends.
void step(Pair& p, bool deliver) {
    p.clock.advance(*p.a->next_timer() - p.clock.now());
    p.take_a(p.a->on_timer(p.clock.now()));
    if (deliver) {
        p.run();
    } else {
        p.to_b.clear();
    }
}

TEST(IkeV2Liveness, DpdTimesOutASilentPeer) {
    auto p = dpd_pair(std::chrono::seconds(10));
    p.establish();
    const auto up = p.clock.now();
    // The first timer is the liveness check, dpd_interval after the last message.
    ASSERT_TRUE(p.a->next_timer().has_value());
    EXPECT_EQ(*p.a->next_timer() - up, std::chrono::seconds(10));
    // The peer is gone: nothing reaches it any more.
    for (int i = 0; i < 20 && p.a->next_timer(); ++i) step(p, false);
    EXPECT_EQ(p.a->stats().dpd_sent, 1U);
    auto d = all_of<IkeSaDown>(p.events_a);
    ASSERT_EQ(d.size(), 1U);
    EXPECT_EQ(d[0]->reason, "dpd");
    auto cd = all_of<ChildSaDown>(p.events_a);
    ASSERT_EQ(cd.size(), 1U);
    EXPECT_EQ(cd[0]->reason, "dead peer");
    EXPECT_EQ(p.a->sa_count(), 0U);
    // 10 s of silence, then 2 + 3.6 + 6.48 + 11.66 + 21 s of retransmissions.
    EXPECT_GT(p.clock.now() - up, std::chrono::seconds(50));
    EXPECT_LT(p.clock.now() - up, std::chrono::seconds(60));
}

TEST(IkeV2Liveness, AnsweredDpdKeepsTheSa) {
    auto p = dpd_pair(std::chrono::seconds(10));
    p.establish();
    for (int i = 0; i < 5; ++i) step(p, true);
    EXPECT_EQ(p.a->stats().dpd_sent, 5U);
    EXPECT_TRUE(all_of<IkeSaDown>(p.events_a).empty());
    EXPECT_EQ(p.a->sa_count(), 1U);
    EXPECT_EQ(p.b->sa_count(), 1U);
}

TEST(IkeV2Liveness, NoDpdWithoutAnInterval) {
    auto p = dpd_pair(core::Duration{0});
    p.establish();
    EXPECT_FALSE(p.a->next_timer().has_value());
}

TEST(IkeV2Liveness, NatKeepalivesGoOutBehindANat) {
    auto p = dpd_pair(core::Duration{0}, true);  // force_encap: this side claims a NAT
    p.establish();
    ASSERT_TRUE(p.a->next_timer().has_value());
    const auto up = p.clock.now();
    EXPECT_EQ(*p.a->next_timer() - up, std::chrono::seconds(20));
    p.clock.advance(std::chrono::seconds(20));
    auto o = p.a->on_timer(p.clock.now());
    ASSERT_EQ(o.datagrams.size(), 1U);
    EXPECT_TRUE(o.datagrams[0].raw);
    EXPECT_EQ(o.datagrams[0].data, core::Bytes{0xFF});
    EXPECT_EQ(o.datagrams[0].remote.port, 4500);
    EXPECT_EQ(p.a->stats().keepalives_sent, 1U);
    // The responder is not behind a NAT: it sends none.
    EXPECT_FALSE(p.b->next_timer().has_value());
}

}  // namespace
}  // namespace strata::ike::v2::test
