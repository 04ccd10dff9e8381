// children_test.cpp: several IPsec SA pairs per IKEv1 connection, one quick
// mode each under one ISAKMP SA (RFC 2409 §5.5): both sides initiating, the
// responder picking the child by the client IDs, refusals, and rekeys that
// keep a child's IDs.
#include <gtest/gtest.h>

#include <algorithm>

#include "ike/v1/engine.hpp"
#include "unit/ike/v1/harness.hpp"

namespace strata::ike::v1 {
namespace {

using test::kA;
using test::kB;
using test::make_connection;
using test::Pair;

constexpr const char* kIke = "aes128-sha256-modp2048";
constexpr const char* kEsp = "aes128-sha256-modp2048";
constexpr const char* kNet4A = "192.0.2.128/25";
constexpr const char* kNet4B = "198.51.100.128/25";
constexpr const char* kNet6A = "2001:db8:a::/48";
constexpr const char* kNet6B = "2001:db8:b::/48";

TrafficSelector ts(const char* text) { return parse_traffic_selectors(text)->front(); }

ChildSpec spec(const char* name, std::uint32_t reqid, const char* local, const char* remote,
               const char* esp = kEsp) {
    ChildSpec s;
    s.name = name;
    s.reqid = reqid;
    s.esp_proposals = *parse_proposals(esp, ProposalUse::Esp);
    s.local_ts = ts(local);
    s.remote_ts = ts(remote);
    return s;
}

// two_children returns a connection whose first child is net4 (reqid base)
// and whose second is net6 (reqid base + 1), from `local`'s point of view.
Connection two_children(const char* local, const char* remote, bool side_a, std::uint32_t base) {
    Connection c = side_a ? make_connection(local, remote, kIke, kEsp, kNet4A, kNet4B)
                          : make_connection(local, remote, kIke, kEsp, kNet4B, kNet4A);
    c.base.child_name = "net4";
    c.base.child_reqid = base;
    c.more_children.push_back(side_a ? spec("net6", base + 1, kNet6A, kNet6B)
                                     : spec("net6", base + 1, kNet6B, kNet6A));
    return c;
}

const ChildInfo* child_named(const std::vector<ChildInfo>& v, const std::string& name) {
    for (const auto& c : v)
        if (c.child == name) return &c;
    return nullptr;
}

// expect_pairs checks that both engines hold the same SA pairs, mirrored:
// SPIs, keys and client IDs (and child names, if both sides use the same).
void expect_pairs(const Engine& a, const Engine& b, std::size_t n, bool same_names = true) {
    const auto ca = a.children();
    const auto cb = b.children();
    ASSERT_EQ(ca.size(), n);
    ASSERT_EQ(cb.size(), n);
    for (const auto& x : ca) {
        auto y =
            std::find_if(cb.begin(), cb.end(), [&](const ChildInfo& c) { return c.spi_out == x.spi_in; });
        ASSERT_NE(y, cb.end()) << "no peer SA for SPI " << x.spi_in;
        EXPECT_EQ(x.spi_out, y->spi_in);
        EXPECT_EQ(x.keymat_in, y->keymat_out);
        EXPECT_EQ(x.keymat_out, y->keymat_in);
        EXPECT_EQ(x.local_ts, y->remote_ts);
        EXPECT_EQ(x.remote_ts, y->local_ts);
        if (same_names) {
            EXPECT_EQ(x.child, y->child);
        }
    }
}

class Ikev1Children : public ::testing::TestWithParam<bool> {};

TEST_P(Ikev1Children, TwoChildrenUnderOneIsakmpSa) {
    const bool a_initiates = GetParam();
    Pair p(two_children(kA, kB, true, 100), two_children(kB, kA, false, 200));
    test::Side& init = a_initiates ? p.a : p.b;
    p.take(init.engine->initiate("lan", p.now), a_initiates);
    p.pump();
    ASSERT_EQ(p.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.b.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.a.count<ChildSaUp>(), 2u);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 2u);
    EXPECT_EQ(p.a.count<ChildSaFailed>() + p.b.count<ChildSaFailed>(), 0u);
    // Six main mode messages, then three per quick mode.
    EXPECT_EQ(p.sent.size(), 6u + 2 * 3u);
    expect_pairs(*p.a.engine, *p.b.engine, 2);
    const auto ca = p.a.engine->children();
    const ChildInfo* v4 = child_named(ca, "net4");
    const ChildInfo* v6 = child_named(ca, "net6");
    ASSERT_NE(v4, nullptr);
    ASSERT_NE(v6, nullptr);
    EXPECT_EQ(v4->reqid, 100u);
    EXPECT_EQ(v6->reqid, 101u);
    EXPECT_EQ(v4->local_ts, ts(kNet4A));
    EXPECT_EQ(v4->remote_ts, ts(kNet4B));
    EXPECT_EQ(v6->local_ts, ts(kNet6A));
    EXPECT_EQ(v6->remote_ts, ts(kNet6B));
    EXPECT_EQ(v4->ike, v6->ike);
    // B names them by its own reqids, and the events carry them.
    const auto cb = p.b.engine->children();
    EXPECT_EQ(child_named(cb, "net4")->reqid, 200u);
    EXPECT_EQ(child_named(cb, "net6")->reqid, 201u);
    for (const auto& e : p.b.events) {
        if (const auto* up = std::get_if<ChildSaUp>(&e)) {
            const bool is_v6 = up->child.local_ts.front() == ts(kNet6B);
            EXPECT_EQ(up->child.reqid, is_v6 ? 201u : 200u);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EitherSide, Ikev1Children, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& i) {
                             return i.param ? std::string("AInitiates") : std::string("BInitiates");
                         });

TEST(Ikev1ChildrenResponder, PicksTheChildByTheClientIds) {
    // B lists the children in the other order, under other names, and its
    // IPv4 child is wider than what A proposes (containment, as strongSwan
    // accepts for IKEv1); an exact match wins over a containing child.
    Connection b = make_connection(kB, kA, kIke, kEsp, kNet6B, kNet6A);
    b.base.child_name = "six";
    b.base.child_reqid = 7;
    b.more_children.push_back(spec("wide", 8, "198.51.100.0/24", "192.0.2.0/24"));
    b.more_children.push_back(spec("exact", 9, kNet4B, kNet4A));
    Pair p(two_children(kA, kB, true, 100), std::move(b));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.b.count<ChildSaUp>(), 2u);
    const auto cb = p.b.engine->children();
    const ChildInfo* six = child_named(cb, "six");
    const ChildInfo* exact = child_named(cb, "exact");
    ASSERT_NE(six, nullptr);
    ASSERT_NE(exact, nullptr);
    EXPECT_EQ(child_named(cb, "wide"), nullptr);
    EXPECT_EQ(six->reqid, 7u);
    EXPECT_EQ(six->local_ts, ts(kNet6B));
    EXPECT_EQ(exact->reqid, 9u);
    // The SA is for what the initiator asked, not the configured subnets.
    EXPECT_EQ(exact->remote_ts, ts(kNet4A));
    expect_pairs(*p.a.engine, *p.b.engine, 2, false);
}

TEST(Ikev1ChildrenResponder, ContainmentWhenNoChildMatchesExactly) {
    Connection b = make_connection(kB, kA, kIke, kEsp, kNet6B, kNet6A);
    b.base.child_name = "six";
    b.more_children.push_back(spec("wide", 8, "198.51.100.0/24", "192.0.2.0/24"));
    Pair p(two_children(kA, kB, true, 100), std::move(b));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const auto cb = p.b.engine->children();
    const ChildInfo* wide = child_named(cb, "wide");
    ASSERT_NE(wide, nullptr);
    EXPECT_EQ(wide->reqid, 8u);
    EXPECT_EQ(wide->local_ts, ts(kNet4B));  // narrowed to the initiator's IDs
    EXPECT_EQ(wide->remote_ts, ts(kNet4A));
    expect_pairs(*p.a.engine, *p.b.engine, 2, false);
}

TEST(Ikev1ChildrenResponder, TheFirstChildTakesAnyOfTheConnectionsSelectors) {
    // A connection without more_children keeps accepting client IDs within
    // any of its configured selectors, not only the first.
    Connection a = make_connection(kA, kB, kIke, kEsp, "192.0.2.192/26", kNet4B);
    Connection b = make_connection(kB, kA, kIke, kEsp, kNet4B, "192.0.2.0/26, 192.0.2.128/25");
    Pair p(std::move(a), std::move(b));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    EXPECT_EQ(p.b.engine->children().front().remote_ts, ts("192.0.2.192/26"));
    expect_pairs(*p.a.engine, *p.b.engine, 1);
}

TEST(Ikev1ChildrenResponder, UnmatchedClientIdsAreRefused) {
    // A's second child asks for subnets B has no child for.
    Connection a = two_children(kA, kB, true, 100);
    a.more_children.push_back(spec("other", 102, "192.0.2.0/26", "203.0.113.0/24"));
    Pair p(std::move(a), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    EXPECT_EQ(p.a.count<ChildSaUp>(), 2u);
    ASSERT_EQ(p.a.count<ChildSaFailed>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaFailed>()->reason, "INVALID-ID-INFORMATION (child 'other')");
    EXPECT_EQ(child_named(p.a.engine->children(), "other"), nullptr);
    expect_pairs(*p.a.engine, *p.b.engine, 2);
}

TEST(Ikev1ChildrenResponder, MatchingIdsWithoutAMatchingProposalAreNoProposalChosen) {
    Connection a = two_children(kA, kB, true, 100);
    a.more_children[0].esp_proposals = *parse_proposals("3des-sha1", ProposalUse::Esp);
    Pair p(std::move(a), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    EXPECT_EQ(p.a.count<ChildSaUp>(), 1u);
    ASSERT_EQ(p.a.count<ChildSaFailed>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaFailed>()->reason, "NO-PROPOSAL-CHOSEN (child 'net6')");
    expect_pairs(*p.a.engine, *p.b.engine, 1);
}

TEST(Ikev1Children, ChildWithoutStartIsNegotiatedOnRequest) {
    Connection a = two_children(kA, kB, true, 100);
    a.more_children[0].start = false;
    Pair p(std::move(a), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    EXPECT_NE(child_named(p.a.engine->children(), "net4"), nullptr);
    p.take(p.a.engine->initiate_child("lan", "net6", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 2u);
    EXPECT_EQ(p.a.count<IkeSaUp>(), 1u);  // under the same ISAKMP SA
    // Asked again while it is up: nothing new.
    p.take(p.a.engine->initiate_child("lan", "net6", p.now), true);
    p.take(p.a.engine->initiate_child("lan", "nonesuch", p.now), true);
    p.pump();
    EXPECT_EQ(p.a.count<ChildSaUp>(), 2u);
    expect_pairs(*p.a.engine, *p.b.engine, 2);
}

TEST(Ikev1Children, InitiateChildBeforeMainModeRunsItAfterwards) {
    Connection a = two_children(kA, kB, true, 100);
    a.initiate_child = false;
    a.more_children[0].start = false;
    Pair p(std::move(a), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate_child("lan", "net6", p.now), true);
    p.pump();
    EXPECT_EQ(p.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaUp>()->child.reqid, 101u);
    expect_pairs(*p.a.engine, *p.b.engine, 1);
}

// rekey_second rekeys the net6 child from `who` and checks that it keeps its
// client IDs and name on both sides, and that net4 is untouched.
void rekey_second(bool by_a) {
    Pair p(two_children(kA, kB, true, 100), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.engine->children().size(), 2u);
    test::Side& who = by_a ? p.a : p.b;
    const auto before = who.engine->children();
    const ChildInfo v6 = *child_named(before, "net6");
    const ChildInfo v4 = *child_named(before, "net4");
    p.take(who.engine->rekey_child(v6.spi_in, p.now), by_a);
    p.pump();
    ASSERT_EQ(who.count<ChildSaRekeyed>(), 1u);
    const ChildSaRekeyed& ev = *who.last<ChildSaRekeyed>();
    EXPECT_EQ(ev.old_spi_in, v6.spi_in);
    EXPECT_EQ(ev.child.reqid, v6.reqid);
    EXPECT_EQ(ev.child.local_ts, std::vector<TrafficSelector>{v6.local_ts});
    EXPECT_EQ(ev.child.remote_ts, std::vector<TrafficSelector>{v6.remote_ts});
    const auto after = who.engine->children();
    ASSERT_EQ(after.size(), 2u);
    const ChildInfo* n6 = child_named(after, "net6");
    const ChildInfo* n4 = child_named(after, "net4");
    ASSERT_NE(n6, nullptr);
    ASSERT_NE(n4, nullptr);
    EXPECT_NE(n6->spi_in, v6.spi_in);
    EXPECT_EQ(n6->local_ts, v6.local_ts);
    EXPECT_EQ(n6->remote_ts, v6.remote_ts);
    EXPECT_EQ(n4->spi_in, v4.spi_in);  // the other child is left alone
    // The peer picked the same child for the new quick mode and dropped
    // the old pair on the DELETE.
    expect_pairs(*p.a.engine, *p.b.engine, 2);
    test::Side& peer = by_a ? p.b : p.a;
    ASSERT_EQ(peer.count<ChildSaDown>(), 1u);
    EXPECT_EQ(peer.last<ChildSaDown>()->spi_out, v6.spi_in);
    EXPECT_EQ(peer.last<ChildSaUp>()->child.reqid, by_a ? 201u : 101u);
}

TEST(Ikev1Children, RekeyOfTheSecondChildByTheInitiatorKeepsItsIds) { rekey_second(true); }

TEST(Ikev1Children, RekeyOfTheSecondChildByTheResponderKeepsItsIds) { rekey_second(false); }

TEST(Ikev1Children, EachChildRekeysOnItsOwnLifetime) {
    Connection a = two_children(kA, kB, true, 100);
    a.child_lifetime = std::chrono::minutes(60);
    a.rekey_margin = std::chrono::minutes(5);
    a.more_children[0].lifetime = std::chrono::minutes(20);
    a.more_children[0].rekey_margin = std::chrono::minutes(5);
    Pair p(std::move(a), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const ChildInfo v6 = *child_named(p.a.engine->children(), "net6");
    EXPECT_EQ(v6.choice.life_seconds, 1200u);
    p.run(std::chrono::minutes(16));
    EXPECT_FALSE(p.stalled);
    ASSERT_EQ(p.a.count<ChildSaRekeyed>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaRekeyed>()->child.reqid, 101u);
    EXPECT_EQ(p.a.last<ChildSaRekeyed>()->child.local_ts.front(), ts(kNet6A));
    expect_pairs(*p.a.engine, *p.b.engine, 2);
}

TEST(Ikev1Children, SoftVolumeExpiryOfTheSecondChildRekeysIt) {
    Pair p(two_children(kA, kB, true, 100), two_children(kB, kA, false, 200));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    // The responder's datapath reports the soft limit: it rekeys as initiator.
    const ChildInfo v6 = *child_named(p.b.engine->children(), "net6");
    p.take(p.b.engine->child_expired(v6.spi_in, false, p.now), false);
    p.pump();
    ASSERT_EQ(p.b.count<ChildSaRekeyed>(), 1u);
    EXPECT_EQ(p.b.last<ChildSaRekeyed>()->child.reqid, 201u);
    EXPECT_EQ(p.b.last<ChildSaRekeyed>()->child.local_ts.front(), ts(kNet6B));
    expect_pairs(*p.a.engine, *p.b.engine, 2);
}

}  // namespace
}  // namespace strata::ike::v1
