// Tests of a connection with several configured children (swanctl's
// children.net4 and children.net6): the first goes in IKE_AUTH, the others
// follow with CREATE_CHILD_SA (RFC 7296 §1.3.1); the responder serves each
// request with the child whose selectors fit (§2.9); a rekey keeps the
// child's configuration; ChildInfo and the events name the child by reqid.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "crypto/algorithm_table.hpp"
#include "ike/v2/engine.hpp"
#include "unit/ike/v2/exchange_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

ChildSpec spec(const char* name, std::uint32_t reqid, const char* lts, const char* rts, const char* esp) {
    ChildSpec s;
    s.name = name;
    s.reqid = reqid;
    s.local_ts = *parse_traffic_selectors(lts);
    s.remote_ts = *parse_traffic_selectors(rts);
    s.esp_proposals = *parse_proposals(esp, ProposalUse::Esp);
    return s;
}

constexpr const char* kLan1 = "192.0.2.0/24";
constexpr const char* kLan2 = "203.0.113.0/24";
constexpr const char* kLan1v6 = "2001:db8:1::/64";
constexpr const char* kLan2v6 = "2001:db8:2::/64";
// The IPv6 child asks for PFS with its own proposal, so each SA shows which
// child's configuration made it.
constexpr const char* kEsp4 = "aes128gcm16";
constexpr const char* kEsp6 = "aes256gcm16-x25519";

// two_children: a (gw-c) has net4 first (reqid 11) and net6 (12); b
// (gw-d) lists them the other way round, net6 first (reqid 21) and net4
// (22), so its choices show it picks by selectors, not by position.
Pair two_children() {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", kLan1, kLan2,
                        "aes256-sha256-ecp256", kEsp4);
    ca.child_name = "net4";
    ca.child_reqid = 11;
    ca.more_children.push_back(spec("net6", 12, kLan1v6, kLan2v6, kEsp6));
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", kLan2v6,
                        kLan1v6, "aes256-sha256-ecp256", kEsp6);
    cb.child_name = "net6";
    cb.child_reqid = 21;
    cb.more_children.push_back(spec("net4", 22, kLan2, kLan1, kEsp4));
    return Pair(std::move(ca), std::move(cb));
}

const ChildInfo* named(const std::vector<ChildInfo>& v, const std::string& name) {
    auto it = std::find_if(v.begin(), v.end(), [&](const ChildInfo& c) { return c.child == name; });
    return it == v.end() ? nullptr : &*it;
}

// expect_matched: a's and b's CHILD SA of child `name` are one pair, with
// the child's selectors and reqids on each side.
void expect_matched(const Pair& p, const std::string& name, std::uint32_t reqid_a, std::uint32_t reqid_b,
                    const char* lts_a, const char* rts_a) {
    const auto ca = p.a->children();
    const auto cb = p.b->children();
    const ChildInfo* x = named(ca, name);
    const ChildInfo* y = named(cb, name);
    ASSERT_NE(x, nullptr) << name;
    ASSERT_NE(y, nullptr) << name;
    EXPECT_EQ(x->reqid, reqid_a);
    EXPECT_EQ(y->reqid, reqid_b);
    EXPECT_EQ(x->spi_in, y->spi_out);
    EXPECT_EQ(x->spi_out, y->spi_in);
    EXPECT_EQ(x->keymat_in, y->keymat_out);
    EXPECT_EQ(x->keymat_out, y->keymat_in);
    EXPECT_EQ(x->local_ts, *parse_traffic_selectors(lts_a));
    EXPECT_EQ(x->remote_ts, *parse_traffic_selectors(rts_a));
    EXPECT_EQ(y->local_ts, x->remote_ts);
    EXPECT_FALSE(x->rekeying);
    EXPECT_FALSE(y->rekeying);
}

std::vector<std::uint32_t> up_reqids(const std::vector<Event>& evs) {
    std::vector<std::uint32_t> v;
    for (const auto* e : all_of<ChildSaUp>(evs)) v.push_back(e->child.reqid);
    return v;
}

TEST(IkeV2Children, BothChildrenComeUpAfterIkeAuth) {
    auto p = two_children();
    p.establish();
    ASSERT_EQ(p.a->ike_sas().size(), 1U);
    ASSERT_EQ(p.a->children().size(), 2U);
    ASSERT_EQ(p.b->children().size(), 2U);
    expect_matched(p, "net4", 11, 22, kLan1, kLan2);
    expect_matched(p, "net6", 12, 21, kLan1v6, kLan2v6);
    // net4 came in IKE_AUTH (no KE there, §1.2), net6 by CREATE_CHILD_SA with its PFS group.
    EXPECT_EQ(named(p.a->children(), "net4")->algorithms.dh, nullptr);
    EXPECT_EQ(named(p.a->children(), "net6")->algorithms.dh, crypto::find_dh("x25519"));
    EXPECT_EQ(up_reqids(p.events_a), (std::vector<std::uint32_t>{11, 12}));
    EXPECT_EQ(up_reqids(p.events_b), (std::vector<std::uint32_t>{22, 21}));
    for (const auto& c : p.a->children()) EXPECT_EQ(c.ike, p.a->ike_sas().front().id);
}

TEST(IkeV2Children, ResponderSideInitiatesWithItsOwnFirstChild) {
    auto p = two_children();
    p.take_b(p.b->initiate("c", p.clock.now()));
    p.run();
    ASSERT_EQ(p.a->children().size(), 2U);
    ASSERT_EQ(p.b->children().size(), 2U);
    expect_matched(p, "net4", 11, 22, kLan1, kLan2);
    expect_matched(p, "net6", 12, 21, kLan1v6, kLan2v6);
    // b's IKE_AUTH carried net6 (its first), net4 followed with PFS-less CREATE_CHILD_SA.
    EXPECT_EQ(named(p.b->children(), "net6")->algorithms.dh, nullptr);
    EXPECT_EQ(up_reqids(p.events_b), (std::vector<std::uint32_t>{21, 22}));
    EXPECT_EQ(up_reqids(p.events_a), (std::vector<std::uint32_t>{12, 11}));
}

TEST(IkeV2Children, RekeyOfTheSecondChildKeepsItsConfiguration) {
    for (bool by_b : {false, true}) {
        auto p = two_children();
        p.establish();
        const ChildInfo old6 = *named(p.a->children(), "net6");
        const ChildInfo old4 = *named(p.a->children(), "net4");
        if (by_b) {
            p.take_b(p.b->rekey_child(named(p.b->children(), "net6")->spi_in, p.clock.now()));
        } else {
            p.take_a(p.a->rekey_child(old6.spi_in, p.clock.now()));
        }
        p.run();
        ASSERT_EQ(p.a->children().size(), 2U) << by_b;
        ASSERT_EQ(p.b->children().size(), 2U) << by_b;
        expect_matched(p, "net6", 12, 21, kLan1v6, kLan2v6);
        expect_matched(p, "net4", 11, 22, kLan1, kLan2);
        const ChildInfo now6 = *named(p.a->children(), "net6");
        EXPECT_NE(now6.spi_in, old6.spi_in) << by_b;
        EXPECT_EQ(now6.algorithms.dh, crypto::find_dh("x25519")) << by_b;  // net6's PFS on rekey
        EXPECT_EQ(named(p.a->children(), "net4")->spi_in, old4.spi_in) << by_b;
        const auto rk = all_of<ChildSaRekeyed>(by_b ? p.events_b : p.events_a);
        ASSERT_EQ(rk.size(), 1U) << by_b;
        EXPECT_EQ(rk[0]->child.reqid, by_b ? 21U : 12U);
        const auto rk_peer = all_of<ChildSaRekeyed>(by_b ? p.events_a : p.events_b);
        ASSERT_EQ(rk_peer.size(), 1U) << by_b;
        EXPECT_EQ(rk_peer[0]->child.reqid, by_b ? 12U : 21U);
    }
}

TEST(IkeV2Children, ChildrenMoveWithAnIkeRekey) {
    auto p = two_children();
    p.establish();
    const auto before = p.a->children();
    p.take_a(p.a->rekey_ike("c", p.clock.now()));
    p.run();
    ASSERT_EQ(p.a->ike_sas().size(), 1U);
    const auto after = p.a->children();
    ASSERT_EQ(after.size(), 2U);
    for (const auto& c : before) {
        const ChildInfo* n = named(after, c.child);
        ASSERT_NE(n, nullptr);
        EXPECT_EQ(n->spi_in, c.spi_in);
        EXPECT_EQ(n->reqid, c.reqid);
        EXPECT_EQ(n->ike, p.a->ike_sas().front().id);
    }
    // A rekey of the second child on the new IKE SA still uses its configuration.
    p.take_b(p.b->rekey_child(named(p.b->children(), "net6")->spi_in, p.clock.now()));
    p.run();
    expect_matched(p, "net6", 12, 21, kLan1v6, kLan2v6);
    EXPECT_EQ(named(p.a->children(), "net6")->algorithms.dh, crypto::find_dh("x25519"));
}

TEST(IkeV2Children, ResponderRefusesSelectorsNoChildHolds) {
    auto p = two_children();
    // a's third child asks for subnets b has no child for: TS_UNACCEPTABLE
    // (§2.9), while the other two come up.
    p.a.reset();
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", kLan1, kLan2,
                        "aes256-sha256-ecp256", kEsp4);
    ca.child_name = "net4";
    ca.more_children.push_back(spec("net6", 12, kLan1v6, kLan2v6, kEsp6));
    ca.more_children.push_back(spec("other", 13, "10.1.0.0/16", "10.2.0.0/16", kEsp4));
    EngineConfig ea;
    ea.connections.push_back(std::move(ca));
    p.a = std::make_unique<Engine>(std::move(ea), p.rng_a);
    p.establish();
    EXPECT_EQ(p.a->children().size(), 2U);
    EXPECT_EQ(p.b->children().size(), 2U);
    const auto failed = all_of<ChildSaFailed>(p.events_a);
    ASSERT_EQ(failed.size(), 1U);
    EXPECT_NE(failed[0]->reason.find("TS_UNACCEPTABLE"), std::string::npos) << failed[0]->reason;
    EXPECT_EQ(named(p.a->children(), "other"), nullptr);
}

TEST(IkeV2Children, ResponderNarrowsToTheChildThatOverlaps) {
    // a proposes 192.0.2.0/23 (wider than b's net4) and b narrows it to its
    // child's 192.0.2.0/24 (§2.9); the IPv6 child still comes by position.
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/23", kLan2, "aes256-sha256-ecp256", kEsp4);
    ca.child_name = "wide";
    ca.child_reqid = 31;
    ca.more_children.push_back(spec("net6", 12, kLan1v6, kLan2v6, kEsp6));
    auto p = two_children();
    p.a.reset();
    EngineConfig ea;
    ea.connections.push_back(std::move(ca));
    p.a = std::make_unique<Engine>(std::move(ea), p.rng_a);
    p.establish();
    const auto kids_b = p.b->children();
    const auto kids_a = p.a->children();
    ASSERT_EQ(kids_b.size(), 2U);
    const ChildInfo* y = named(kids_b, "net4");
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(y->reqid, 22U);
    ASSERT_EQ(y->remote_ts.size(), 1U);
    EXPECT_EQ(to_string(y->remote_ts[0]), kLan1);
    const ChildInfo* x = named(kids_a, "wide");
    ASSERT_NE(x, nullptr);
    ASSERT_EQ(x->local_ts.size(), 1U);
    EXPECT_EQ(to_string(x->local_ts[0]), kLan1);
}

TEST(IkeV2Children, ChildWithoutStartWaitsForCreateChild) {
    auto p = two_children();
    p.a.reset();
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", kLan1, kLan2,
                        "aes256-sha256-ecp256", kEsp4);
    ca.child_name = "net4";
    ca.child_reqid = 11;
    ca.more_children.push_back(spec("net6", 12, kLan1v6, kLan2v6, kEsp6));
    ca.more_children.back().start = false;
    EngineConfig ea;
    ea.connections.push_back(std::move(ca));
    p.a = std::make_unique<Engine>(std::move(ea), p.rng_a);
    p.establish();
    ASSERT_EQ(p.a->children().size(), 1U);
    EXPECT_EQ(p.a->children().front().child, "net4");
    p.take_a(p.a->create_child("c", "nonexistent", p.clock.now()));
    EXPECT_TRUE(p.to_b.empty());
    p.take_a(p.a->create_child("c", "net6", p.clock.now()));
    // Asked again while it is on its way, or once it is up: nothing more.
    p.take_a(p.a->create_child("c", "net6", p.clock.now()));
    EXPECT_EQ(p.to_b.size(), 1U);
    p.run();
    ASSERT_EQ(p.a->children().size(), 2U);
    expect_matched(p, "net6", 12, 21, kLan1v6, kLan2v6);
    p.take_a(p.a->create_child("c", "net6", p.clock.now()));
    EXPECT_TRUE(p.to_b.empty());
}

TEST(IkeV2Children, OneChildConnectionsAreUnchanged) {
    auto p = Pair::standard();
    p.establish();
    ASSERT_EQ(p.a->children().size(), 1U);
    EXPECT_EQ(p.a->children().front().child, "");
    EXPECT_EQ(p.a->children().front().reqid, 0U);
    EXPECT_EQ(all_of<ChildSaUp>(p.events_a).front()->child.reqid, 0U);
}

}  // namespace
}  // namespace strata::ike::v2::test
