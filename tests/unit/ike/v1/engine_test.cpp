// engine_test.cpp: two IKEv1 engines in memory: main mode + quick mode with
// and without PFS, AH, DELETE, DPD, rekeying, lifetimes and refusals.
#include <gtest/gtest.h>

#include "ike/v1/constants.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/payload.hpp"
#include "unit/ike/v1/harness.hpp"

namespace strata::ike::v1 {
namespace {

using test::kA;
using test::kB;
using test::make_connection;
using test::Pair;

constexpr const char* kNetA = "203.0.113.0/25";
constexpr const char* kNetB = "203.0.113.128/25";

Pair make_pair(const char* ike, const char* esp_a, const char* esp_b = nullptr, std::uint8_t seed = 1) {
    return Pair(make_connection(kA, kB, ike, esp_a, kNetA, kNetB),
                make_connection(kB, kA, ike, esp_b != nullptr ? esp_b : esp_a, kNetB, kNetA), seed);
}

// expect_matching checks that the two sides hold mirror images of the same SAs.
void expect_matching(const Engine& a, const Engine& b, std::size_t n) {
    const auto ca = a.children();
    const auto cb = b.children();
    ASSERT_EQ(ca.size(), n);
    ASSERT_EQ(cb.size(), n);
    for (const auto& x : ca) {
        bool found = false;
        for (const auto& y : cb) {
            if (x.spi_in != y.spi_out) continue;
            found = true;
            EXPECT_EQ(x.spi_out, y.spi_in);
            EXPECT_EQ(x.keymat_in, y.keymat_out);
            EXPECT_EQ(x.keymat_out, y.keymat_in);
            EXPECT_NE(x.keymat_in, x.keymat_out);
            EXPECT_EQ(x.choice.encryption, y.choice.encryption);
            EXPECT_EQ(x.choice.integrity, y.choice.integrity);
            EXPECT_EQ(x.choice.mode, y.choice.mode);
        }
        EXPECT_TRUE(found) << "no peer SA for SPI " << x.spi_in;
    }
}

struct Case {
    const char* ike;
    const char* esp;
    std::size_t key_len;  // cipher key + integrity key of the IPsec SA
};

class Ikev1Exchange : public ::testing::TestWithParam<Case> {};

TEST_P(Ikev1Exchange, MainModeThenQuickModeAgreeOnKeys) {
    const Case c = GetParam();
    Pair p = make_pair(c.ike, c.esp);
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.b.count<IkeSaUp>(), 1u);
    EXPECT_EQ(p.a.last<IkeSaUp>()->id, p.b.last<IkeSaUp>()->id);
    EXPECT_TRUE(p.a.last<IkeSaUp>()->initiator);
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    const ChildSaKeys& ka = p.a.last<ChildSaUp>()->child;
    const ChildSaKeys& kb = p.b.last<ChildSaUp>()->child;
    EXPECT_EQ(ka.spi_in, kb.spi_out);
    EXPECT_EQ(ka.encryption_key_out.size() + ka.integrity_key_out.size(), c.key_len);
    EXPECT_TRUE(core::equal_public(ka.encryption_key_out, kb.encryption_key_in));
    EXPECT_TRUE(core::equal_public(ka.integrity_key_in, kb.integrity_key_out));
    EXPECT_EQ(ka.local_ts, kb.remote_ts);
    EXPECT_EQ(ka.local_ts.front().addresses.first, test::ip("203.0.113.0"));
    expect_matching(*p.a.engine, *p.b.engine, 1);
    // Six main mode messages, three quick mode ones; nothing else.
    EXPECT_EQ(p.sent.size(), 9u);
    // The SAs install in the datapath.
    auto [in, out] = ka.to_sa_configs();
    EXPECT_TRUE(ipsec::SecurityAssociation::create(std::move(in), p.now).ok());
    EXPECT_TRUE(ipsec::SecurityAssociation::create(std::move(out), p.now).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Proposals, Ikev1Exchange,
    ::testing::Values(Case{"3des-sha1-modp1024", "3des-sha1", 24 + 20},           // the lecture's era, no PFS
                      Case{"3des-sha1-modp1024", "3des-sha1-modp1024", 24 + 20},  // with PFS
                      Case{"aes256-sha256-modp2048", "aes256-sha256", 32 + 32},
                      Case{"aes256-sha256-modp2048", "aes256-sha256-modp2048", 32 + 32},
                      Case{"aes128-sha256-modp3072", "aes128-sha1-modp3072", 16 + 20},
                      Case{"aes128-sha256-ecp256", "aes128-sha256-ecp256", 16 + 32}));

TEST(Ikev1Engine, AhInTransportMode) {
    auto ca = make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kA, kB);
    auto cb = make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kB, kA);
    for (auto* c : {&ca, &cb}) {
        c->protocol = ipsec::Protocol::Ah;
        c->ah_proposals = *parse_ah_proposals("sha256");
        c->base.mode = ipsec::Mode::Transport;
    }
    Pair p(std::move(ca), std::move(cb));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    const ChildSaKeys& k = p.b.last<ChildSaUp>()->child;
    EXPECT_EQ(k.protocol, ipsec::Protocol::Ah);
    EXPECT_EQ(k.mode, ipsec::Mode::Transport);
    EXPECT_EQ(k.integrity_key_in.size(), 32u);
    EXPECT_TRUE(k.encryption_key_in.empty());
    expect_matching(*p.a.engine, *p.b.engine, 1);
}

TEST(Ikev1Engine, DeleteOfPhaseTwoAndPhaseOneReachesThePeer) {
    Pair p = make_pair("aes256-sha256-modp2048", "aes256-sha256");
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const std::uint32_t spi = p.b.engine->children().front().spi_in;
    p.take(p.b.engine->delete_child(spi, p.now), false);
    p.pump();
    EXPECT_EQ(p.a.count<ChildSaDown>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaDown>()->spi_out, spi);
    EXPECT_EQ(p.a.last<ChildSaDown>()->reason, "deleted by peer");
    EXPECT_TRUE(p.a.engine->children().empty());
    EXPECT_TRUE(p.b.engine->children().empty());
    // A new quick mode under the same ISAKMP SA, then DELETE of phase 1.
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    expect_matching(*p.a.engine, *p.b.engine, 1);
    EXPECT_EQ(p.a.count<IkeSaUp>(), 1u);
    p.take(p.a.engine->delete_ike("lan", p.now), true);
    p.pump();
    EXPECT_EQ(p.b.count<IkeSaDown>(), 1u);
    EXPECT_EQ(p.b.last<IkeSaDown>()->reason, "deleted by peer");
    EXPECT_TRUE(p.a.engine->ike_sas().empty());
    EXPECT_TRUE(p.b.engine->ike_sas().empty());
    EXPECT_TRUE(p.b.engine->children().empty());
}

TEST(Ikev1Engine, DeadPeerDetection) {
    auto ca = make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB);
    ca.base.dpd_interval = std::chrono::seconds(30);
    Pair p(std::move(ca), make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const std::size_t before = p.sent.size();
    p.run(std::chrono::seconds(95));  // three R-U-THERE, three ACKs
    EXPECT_EQ(p.sent.size() - before, 6u);
    EXPECT_EQ(p.a.count<IkeSaDown>(), 0u);
    // The peer goes silent: after the retries the SA is declared dead.
    p.drop = [](const Datagram&, bool to_b) { return to_b; };
    p.run(std::chrono::seconds(120));
    ASSERT_EQ(p.a.count<IkeSaDown>(), 1u);
    EXPECT_EQ(p.a.last<IkeSaDown>()->reason, "dead peer (DPD)");
    EXPECT_EQ(p.a.count<ChildSaDown>(), 1u);
    EXPECT_TRUE(p.a.engine->children().empty());
}

TEST(Ikev1Engine, PhaseTwoRekeyBeforeExpiry) {
    auto ca = make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256-modp2048", kNetA, kNetB);
    ca.child_lifetime = std::chrono::minutes(20);
    ca.rekey_margin = std::chrono::minutes(5);
    Pair p(std::move(ca),
           make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256-modp2048", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const auto first = p.a.engine->children().front();
    EXPECT_EQ(first.choice.life_seconds, 1200u);
    ASSERT_TRUE(first.rekey_at.has_value());
    EXPECT_EQ(*first.rekey_at - first.installed, std::chrono::minutes(15));
    p.run(std::chrono::minutes(16));
    ASSERT_EQ(p.a.count<ChildSaRekeyed>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaRekeyed>()->old_spi_in, first.spi_in);
    EXPECT_EQ(p.b.count<ChildSaUp>(), 2u);
    EXPECT_EQ(p.b.count<ChildSaDown>(), 1u);  // the old pair, by the initiator's DELETE
    expect_matching(*p.a.engine, *p.b.engine, 1);
    EXPECT_NE(p.a.engine->children().front().spi_in, first.spi_in);
    // Twice more: the rekeyed SA is rekeyed in turn.
    p.run(std::chrono::minutes(30));
    EXPECT_FALSE(p.stalled);
    EXPECT_EQ(p.a.count<ChildSaRekeyed>(), 3u);
    expect_matching(*p.a.engine, *p.b.engine, 1);
}

TEST(Ikev1Engine, LifetimesInSecondsAndKilobytes) {
    auto ca = make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB);
    ca.child_lifetime = std::chrono::minutes(30);
    ca.child_kilobytes = 4096;
    auto cb = make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA);
    cb.child_lifetime = std::chrono::minutes(10);  // the responder's own limit is shorter
    Pair p(std::move(ca), std::move(cb));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const auto a = p.a.engine->children().front();
    const auto b = p.b.engine->children().front();
    EXPECT_EQ(a.choice.life_kilobytes, 4096u);
    EXPECT_EQ(b.choice.life_kilobytes, 4096u);
    EXPECT_EQ(a.lifetimes().hard.bytes, 4096u * 1024u);
    EXPECT_EQ(b.expires_at - b.installed, std::chrono::minutes(10));
    EXPECT_EQ(a.expires_at - a.installed, std::chrono::minutes(30));
    // The datapath reports the soft volume limit: a rekey follows.
    p.take(p.b.engine->child_expired(b.spi_in, false, p.now), false);
    p.pump();
    EXPECT_EQ(p.b.count<ChildSaRekeyed>(), 1u);
    expect_matching(*p.a.engine, *p.b.engine, 1);
    // The hard limit: the SA is deleted on both sides.
    const auto c = p.a.engine->children().front();
    p.take(p.a.engine->child_expired(c.spi_in, true, p.now), true);
    p.pump();
    EXPECT_TRUE(p.a.engine->children().empty());
    EXPECT_TRUE(p.b.engine->children().empty());
    // The responder's 10-minute limit ends an SA nobody rekeys by time.
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    expect_matching(*p.a.engine, *p.b.engine, 1);
    p.run(std::chrono::minutes(11));
    EXPECT_TRUE(p.b.engine->children().empty());
    EXPECT_TRUE(p.a.engine->children().empty());  // the responder's DELETE
}

TEST(Ikev1Engine, PhaseOneRekeyKeepsTheIpsecSas) {
    auto ca = make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB);
    ca.ike_lifetime = std::chrono::minutes(60);
    ca.child_lifetime = std::chrono::hours(3);
    ca.rekey_margin = std::chrono::minutes(9);
    Pair p(std::move(ca), make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    const auto old_ike = p.a.engine->ike_sas().front().id;
    const auto child = p.a.engine->children().front();
    p.run(std::chrono::minutes(52));
    EXPECT_FALSE(p.stalled);
    ASSERT_EQ(p.a.count<IkeSaRekeyed>(), 1u);
    ASSERT_EQ(p.b.count<IkeSaRekeyed>(), 1u);
    EXPECT_EQ(p.a.last<IkeSaRekeyed>()->old_id, old_ike);
    EXPECT_EQ(p.b.last<IkeSaRekeyed>()->new_id, p.a.last<IkeSaRekeyed>()->new_id);
    EXPECT_EQ(p.a.engine->ike_sas().size(), 1u);
    EXPECT_EQ(p.b.engine->ike_sas().size(), 1u);
    EXPECT_EQ(p.a.count<IkeSaDown>() + p.b.count<IkeSaDown>(), 0u);
    EXPECT_EQ(p.a.engine->children().front().spi_in, child.spi_in);
    // The IPsec SA is rekeyed under the new ISAKMP SA.
    p.take(p.a.engine->rekey_child(child.spi_in, p.now), true);
    p.pump();
    EXPECT_EQ(p.a.count<ChildSaRekeyed>(), 1u);
    expect_matching(*p.a.engine, *p.b.engine, 1);
}

TEST(Ikev1Engine, PreSharedKeyMismatchIsAuthenticationFailed) {
    Pair p(make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB, "one"),
           make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA, "two"));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    EXPECT_EQ(p.b.count<AuthFailed>(), 1u);
    ASSERT_EQ(p.a.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.a.last<AuthFailed>()->reason, "AUTHENTICATION-FAILED from peer");
    EXPECT_EQ(p.a.count<IkeSaUp>() + p.b.count<IkeSaUp>(), 0u);
    EXPECT_TRUE(p.b.engine->ike_sas().empty());
}

TEST(Ikev1Engine, NoProposalChosen) {
    Pair p(make_connection(kA, kB, "3des-sha1-modp1024", "aes128-sha256", kNetA, kNetB),
           make_connection(kB, kA, "aes256-sha256-modp2048", "aes128-sha256", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<IkeSaDown>(), 1u);
    EXPECT_EQ(p.a.last<IkeSaDown>()->reason, "NO-PROPOSAL-CHOSEN from peer");
    EXPECT_EQ(p.b.engine->half_open(), 0u);
    // Phase 2 refused: the ISAKMP SA stays, the quick mode fails.
    Pair q = make_pair("aes256-sha256-modp2048", "aes128-sha256", "3des-sha1");
    q.take(q.a.engine->initiate("lan", q.now), true);
    q.pump();
    EXPECT_EQ(q.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(q.a.count<ChildSaFailed>(), 1u);
    EXPECT_EQ(q.a.last<ChildSaFailed>()->reason, "NO-PROPOSAL-CHOSEN");
    EXPECT_TRUE(q.b.engine->children().empty());
}

TEST(Ikev1Engine, TrafficSelectorsOutsideTheConfigurationAreRefused) {
    Pair p(make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", "203.0.113.0/24", kNetB),
           make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaFailed>(), 1u);
    EXPECT_EQ(p.a.last<ChildSaFailed>()->reason, "INVALID-ID-INFORMATION");
}

// first_notify returns the notify type of an unencrypted informational answer.
std::optional<NotifyType> first_notify(const Output& o) {
    if (o.datagrams.size() != 1) return std::nullopt;
    auto h = parse_header(o.datagrams[0].data);
    if (!h || h->exchange != static_cast<std::uint8_t>(ExchangeType::Informational)) return std::nullopt;
    auto chain = parse_chain(h->next, core::ByteView(o.datagrams[0].data).subspan(kHeaderLength), false);
    if (!chain || chain->empty()) return std::nullopt;
    auto n = decode_notify(chain->front().body);
    if (!n) return std::nullopt;
    return static_cast<NotifyType>(n->type);
}

TEST(Ikev1Engine, RefusalsCarryTheRightNotification) {
    Pair p = make_pair("aes128-sha256-modp2048", "aes128-sha256");
    const Datagram first = p.a.engine->initiate("lan", p.now).datagrams.at(0);
    auto in = first;
    std::swap(in.local, in.remote);
    // Aggressive mode: refused on purpose.
    Datagram aggr = in;
    aggr.data[18] = static_cast<std::uint8_t>(ExchangeType::Aggressive);
    EXPECT_EQ(first_notify(p.b.engine->receive(aggr, p.now)), NotifyType::UnsupportedExchangeType);
    // A broken SA payload: a transform count that does not match.
    Datagram bad = in;
    bad.data[kHeaderLength + 4 + 8 + 7] ^= 0x40;
    EXPECT_EQ(first_notify(p.b.engine->receive(bad, p.now)), NotifyType::BadProposalSyntax);
    // A truncated payload: PAYLOAD-MALFORMED.
    Datagram cut = in;
    cut.data[kHeaderLength + 3] = 0xff;  // SA payload length past the end
    EXPECT_EQ(first_notify(p.b.engine->receive(cut, p.now)), NotifyType::PayloadMalformed);
    EXPECT_EQ(p.b.engine->half_open(), 0u);
    // The real MM1 is answered; then an MM3 with a forged responder cookie
    // gets INVALID-COOKIE and creates nothing.
    Output mm2 = p.b.engine->receive(in, p.now);
    ASSERT_EQ(mm2.datagrams.size(), 1u);
    EXPECT_EQ(p.b.engine->half_open(), 1u);
    Datagram forged = in;
    forged.data[8] ^= 0xff;  // a responder cookie b never made
    forged.data[kHeaderLength - 12] = 0;
    EXPECT_EQ(first_notify(p.b.engine->receive(forged, p.now)), NotifyType::InvalidCookie);
    EXPECT_TRUE(p.b.engine->ike_sas().empty());
    // The MM1 again: the same MM2, byte for byte, nothing new kept.
    Output again = p.b.engine->receive(in, p.now);
    ASSERT_EQ(again.datagrams.size(), 1u);
    EXPECT_EQ(again.datagrams[0].data, mm2.datagrams[0].data);
    EXPECT_EQ(p.b.engine->half_open(), 1u);
    EXPECT_GE(p.b.engine->stats().duplicates, 1u);
}

TEST(Ikev1Engine, LostMessagesAreRetransmitted) {
    Pair p = make_pair("aes128-sha256-modp2048", "aes128-sha256-modp2048");
    // Lose the first MM2, the first MM6 and the first QM3.
    int mm_to_a = 0;
    int mm_enc_to_a = 0;
    int qm_to_b = 0;
    p.drop = [&](const Datagram& d, bool to_b) {
        const auto exch = static_cast<ExchangeType>(d.data[18]);
        const bool enc = (d.data[19] & kFlagEncryption) != 0;
        if (!to_b && exch == ExchangeType::IdentityProtection && !enc) return ++mm_to_a == 1;
        if (!to_b && exch == ExchangeType::IdentityProtection && enc) return ++mm_enc_to_a == 1;
        if (to_b && exch == ExchangeType::QuickMode) return ++qm_to_b == 2;
        return false;
    };
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.run(std::chrono::seconds(60));
    EXPECT_EQ(p.a.count<IkeSaUp>(), 1u);
    EXPECT_EQ(p.b.count<IkeSaUp>(), 1u);
    expect_matching(*p.a.engine, *p.b.engine, 1);
    EXPECT_GE(p.a.engine->stats().retransmits, 2u);
    EXPECT_GE(p.b.engine->stats().retransmits, 1u);  // QM2 again, for the lost QM3
}

TEST(Ikev1Engine, GivesUpCleanlyWhenThePeerNeverAnswers) {
    Pair p = make_pair("aes128-sha256-modp2048", "aes128-sha256");
    p.drop = [](const Datagram&, bool) { return true; };
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.run(std::chrono::minutes(5));
    EXPECT_FALSE(p.stalled);
    ASSERT_EQ(p.a.count<IkeSaDown>(), 1u);
    EXPECT_EQ(p.a.last<IkeSaDown>()->reason, "retransmits exhausted");
    EXPECT_TRUE(p.a.engine->ike_sas().empty());
    EXPECT_FALSE(p.a.engine->next_timer().has_value());
}

}  // namespace
}  // namespace strata::ike::v1

namespace strata::ike::v1 {
namespace {

// An ISAKMP SA whose rekey fails expires, and takes the connection's IPsec
// SAs with it on both sides; no timer is left due in the past.
TEST(Ikev1Engine, FailedPhaseOneRekeyEndsCleanly) {
    auto ca =
        test::make_connection(test::kA, test::kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB);
    ca.child_lifetime = std::chrono::minutes(20);
    ca.ike_lifetime = std::chrono::minutes(10);
    ca.rekey_margin = std::chrono::minutes(5);
    auto cb =
        test::make_connection(test::kB, test::kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA);
    cb.ike_lifetime = std::chrono::minutes(10);
    test::Pair p(std::move(ca), std::move(cb));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    // The peer stops answering main mode: the rekey at 5 minutes fails.
    p.drop = [](const Datagram& d, bool) {
        return d.data[18] == static_cast<std::uint8_t>(ExchangeType::IdentityProtection);
    };
    p.run(std::chrono::minutes(12));
    EXPECT_FALSE(p.stalled);
    EXPECT_TRUE(p.a.engine->ike_sas().empty());
    EXPECT_TRUE(p.b.engine->ike_sas().empty());
    EXPECT_TRUE(p.a.engine->children().empty());
    EXPECT_TRUE(p.b.engine->children().empty());
    EXPECT_EQ(p.a.count<ChildSaDown>(), 1u);
    EXPECT_EQ(p.b.count<ChildSaDown>(), 1u);
    EXPECT_FALSE(p.a.engine->next_timer().has_value());
}

}  // namespace
}  // namespace strata::ike::v1
