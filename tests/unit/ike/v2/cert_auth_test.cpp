// Tests of IKEv2 certificate authentication between two engines in memory:
// RFC 7427 signatures (RSA-PSS, RSA PKCS#1 v1.5, ECDSA P-256/P-384,
// Ed25519) over X.509 chains to a configured CA, IDs checked against the
// certificates, and clean AUTHENTICATION_FAILED on both sides otherwise.
#include <gtest/gtest.h>

#include "ike/v2/certificates.hpp"
#include "ike/v2/message.hpp"
#include "unit/ike/v2/auth_pair.hpp"

namespace strata::ike::v2::test {
namespace {

using crypto::SignatureAlg;

// Gateways is a PKI with certificates for gw-c (initiator) and gw-d (responder).
struct Gateways {
    Pki pki;
    Pki::Leaf c, d;
    explicit Gateways(SignatureAlg alg)
        : pki(Pki::make(alg)),
          c(pki.issue(alg, "gw-c.example.org", {"gw-c.example.org"}, {"198.51.100.1"})),
          d(pki.issue(alg, "gw-d.example.org", {"gw-d.example.org"}, {"198.51.100.2"}, false,
                      std::chrono::hours(-24), 3)) {}

    [[nodiscard]] ConnectionConfig initiator(const char* lid = "gw-c.example.org",
                                             const char* rid = "gw-d.example.org") const {
        auto x = conn("198.51.100.1", "198.51.100.2", lid, rid, "192.0.2.0/24", "203.0.113.0/24");
        use_cert(x, c, pki.ca);
        return x;
    }
    [[nodiscard]] ConnectionConfig responder(const char* lid = "gw-d.example.org",
                                             const char* rid = "gw-c.example.org") const {
        auto x = conn("198.51.100.2", "198.51.100.1", lid, rid, "203.0.113.0/24", "192.0.2.0/24");
        use_cert(x, d, pki.ca);
        return x;
    }
};

void expect_up(const AuthPair& p) {
    auto ua = events_of<IkeSaUp>(p.events_a);
    auto ub = events_of<IkeSaUp>(p.events_b);
    ASSERT_EQ(ua.size(), 1U);
    ASSERT_EQ(ub.size(), 1U);
    EXPECT_EQ(ua[0]->id, ub[0]->id);
    auto ca = events_of<ChildSaUp>(p.events_a);
    auto cb = events_of<ChildSaUp>(p.events_b);
    ASSERT_EQ(ca.size(), 1U);
    ASSERT_EQ(cb.size(), 1U);
    EXPECT_EQ(ca[0]->child.spi_in, cb[0]->child.spi_out);
    EXPECT_TRUE(core::equal_public(ca[0]->child.encryption_key_in, cb[0]->child.encryption_key_out));
    EXPECT_TRUE(events_of<AuthFailed>(p.events_a).empty());
    EXPECT_TRUE(events_of<AuthFailed>(p.events_b).empty());
}

class CertAuth : public ::testing::TestWithParam<SignatureAlg> {};

TEST_P(CertAuth, EstablishesWithCertificatesBothWays) {
    Gateways s(GetParam());
    AuthPair p(s.initiator(), s.responder());
    p.establish();
    expect_up(p);
    auto ub = events_of<IkeSaUp>(p.events_b);
    ASSERT_EQ(ub.size(), 1U);
    EXPECT_EQ(ub[0]->remote_id, *parse_identity("gw-c.example.org"));
}

INSTANTIATE_TEST_SUITE_P(Keys, CertAuth,
                         ::testing::Values(SignatureAlg::RsaPssSha256, SignatureAlg::EcdsaP256Sha256,
                                           SignatureAlg::EcdsaP384Sha384, SignatureAlg::Ed25519));

TEST(IkeV2CertAuth, RsaPkcs1AndPssMixAndAuthCarriesTheRightAlgorithm) {
    Gateways s(SignatureAlg::RsaPssSha256);
    auto ci = s.initiator();
    ci.rsa_pss = false;  // the initiator signs with PKCS#1 v1.5, the responder with PSS
    AuthPair p(std::move(ci), s.responder());
    std::vector<core::Bytes> seen;
    p.filter = [&](const Datagram& d, bool) {
        seen.push_back(d.data);
        return true;
    };
    p.establish();
    expect_up(p);
    // The IKE_SA_INIT request announced our hashes (RFC 7427 §4).
    auto init = parse_message(seen.at(0));
    ASSERT_TRUE(init);
    auto ns = find_notifies(init->payloads);
    ASSERT_TRUE(ns);
    bool hashes = false;
    for (const auto& n : *ns) hashes |= n.type == NotifyType::SignatureHashAlgorithms;
    EXPECT_TRUE(hashes);
}

TEST(IkeV2CertAuth, DnIdentitiesAndDefaultSubjectId) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    // No local ID configured: the subject DN goes out; the peer expects that DN.
    AuthPair p(s.initiator(nullptr, "dn:CN=gw-d.example.org"),
               s.responder(nullptr, "dn:CN=gw-c.example.org"));
    p.establish();
    expect_up(p);
    auto ub = events_of<IkeSaUp>(p.events_b);
    ASSERT_EQ(ub.size(), 1U);
    EXPECT_EQ(ub[0]->remote_id.type, IdType::DerAsn1Dn);
    EXPECT_EQ(to_string(ub[0]->remote_id), "CN=gw-c.example.org");
}

TEST(IkeV2CertAuth, AddressIdentitiesFromTheSan) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    AuthPair p(s.initiator("198.51.100.1", "198.51.100.2"), s.responder("198.51.100.2", "198.51.100.1"));
    p.establish();
    expect_up(p);
}

void expect_refused_by_responder(const AuthPair& p, const std::string& why) {
    auto fb = events_of<AuthFailed>(p.events_b);
    ASSERT_EQ(fb.size(), 1U);
    EXPECT_NE(fb[0]->reason.find(why), std::string::npos) << fb[0]->reason;
    auto fa = events_of<AuthFailed>(p.events_a);
    ASSERT_EQ(fa.size(), 1U);
    EXPECT_EQ(fa[0]->reason, "AUTHENTICATION_FAILED from peer");
    EXPECT_TRUE(events_of<IkeSaUp>(p.events_a).empty());
    EXPECT_TRUE(events_of<IkeSaUp>(p.events_b).empty());
    EXPECT_EQ(p.a->sa_count(), 0U);
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2CertAuth, InitiatorCertificateFromAnotherCaIsRefused) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    auto rogue = Pki::make(SignatureAlg::EcdsaP256Sha256, "Rogue CA");
    auto ci = s.initiator();
    use_cert(ci, rogue.issue(SignatureAlg::EcdsaP256Sha256, "gw-c.example.org", {"gw-c.example.org"}),
             s.pki.ca);
    AuthPair p(std::move(ci), s.responder());
    p.establish();
    expect_refused_by_responder(p, "does not chain to a configured CA");
}

TEST(IkeV2CertAuth, InitiatorClaimingAnIdNotInItsCertificateIsRefused) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    AuthPair p(s.initiator("gw-x.example.org"), s.responder("gw-d.example.org", nullptr));
    p.establish();
    expect_refused_by_responder(p, "is not in its certificate");
}

TEST(IkeV2CertAuth, ExpiredInitiatorCertificateIsRefused) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    auto ci = s.initiator();
    use_cert(ci,
             s.pki.issue(SignatureAlg::EcdsaP256Sha256, "gw-c.example.org", {"gw-c.example.org"}, {}, false,
                         -std::chrono::hours(24 * 40)),
             s.pki.ca);
    AuthPair p(std::move(ci), s.responder());
    p.establish();
    expect_refused_by_responder(p, "outside its validity period");
}

TEST(IkeV2CertAuth, PskPeerAgainstCertificatesIsRefused) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    auto ci = conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", "192.0.2.0/24",
                   "203.0.113.0/24");
    AuthPair p(std::move(ci), s.responder());
    p.establish();
    expect_refused_by_responder(p, "expected a digital signature (14)");
}

TEST(IkeV2CertAuth, ResponderFromAnotherCaIsRefusedByTheInitiatorWhichDeletesIt) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    auto rogue = Pki::make(SignatureAlg::EcdsaP256Sha256, "Rogue CA");
    auto cr = s.responder();
    use_cert(cr, rogue.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"}),
             s.pki.ca);
    AuthPair p(s.initiator(), std::move(cr));
    p.establish();
    auto fa = events_of<AuthFailed>(p.events_a);
    ASSERT_EQ(fa.size(), 1U);
    EXPECT_NE(fa[0]->reason.find("does not chain to a configured CA"), std::string::npos) << fa[0]->reason;
    // The responder had accepted the initiator; the initiator's DELETE takes
    // its half of the SA down again (RFC 7296 §2.21.2).
    auto db = events_of<IkeSaDown>(p.events_b);
    ASSERT_EQ(db.size(), 1U);
    EXPECT_EQ(db[0]->reason, "deleted by peer");
    EXPECT_EQ(p.a->sa_count(), 0U);
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2CertAuth, ResponderWithWrongIdIsRefusedByTheInitiator) {
    Gateways s(SignatureAlg::EcdsaP256Sha256);
    AuthPair p(s.initiator("gw-c.example.org", "gw-x.example.org"), s.responder());
    p.establish();
    auto fa = events_of<AuthFailed>(p.events_a);
    ASSERT_EQ(fa.size(), 1U);
    EXPECT_NE(fa[0]->reason.find("is not gw-x.example.org"), std::string::npos) << fa[0]->reason;
    EXPECT_EQ(p.a->sa_count(), 0U);
    EXPECT_EQ(p.b->sa_count(), 0U);
}

TEST(IkeV2CertAuth, NoWallClockFailsCleanly) {
    Gateways s(SignatureAlg::Ed25519);
    crypto::SeededRandom ra(seed("a")), rb(seed("b"));
    EngineConfig ea, eb;
    ea.connections.push_back(s.initiator());
    eb.connections.push_back(s.responder());  // no wall_clock
    Engine a(std::move(ea), ra), b(std::move(eb), rb);
    core::Instant t{};
    auto o = a.initiate("c", t);
    std::vector<Event> evb;
    for (int i = 0; i < 4 && !o.datagrams.empty(); ++i) {
        Output next;
        for (auto& d : o.datagrams) {
            std::swap(d.local, d.remote);
            auto r = (i % 2 == 0) ? b.receive(d, t) : a.receive(d, t);
            for (auto& x : r.datagrams) next.datagrams.push_back(std::move(x));
            for (auto& e : r.events)
                if (i % 2 == 0) evb.push_back(std::move(e));
        }
        o = std::move(next);
    }
    auto f = events_of<AuthFailed>(evb);
    ASSERT_EQ(f.size(), 1U);
    EXPECT_EQ(f[0]->reason, "no wall clock to check certificate validity");
}

}  // namespace
}  // namespace strata::ike::v2::test
