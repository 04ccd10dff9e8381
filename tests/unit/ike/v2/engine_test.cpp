// Tests of the IKEv2 engine: two engines in memory (exchange_fixture.hpp).
#include "ike/v2/engine.hpp"

#include <gtest/gtest.h>

#include "ike/v2/message.hpp"
#include "unit/ike/v2/exchange_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

void expect_matching_children(const ChildSaUp& x, const ChildSaUp& y) {
    EXPECT_EQ(x.child.spi_in, y.child.spi_out);
    EXPECT_EQ(x.child.spi_out, y.child.spi_in);
    EXPECT_TRUE(core::equal_public(x.child.encryption_key_in, y.child.encryption_key_out));
    EXPECT_TRUE(core::equal_public(x.child.encryption_key_out, y.child.encryption_key_in));
    EXPECT_TRUE(core::equal_public(x.child.integrity_key_in, y.child.integrity_key_out));
    EXPECT_EQ(x.child.algorithms.encryption, y.child.algorithms.encryption);
    EXPECT_EQ(x.child.local_ts, y.child.remote_ts);
    EXPECT_EQ(x.child.remote_ts, y.child.local_ts);
    EXPECT_EQ(x.child.mode, y.child.mode);
}

TEST(IkeV2Engine, PskEstablishesIkeAndChildSa) {
    auto p = Pair::standard();
    p.establish();
    auto ua = all_of<IkeSaUp>(p.events_a);
    auto ub = all_of<IkeSaUp>(p.events_b);
    ASSERT_EQ(ua.size(), 1U);
    ASSERT_EQ(ub.size(), 1U);
    EXPECT_EQ(ua[0]->id, ub[0]->id);
    EXPECT_TRUE(ua[0]->initiator);
    EXPECT_FALSE(ub[0]->initiator);
    EXPECT_EQ(ua[0]->algorithms.encryption, crypto::find_encryption("aes256"));
    EXPECT_EQ(ua[0]->algorithms.prf, crypto::find_prf("prfsha256"));
    EXPECT_EQ(ub[0]->remote_id, *parse_identity("gw-c.example.org"));
    EXPECT_FALSE(ua[0]->nat_local);
    EXPECT_FALSE(ua[0]->nat_remote);
    auto ca = all_of<ChildSaUp>(p.events_a);
    auto cb = all_of<ChildSaUp>(p.events_b);
    ASSERT_EQ(ca.size(), 1U);
    ASSERT_EQ(cb.size(), 1U);
    expect_matching_children(*ca[0], *cb[0]);
    EXPECT_EQ(ca[0]->child.algorithms.encryption, crypto::find_encryption("aes128gcm16"));
    EXPECT_EQ(ca[0]->child.encryption_key_in.size(), 20U);  // 16-byte key + 4-byte salt
    EXPECT_FALSE(ca[0]->child.udp_encap.has_value());
    EXPECT_EQ(ca[0]->child.mode, ipsec::Mode::Tunnel);
    EXPECT_EQ(p.a->sa_count(), 1U);
    EXPECT_EQ(p.b->sa_count(), 1U);
    EXPECT_EQ(p.b->half_open(), 0U);
}

TEST(IkeV2Engine, CbcHmacIkeSaAndChildSa) {
    auto p = Pair::standard("aes128-sha256-modp2048", "aes256-sha256");
    p.establish();
    auto ca = all_of<ChildSaUp>(p.events_a);
    auto cb = all_of<ChildSaUp>(p.events_b);
    ASSERT_EQ(ca.size(), 1U);
    ASSERT_EQ(cb.size(), 1U);
    expect_matching_children(*ca[0], *cb[0]);
    EXPECT_EQ(ca[0]->child.integrity_key_in.size(), 32U);
}

TEST(IkeV2Engine, AeadIkeSaWithX25519) {
    auto p = Pair::standard("aes256gcm16-prfsha384-x25519", "aes256gcm16");
    p.establish();
    auto ua = all_of<IkeSaUp>(p.events_a);
    ASSERT_EQ(ua.size(), 1U);
    EXPECT_EQ(ua[0]->algorithms.integrity, nullptr);
    EXPECT_EQ(all_of<ChildSaUp>(p.events_b).size(), 1U);
}

TEST(IkeV2Engine, WrongPskFailsAuthenticationOnBothSides) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24");
    auto cb =
        make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", "203.0.113.0/24",
                  "192.0.2.0/24", "aes256-sha256-ecp256", "aes128gcm16", "another-psk");
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    EXPECT_TRUE(all_of<IkeSaUp>(p.events_a).empty());
    EXPECT_TRUE(all_of<IkeSaUp>(p.events_b).empty());
    ASSERT_EQ(all_of<AuthFailed>(p.events_b).size(), 1U);
    auto fa = all_of<AuthFailed>(p.events_a);
    ASSERT_EQ(fa.size(), 1U);
    EXPECT_EQ(fa[0]->reason, "AUTHENTICATION_FAILED from peer");
    EXPECT_EQ(p.a->sa_count(), 0U);
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2Engine, TrafficSelectorsAreNarrowed) {
    // The initiator asks for a /16 on the far side; the responder allows a /24.
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.0.0/16");
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24");
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    auto c = all_of<ChildSaUp>(p.events_a);
    ASSERT_EQ(c.size(), 1U);
    ASSERT_EQ(c[0]->child.remote_ts.size(), 1U);
    EXPECT_EQ(to_string(c[0]->child.remote_ts[0]), "203.0.113.0/24");
}

TEST(IkeV2Engine, DisjointSelectorsKeepIkeSaButRefuseChild) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "10.0.0.0/8");
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24");
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    EXPECT_EQ(all_of<IkeSaUp>(p.events_a).size(), 1U);
    auto f = all_of<ChildSaFailed>(p.events_a);
    ASSERT_EQ(f.size(), 1U);
    EXPECT_EQ(f[0]->reason, "TS_UNACCEPTABLE");
    EXPECT_TRUE(all_of<ChildSaUp>(p.events_b).empty());
}

TEST(IkeV2Engine, InvalidKePayloadRetriesWithTheResponderGroup) {
    // The initiator prefers ecp256 but also offers x25519; the responder only x25519.
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24", "aes256-sha256-ecp256-x25519");
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24", "aes256-sha256-x25519");
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    auto u = all_of<IkeSaUp>(p.events_a);
    ASSERT_EQ(u.size(), 1U);
    EXPECT_EQ(u[0]->algorithms.dh, crypto::find_dh("x25519"));
}

TEST(IkeV2Engine, NoCommonProposalEndsTheInitiator) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24", "aes256-sha256-ecp256");
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24", "aes128gcm16-prfsha256-ecp256");
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    auto d = all_of<IkeSaDown>(p.events_a);
    ASSERT_EQ(d.size(), 1U);
    EXPECT_EQ(d[0]->reason, "peer: NO_PROPOSAL_CHOSEN");
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2Engine, ForcedEncapsulationMovesToPort4500) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "192.0.2.0/24", "203.0.113.0/24");
    ca.force_encap = true;
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "203.0.113.0/24", "192.0.2.0/24");
    Pair p(std::move(ca), std::move(cb));
    p.take_a(p.a->initiate("c", p.clock.now()));
    ASSERT_EQ(p.to_b.size(), 1U);
    EXPECT_EQ(p.to_b.front().remote.port, 500);
    p.run();
    auto ua = all_of<IkeSaUp>(p.events_a);
    auto ub = all_of<IkeSaUp>(p.events_b);
    ASSERT_EQ(ua.size(), 1U);
    ASSERT_EQ(ub.size(), 1U);
    EXPECT_TRUE(ua[0]->nat_local);
    EXPECT_TRUE(ub[0]->nat_remote);
    EXPECT_EQ(ua[0]->local.port, 4500);
    EXPECT_EQ(ub[0]->local.port, 4500);
    auto cb2 = all_of<ChildSaUp>(p.events_b);
    ASSERT_EQ(cb2.size(), 1U);
    ASSERT_TRUE(cb2[0]->child.udp_encap.has_value());
    EXPECT_EQ(cb2[0]->child.udp_encap->src_port, 4500);
}

TEST(IkeV2Engine, TransportModeRequestedAndGranted) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "198.51.100.1", "198.51.100.2");
    ca.mode = ipsec::Mode::Transport;
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "198.51.100.2", "198.51.100.1");
    cb.mode = ipsec::Mode::Transport;
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    auto c = all_of<ChildSaUp>(p.events_a);
    ASSERT_EQ(c.size(), 1U);
    EXPECT_EQ(c[0]->child.mode, ipsec::Mode::Transport);
    auto [in, out] = c[0]->child.to_sa_configs();
    EXPECT_EQ(in.mode, ipsec::Mode::Transport);
    EXPECT_EQ(in.spi, c[0]->child.spi_in);
    EXPECT_EQ(out.dst, addr("198.51.100.2"));
}

TEST(IkeV2Engine, TransportRequestRefusedFallsBackToTunnel) {
    auto ca = make_conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org",
                        "198.51.100.1", "198.51.100.2");
    ca.mode = ipsec::Mode::Transport;
    auto cb = make_conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org",
                        "198.51.100.2", "198.51.100.1");
    Pair p(std::move(ca), std::move(cb));
    p.establish();
    auto c = all_of<ChildSaUp>(p.events_a);
    ASSERT_EQ(c.size(), 1U);
    EXPECT_EQ(c[0]->child.mode, ipsec::Mode::Tunnel);
}

TEST(IkeV2Engine, RetransmittedRequestGetsTheCachedResponse) {
    auto p = Pair::standard();
    p.take_a(p.a->initiate("c", p.clock.now()));
    ASSERT_EQ(p.to_b.size(), 1U);
    const Datagram init = Pair::flip(p.to_b.front());
    p.run();
    ASSERT_EQ(all_of<IkeSaUp>(p.events_b).size(), 1U);
    // The IKE_SA_INIT arrives again (a duplicate): it creates nothing new.
    auto out = p.b->receive(init, p.clock.now());
    EXPECT_TRUE(out.datagrams.empty());
    EXPECT_EQ(p.b->sa_count(), 1U);
}

TEST(IkeV2Engine, LostResponseIsRetransmittedWithBackoffThenGivenUp) {
    auto p = Pair::standard();
    p.take_a(p.a->initiate("c", p.clock.now()));
    p.to_b.clear();  // lost
    auto t1 = p.a->next_timer();
    ASSERT_TRUE(t1.has_value());
    EXPECT_EQ(*t1 - p.clock.now(), std::chrono::seconds(2));
    std::vector<core::Duration> waits;
    auto last = p.clock.now();
    for (int i = 0; i < 10 && p.a->next_timer(); ++i) {
        const auto t = *p.a->next_timer();
        p.clock.advance(t - p.clock.now());
        auto o = p.a->on_timer(p.clock.now());
        if (!o.datagrams.empty()) {
            waits.push_back(p.clock.now() - last);
            last = p.clock.now();
        }
        p.take_a(std::move(o));
        p.to_b.clear();
    }
    // 5 sends in all: 4 retransmissions, each wait 1.8 times the one before.
    ASSERT_EQ(waits.size(), 4U);
    for (std::size_t i = 1; i < waits.size(); ++i) EXPECT_GT(waits[i], waits[i - 1]);
    auto d = all_of<IkeSaDown>(p.events_a);
    ASSERT_EQ(d.size(), 1U);
    EXPECT_EQ(d[0]->reason, "retransmits exhausted");
    EXPECT_EQ(p.a->sa_count(), 0U);
}

TEST(IkeV2Engine, RetransmittedAuthRequestIsAnsweredFromCache) {
    auto p = Pair::standard();
    p.take_a(p.a->initiate("c", p.clock.now()));
    // deliver IKE_SA_INIT and its response
    p.take_b(p.b->receive(Pair::flip(p.to_b.front()), p.clock.now()));
    p.to_b.pop_front();
    p.take_a(p.a->receive(Pair::flip(p.to_a.front()), p.clock.now()));
    p.to_a.pop_front();
    ASSERT_EQ(p.to_b.size(), 1U);  // IKE_AUTH request
    const Datagram auth = Pair::flip(p.to_b.front());
    p.take_b(p.b->receive(auth, p.clock.now()));
    p.to_b.pop_front();
    ASSERT_EQ(p.to_a.size(), 1U);
    const core::Bytes first_response = p.to_a.front().data;
    p.to_a.clear();  // the response is lost; the initiator retransmits
    auto again = p.b->receive(auth, p.clock.now());
    ASSERT_EQ(again.datagrams.size(), 1U);
    EXPECT_EQ(again.datagrams[0].data, first_response);
    EXPECT_TRUE(again.events.empty());  // not processed twice
    EXPECT_EQ(p.b->stats().retransmits_answered, 1U);
}

TEST(IkeV2Engine, ShutdownDeletesOnBothSides) {
    auto p = Pair::standard();
    p.establish();
    p.take_a(p.a->shutdown(p.clock.now()));
    p.run();
    ASSERT_EQ(all_of<IkeSaDown>(p.events_a).size(), 1U);
    auto db = all_of<IkeSaDown>(p.events_b);
    ASSERT_EQ(db.size(), 1U);
    EXPECT_EQ(db[0]->reason, "deleted by peer");
    EXPECT_EQ(all_of<ChildSaDown>(p.events_b).size(), 1U);
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2Engine, TamperedMessageIsDroppedAndCounted) {
    auto p = Pair::standard();
    p.take_a(p.a->initiate("c", p.clock.now()));
    p.take_b(p.b->receive(Pair::flip(p.to_b.front()), p.clock.now()));
    p.to_b.pop_front();
    p.take_a(p.a->receive(Pair::flip(p.to_a.front()), p.clock.now()));
    p.to_a.pop_front();
    Datagram auth = Pair::flip(p.to_b.front());
    auth.data.back() ^= 0x01;  // flip a bit of the ICV
    auto out = p.b->receive(auth, p.clock.now());
    EXPECT_TRUE(out.datagrams.empty());
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(p.b->stats().integrity_failed, 1U);
    // The genuine one still works.
    p.run();
    EXPECT_EQ(all_of<IkeSaUp>(p.events_b).size(), 1U);
}

TEST(IkeV2Engine, HalfOpenResponderSaExpires) {
    auto p = Pair::standard();
    p.take_a(p.a->initiate("c", p.clock.now()));
    p.take_b(p.b->receive(Pair::flip(p.to_b.front()), p.clock.now()));
    EXPECT_EQ(p.b->half_open(), 1U);
    p.clock.advance(std::chrono::seconds(31));
    p.take_b(p.b->on_timer(p.clock.now()));
    EXPECT_EQ(p.b->half_open(), 0U);
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2Engine, GarbageIsCountedNotCrashed) {
    auto p = Pair::standard();
    Datagram d;
    d.local = {addr("198.51.100.2"), 500};
    d.remote = {addr("198.51.100.1"), 500};
    d.data = {1, 2, 3};
    auto out = p.b->receive(d, p.clock.now());
    EXPECT_TRUE(out.datagrams.empty());
    EXPECT_EQ(p.b->stats().malformed, 1U);
}

}  // namespace
}  // namespace strata::ike::v2::test
