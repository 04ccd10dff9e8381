// Tests of CREATE_CHILD_SA (RFC 7296 §1.3) between two engines in memory:
// new CHILD SAs, CHILD and IKE SA rekeys from either side, collisions
// (§2.8.1, §2.8.2), error notifies, lifetimes.
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/algorithm_table.hpp"
#include "ike/v2/engine.hpp"
#include "unit/ike/v2/exchange_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

// expect_pair checks that a's CHILD SA x and b's CHILD SA y are one SA pair
// with the same keys crosswise.
void expect_pair(const ChildInfo& x, const ChildInfo& y) {
    EXPECT_EQ(x.spi_in, y.spi_out);
    EXPECT_EQ(x.spi_out, y.spi_in);
    EXPECT_EQ(x.keymat_in, y.keymat_out);
    EXPECT_EQ(x.keymat_out, y.keymat_in);
    EXPECT_FALSE(x.keymat_in.empty());
    EXPECT_NE(x.keymat_in, x.keymat_out);
    EXPECT_EQ(x.algorithms.encryption, y.algorithms.encryption);
    EXPECT_EQ(x.algorithms.dh, y.algorithms.dh);
    EXPECT_EQ(x.local_ts, y.remote_ts);
}

// expect_one_child checks each side has exactly one CHILD SA, in use and matching.
void expect_one_child(const Pair& p) {
    auto ca = p.a->children();
    auto cb = p.b->children();
    ASSERT_EQ(ca.size(), 1U);
    ASSERT_EQ(cb.size(), 1U);
    EXPECT_FALSE(ca[0].rekeying);
    EXPECT_FALSE(cb[0].rekeying);
    expect_pair(ca[0], cb[0]);
}

Pair pfs_pair() { return Pair::standard("aes256-sha256-ecp256", "aes128gcm16-x25519"); }

TEST(IkeV2CreateChild, NewChildSaOnTheEstablishedIkeSa) {
    auto p = pfs_pair();
    p.establish();
    p.take_a(p.a->create_child("c", p.clock.now()));
    p.run();
    auto ca = p.a->children();
    auto cb = p.b->children();
    ASSERT_EQ(ca.size(), 2U);
    ASSERT_EQ(cb.size(), 2U);
    EXPECT_EQ(all_of<ChildSaUp>(p.events_a).size(), 2U);
    EXPECT_EQ(all_of<ChildSaUp>(p.events_b).size(), 2U);
    for (const auto& x : ca) {
        auto it =
            std::find_if(cb.begin(), cb.end(), [&](const ChildInfo& y) { return y.spi_in == x.spi_out; });
        ASSERT_NE(it, cb.end());
        expect_pair(x, *it);
    }
    EXPECT_EQ(ca[1].algorithms.dh, crypto::find_dh("x25519"));  // PFS in CREATE_CHILD_SA
    EXPECT_EQ(ca[0].algorithms.dh, nullptr);                    // none in IKE_AUTH (§1.2)
}

void child_rekey_from(bool from_initiator) {
    auto p = pfs_pair();
    p.establish();
    const ChildInfo old = p.a->children().at(0);
    const std::uint32_t spi = from_initiator ? old.spi_in : old.spi_out;
    if (from_initiator) {
        p.take_a(p.a->rekey_child(spi, p.clock.now()));
    } else {
        p.take_b(p.b->rekey_child(spi, p.clock.now()));
    }
    p.run();
    expect_one_child(p);
    const ChildInfo now_a = p.a->children().at(0);
    EXPECT_NE(now_a.spi_in, old.spi_in);
    EXPECT_NE(now_a.spi_out, old.spi_out);
    EXPECT_NE(now_a.keymat_in, old.keymat_in);
    EXPECT_NE(now_a.keymat_out, old.keymat_out);
    EXPECT_EQ(now_a.algorithms.dh, crypto::find_dh("x25519"));
    EXPECT_EQ(now_a.initiator, from_initiator);
    // Each side: ChildSaRekeyed (install the new one) before ChildSaDown of the old.
    for (const auto* evs : {&p.events_a, &p.events_b}) {
        std::size_t rekeyed_at = evs->size(), down_at = evs->size();
        for (std::size_t i = 0; i < evs->size(); ++i) {
            if (std::holds_alternative<ChildSaRekeyed>((*evs)[i])) rekeyed_at = i;
            if (std::holds_alternative<ChildSaDown>((*evs)[i])) down_at = i;
        }
        ASSERT_LT(rekeyed_at, evs->size());
        ASSERT_LT(down_at, evs->size());
        EXPECT_LT(rekeyed_at, down_at);
    }
    auto ra = all_of<ChildSaRekeyed>(p.events_a);
    ASSERT_EQ(ra.size(), 1U);
    EXPECT_EQ(ra[0]->old_spi_in, old.spi_in);
    EXPECT_EQ(ra[0]->child.spi_in, now_a.spi_in);
    auto da = all_of<ChildSaDown>(p.events_a);
    ASSERT_EQ(da.size(), 1U);
    EXPECT_EQ(da[0]->spi_in, old.spi_in);
    EXPECT_EQ(p.a->sa_count(), 1U);
}

TEST(IkeV2CreateChild, ChildRekeyWithPfsFromTheInitiator) { child_rekey_from(true); }
TEST(IkeV2CreateChild, ChildRekeyWithPfsFromTheResponder) { child_rekey_from(false); }

void ike_rekey_from(bool from_initiator) {
    auto p = pfs_pair();
    p.establish();
    const ChildInfo child = p.a->children().at(0);
    const IkeInfo old = p.a->ike_sas().at(0);
    const auto old_keys = p.a->key_log().at(0);
    if (from_initiator) {
        p.take_a(p.a->rekey_ike("c", p.clock.now()));
    } else {
        p.take_b(p.b->rekey_ike("c", p.clock.now()));
    }
    p.run();
    ASSERT_EQ(p.a->sa_count(), 1U);
    ASSERT_EQ(p.b->sa_count(), 1U);
    const IkeInfo na = p.a->ike_sas().at(0);
    const IkeInfo nb = p.b->ike_sas().at(0);
    EXPECT_TRUE(na.established);
    EXPECT_EQ(na.id, nb.id);
    EXPECT_NE(na.id.spi_i, old.id.spi_i);
    EXPECT_NE(na.id.spi_r, old.id.spi_r);
    // The rekey's requester is the new IKE SA's initiator.
    EXPECT_EQ(na.initiator, from_initiator);
    EXPECT_EQ(nb.initiator, !from_initiator);
    // The CHILD SA lives on unchanged in the new IKE SA.
    expect_one_child(p);
    EXPECT_EQ(p.a->children().at(0).spi_in, child.spi_in);
    EXPECT_EQ(p.a->children().at(0).ike, na.id);
    EXPECT_TRUE(all_of<ChildSaDown>(p.events_a).empty());
    EXPECT_TRUE(all_of<IkeSaDown>(p.events_a).empty());
    EXPECT_TRUE(all_of<IkeSaDown>(p.events_b).empty());
    auto ra = all_of<IkeSaRekeyed>(p.events_a);
    auto rb = all_of<IkeSaRekeyed>(p.events_b);
    ASSERT_EQ(ra.size(), 1U);
    ASSERT_EQ(rb.size(), 1U);
    EXPECT_EQ(ra[0]->old_id, old.id);
    EXPECT_EQ(ra[0]->new_id, na.id);
    // §2.18: new SKEYSEED and keys, the same on both sides.
    const auto ka = p.a->key_log().at(0);
    const auto kb = p.b->key_log().at(0);
    EXPECT_EQ(ka.id, na.id);
    EXPECT_EQ(ka.skeyseed, kb.skeyseed);
    EXPECT_EQ(ka.sk_d, kb.sk_d);
    EXPECT_EQ(ka.sk_ei, kb.sk_ei);
    EXPECT_NE(ka.skeyseed, old_keys.skeyseed);
    EXPECT_NE(ka.sk_d, old_keys.sk_d);
    EXPECT_NE(ka.sk_ei, old_keys.sk_ei);
    // The new IKE SA works both ways: a CHILD SA from each side.
    p.take_a(p.a->create_child("c", p.clock.now()));
    p.run();
    p.take_b(p.b->create_child("c", p.clock.now()));
    p.run();
    EXPECT_EQ(p.a->children().size(), 3U);
    EXPECT_EQ(p.b->children().size(), 3U);
    EXPECT_TRUE(all_of<ChildSaFailed>(p.events_a).empty());
}

TEST(IkeV2CreateChild, IkeRekeyFromTheInitiator) { ike_rekey_from(true); }
TEST(IkeV2CreateChild, IkeRekeyFromTheResponder) { ike_rekey_from(false); }

TEST(IkeV2CreateChild, SimultaneousChildRekeyLeavesOneSa) {
    auto p = pfs_pair();
    p.establish();
    const ChildInfo old = p.a->children().at(0);
    // Both requests are on the wire before either side sees the other's.
    p.take_a(p.a->rekey_child(old.spi_in, p.clock.now()));
    p.take_b(p.b->rekey_child(old.spi_out, p.clock.now()));
    p.run();
    expect_one_child(p);
    EXPECT_NE(p.a->children().at(0).spi_in, old.spi_in);
    EXPECT_EQ(p.a->stats().rekey_collisions, 1U);
    EXPECT_EQ(p.b->stats().rekey_collisions, 1U);
    // Three SAs existed per side (old + two new); two went down on each side.
    EXPECT_EQ(all_of<ChildSaDown>(p.events_a).size(), 2U);
    EXPECT_EQ(all_of<ChildSaDown>(p.events_b).size(), 2U);
}

TEST(IkeV2CreateChild, SimultaneousIkeRekeyLeavesOneSa) {
    auto p = pfs_pair();
    p.establish();
    const IkeInfo old = p.a->ike_sas().at(0);
    const ChildInfo child = p.a->children().at(0);
    p.take_a(p.a->rekey_ike("c", p.clock.now()));
    p.take_b(p.b->rekey_ike("c", p.clock.now()));
    p.run();
    ASSERT_EQ(p.a->sa_count(), 1U);
    ASSERT_EQ(p.b->sa_count(), 1U);
    const IkeInfo na = p.a->ike_sas().at(0);
    const IkeInfo nb = p.b->ike_sas().at(0);
    EXPECT_TRUE(na.established);
    EXPECT_TRUE(nb.established);
    EXPECT_EQ(na.id, nb.id);
    EXPECT_NE(na.id, old.id);
    EXPECT_EQ(p.a->stats().rekey_collisions, 1U);
    EXPECT_EQ(p.b->stats().rekey_collisions, 1U);
    expect_one_child(p);
    EXPECT_EQ(p.a->children().at(0).spi_in, child.spi_in);
    EXPECT_EQ(p.a->children().at(0).ike, na.id);
    // One IkeSaRekeyed per side, to the survivor; no IkeSaDown.
    auto ra = all_of<IkeSaRekeyed>(p.events_a);
    auto rb = all_of<IkeSaRekeyed>(p.events_b);
    ASSERT_EQ(ra.size(), 1U);
    ASSERT_EQ(rb.size(), 1U);
    EXPECT_EQ(ra[0]->new_id, na.id);
    EXPECT_EQ(rb[0]->new_id, na.id);
    EXPECT_TRUE(all_of<IkeSaDown>(p.events_a).empty());
    EXPECT_TRUE(all_of<IkeSaDown>(p.events_b).empty());
    // And it carries traffic: a liveness exchange (DELETE of the child) works.
    p.take_a(p.a->delete_child(child.spi_in, p.clock.now()));
    p.run();
    EXPECT_TRUE(p.a->children().empty());
    EXPECT_TRUE(p.b->children().empty());
}

TEST(IkeV2CreateChild, InvalidKePayloadIsRetriedWithTheGroupAskedFor) {
    // a offers x25519 and ecp256 and sends an x25519 KE; b only takes ecp256.
    Pair p(make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", "192.0.2.0/24",
                     "203.0.113.0/24", "aes256-sha256-ecp256", "aes128gcm16-x25519-ecp256"),
           make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", "203.0.113.0/24",
                     "192.0.2.0/24", "aes256-sha256-ecp256", "aes128gcm16-ecp256"));
    p.establish();
    const ChildInfo old = p.a->children().at(0);
    p.take_a(p.a->rekey_child(old.spi_in, p.clock.now()));
    p.run();
    expect_one_child(p);
    EXPECT_EQ(p.a->children().at(0).algorithms.dh, crypto::find_dh("ecp256"));
    EXPECT_TRUE(all_of<ChildSaFailed>(p.events_a).empty());
}

TEST(IkeV2CreateChild, NoProposalChosenKeepsTheOldChildSa) {
    Pair p(make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", "192.0.2.0/24",
                     "203.0.113.0/24", "aes256-sha256-ecp256", "aes128gcm16-x25519"),
           make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", "203.0.113.0/24",
                     "192.0.2.0/24", "aes256-sha256-ecp256", "aes128gcm16-ecp256"));
    p.establish();
    const ChildInfo old = p.a->children().at(0);
    p.take_a(p.a->rekey_child(old.spi_in, p.clock.now()));
    p.run();
    auto f = all_of<ChildSaFailed>(p.events_a);
    ASSERT_EQ(f.size(), 1U);
    EXPECT_EQ(f[0]->reason, "peer: NO_PROPOSAL_CHOSEN");
    expect_one_child(p);
    EXPECT_EQ(p.a->children().at(0).spi_in, old.spi_in);
    // It can be rekeyed again later (it is back in use, not stuck).
    EXPECT_FALSE(p.a->children().at(0).rekeying);
}

TEST(IkeV2CreateChild, RekeyOfAnUnknownChildIsAnsweredChildSaNotFound) {
    auto p = pfs_pair();
    p.establish();
    const ChildInfo old = p.a->children().at(0);
    // b deletes the child; a's rekey request crosses the DELETE.
    p.take_b(p.b->delete_child(old.spi_out, p.clock.now()));
    p.take_a(p.a->rekey_child(old.spi_in, p.clock.now()));
    p.run();
    EXPECT_TRUE(p.a->children().empty() || p.a->children().size() == p.b->children().size());
    EXPECT_EQ(p.a->children().size(), p.b->children().size());
    EXPECT_EQ(p.a->sa_count(), 1U);
}

TEST(IkeV2CreateChild, LifetimesRekeyBeforeTheyExpire) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24", "aes256-sha256-ecp256", "aes128gcm16-x25519");
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24", "aes256-sha256-ecp256", "aes128gcm16-x25519");
    ca.child_rekey_time = std::chrono::seconds(60);
    ca.child_rand_time = std::chrono::seconds(10);
    ca.child_life_time = std::chrono::seconds(90);
    ca.ike_rekey_time = std::chrono::seconds(200);
    ca.ike_rand_time = std::chrono::seconds(20);
    Pair p(std::move(ca), std::move(cb));
    const auto t0 = p.clock.now();
    p.establish();
    const ChildInfo first = p.a->children().at(0);
    ASSERT_TRUE(first.rekey_at.has_value());
    EXPECT_GE(*first.rekey_at, t0 + std::chrono::seconds(50));
    EXPECT_LE(*first.rekey_at, t0 + std::chrono::seconds(60));
    // Drive the timers for 250 s with a perfect network.
    while (p.a->next_timer() && *p.a->next_timer() <= t0 + std::chrono::seconds(250)) {
        p.clock.advance(*p.a->next_timer() - p.clock.now());
        p.take_a(p.a->on_timer(p.clock.now()));
        p.run();
    }
    // The CHILD SA was rekeyed before its hard lifetime, more than once.
    EXPECT_GE(all_of<ChildSaRekeyed>(p.events_a).size(), 3U);
    EXPECT_EQ(all_of<IkeSaRekeyed>(p.events_a).size(), 1U);
    expect_one_child(p);
    for (const auto* d : all_of<ChildSaDown>(p.events_a)) EXPECT_EQ(d->reason, "deleted locally");
    EXPECT_EQ(p.a->sa_count(), 1U);
}

}  // namespace
}  // namespace strata::ike::v2::test
