// signature_test.cpp: main mode with RSA and ECDSA signatures and X.509
// certificates (RFC 2409 §5.1, RFC 4754) between two engines in memory, and
// every way a peer's certificate or signature is refused.
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "crypto/prehashed_signature.hpp"
#include "crypto/x509_names.hpp"
#include "ike/v1/constants.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/payload.hpp"
#include "ike/v1/phase1_auth.hpp"
#include "unit/ike/v1/harness.hpp"
#include "unit/ike/v1/sig_fixture.hpp"
#include "unit/ike/v2/cert_fixture.hpp"

namespace strata::ike::v1 {
namespace {

using test::kA;
using test::kB;
using test::make_connection;
using test::Pair;
using v2::test::Pki;
using v2::test::test_time;

constexpr const char* kNetA = "203.0.113.0/25";
constexpr const char* kNetB = "203.0.113.128/25";
constexpr const char* kIke = "aes128-sha256-modp2048";
constexpr const char* kEsp = "aes128-sha256";

// with_cert turns a PSK connection into a certificate one.
Connection with_cert(Connection c, const Pki::Leaf& leaf, const Pki& trust, const char* local_id,
                     const char* remote_id) {
    c.base.psk = core::SecretBytes{};
    c.base.auth = AuthKind::PublicKey;
    c.base.local_certs = {leaf.cert};
    c.base.private_key = leaf.key;
    c.base.ca_certs = {trust.ca};
    c.base.local_id = local_id != nullptr ? *parse_identity(local_id) : Identity{};
    c.base.remote_id = remote_id != nullptr ? *parse_identity(remote_id) : Identity{};
    return c;
}

struct Certs {
    Pki pki;
    Pki::Leaf a;
    Pki::Leaf b;
};

Certs make_setup(crypto::SignatureAlg alg) {
    Pki pki = Pki::make(alg);
    Pki::Leaf a = pki.issue(alg, "gw-a.example.org", {"gw-a.example.org"}, {kA});
    Pki::Leaf b =
        pki.issue(alg, "gw-b.example.org", {"gw-b.example.org"}, {kB}, false, std::chrono::hours(-24), 3);
    return Certs{std::move(pki), std::move(a), std::move(b)};
}

core::ManualClock& wall() {
    static core::ManualClock clock(test_time());
    clock.set_wall(test_time());
    return clock;
}

// cert_a / cert_b: each side's usual connection, with a certificate and
// identities (nullptr: none configured).
Connection cert_a(const Pki::Leaf& leaf, const Pki& trust, const char* id_a = "gw-a.example.org",
                  const char* id_b = "gw-b.example.org", const char* ike = kIke) {
    return with_cert(make_connection(kA, kB, ike, kEsp, kNetA, kNetB), leaf, trust, id_a, id_b);
}
Connection cert_b(const Pki::Leaf& leaf, const Pki& trust, const char* id_b = "gw-b.example.org",
                  const char* id_a = "gw-a.example.org", const char* ike = kIke) {
    return with_cert(make_connection(kB, kA, ike, kEsp, kNetB, kNetA), leaf, trust, id_b, id_a);
}

Pair cert_pair(const Certs& s, const char* id_a = "gw-a.example.org", const char* id_b = "gw-b.example.org",
               const char* ike = kIke) {
    return Pair(cert_a(s.a, s.pki, id_a, id_b, ike), cert_b(s.b, s.pki, id_b, id_a, ike), 1, &wall());
}

// run: A starts main mode; every message is delivered.
void run(Pair& p) {
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
}

// auth_method_offered returns the Authentication Method of MM1's first transform.
std::optional<std::uint16_t> auth_method_offered(const Datagram& mm1) {
    auto h = parse_header(mm1.data);
    if (!h) return std::nullopt;
    auto chain = parse_chain(h->next, core::ByteView(mm1.data).subspan(kHeaderLength), false);
    if (!chain || chain->empty()) return std::nullopt;
    auto sa = decode_sa(chain->front().body);
    if (!sa || sa->proposals.empty() || sa->proposals[0].transforms.empty()) return std::nullopt;
    const Attribute* a =
        sa->proposals[0].transforms[0].find(static_cast<std::uint16_t>(Phase1Attr::AuthenticationMethod));
    if (a == nullptr) return std::nullopt;
    return a->value;
}

// certreqs returns the CA names of the CERTREQ payloads of a plain message.
std::vector<core::Bytes> certreqs(const Datagram& d) {
    std::vector<core::Bytes> out;
    auto h = parse_header(d.data);
    if (!h || h->encrypted()) return out;
    auto chain = parse_chain(h->next, core::ByteView(d.data).subspan(kHeaderLength), false);
    if (!chain) return out;
    for (const auto& p : *chain) {
        if (p.type != PayloadType::CertificateRequest) continue;
        auto c = decode_cert(p.body);
        if (c && c->encoding == kCertEncodingX509Signature) out.push_back(c->data);
    }
    return out;
}

void expect_up_with_matching_keys(Pair& p) {
    ASSERT_EQ(p.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.b.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    const auto ca = p.a.engine->children();
    const auto cb = p.b.engine->children();
    ASSERT_EQ(ca.size(), 1u);
    ASSERT_EQ(cb.size(), 1u);
    EXPECT_EQ(ca[0].spi_in, cb[0].spi_out);
    EXPECT_EQ(ca[0].keymat_in, cb[0].keymat_out);
    EXPECT_EQ(ca[0].keymat_out, cb[0].keymat_in);
    const auto ia = p.a.engine->ike_sas();
    const auto ib = p.b.engine->ike_sas();
    ASSERT_EQ(ia.size(), 1u);
    ASSERT_EQ(ib.size(), 1u);
    EXPECT_EQ(ia[0].skeyid, ib[0].skeyid);
    EXPECT_EQ(ia[0].enc_key, ib[0].enc_key);
}

TEST(Ikev1Signature, RsaMainModeThenQuickMode) {
    const Certs s = make_setup(crypto::SignatureAlg::RsaPkcs1Sha256);
    Pair p = cert_pair(s);
    run(p);
    expect_up_with_matching_keys(p);
    // RFC 2409 Appendix A: method 3 offered; the peers' identities reported.
    EXPECT_EQ(auth_method_offered(p.sent.at(0)), kAuthRsaSignature);
    EXPECT_EQ(p.a.last<IkeSaUp>()->remote_id, *parse_identity("gw-b.example.org"));
    EXPECT_EQ(p.b.last<IkeSaUp>()->remote_id, *parse_identity("gw-a.example.org"));
    EXPECT_EQ(p.b.last<IkeSaUp>()->local_id, *parse_identity("gw-b.example.org"));
    // MM3 and MM4 ask for a certificate by the CA's subject DN (RFC 2408 §3.10).
    const auto dn = crypto::subject_der(s.pki.ca);
    ASSERT_TRUE(dn);
    std::vector<core::Bytes> want;
    want.push_back(dn.value());
    ASSERT_GE(p.sent.size(), 4u);
    EXPECT_EQ(certreqs(p.sent[2]), want);
    EXPECT_EQ(certreqs(p.sent[3]), want);
    EXPECT_EQ(p.a.engine->stats().auth_failed + p.b.engine->stats().auth_failed, 0u);
}

TEST(Ikev1Signature, SkeyidIsFromNoncesAndSharedSecret) {
    // With signatures SKEYID = prf(Ni_b | Nr_b, g^xy), not a function of a key:
    // an exchange with a PSK configured too must still agree (the PSK is unused).
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    Connection ca = with_cert(make_connection(kA, kB, kIke, kEsp, kNetA, kNetB, "one"), s.a, s.pki,
                              "gw-a.example.org", "gw-b.example.org");
    Connection cb = with_cert(make_connection(kB, kA, kIke, kEsp, kNetB, kNetA, "two"), s.b, s.pki,
                              "gw-b.example.org", "gw-a.example.org");
    const std::string one = "one";
    const std::string two = "two";
    ca.base.psk =
        core::SecretBytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(one.data()), one.size()));
    cb.base.psk =
        core::SecretBytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(two.data()), two.size()));
    Pair p(std::move(ca), std::move(cb), 3, &wall());
    run(p);
    expect_up_with_matching_keys(p);
}

TEST(Ikev1Signature, EcdsaP256AndP384) {
    for (auto alg : {crypto::SignatureAlg::EcdsaP256Sha256, crypto::SignatureAlg::EcdsaP384Sha384}) {
        const Certs s = make_setup(alg);
        Pair p = cert_pair(s, "gw-a.example.org", "gw-b.example.org", "aes256-sha256-ecp256");
        run(p);
        expect_up_with_matching_keys(p);
        // RFC 4754 §6: 9 for P-256/SHA-256, 10 for P-384/SHA-384.
        EXPECT_EQ(auth_method_offered(p.sent.at(0)),
                  alg == crypto::SignatureAlg::EcdsaP256Sha256 ? kAuthEcdsaP256Sha256 : kAuthEcdsaP384Sha384);
    }
}

TEST(Ikev1Signature, DnIdentityFromTheCertificateWhenNoneIsConfigured) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    Pair p = cert_pair(s, nullptr, nullptr);
    run(p);
    expect_up_with_matching_keys(p);
    const Identity* got = &p.b.last<IkeSaUp>()->remote_id;
    EXPECT_EQ(got->type, ike::IdType::DerAsn1Dn);
    EXPECT_TRUE(crypto::same_dn(got->data, *crypto::subject_der(s.a.cert)));
}

TEST(Ikev1Signature, CertificateFromAnotherCaIsRefused) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    const Pki other = Pki::make(crypto::SignatureAlg::EcdsaP256Sha256, "Other CA");
    const Pki::Leaf stranger =
        other.issue(crypto::SignatureAlg::EcdsaP256Sha256, "gw-a.example.org", {"gw-a.example.org"});
    Pair p(cert_a(stranger, s.pki), cert_b(s.b, s.pki), 1, &wall());
    run(p);
    ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.b.last<AuthFailed>()->reason,
              "peer certificate \"CN=gw-a.example.org\" does not chain to a configured CA");
    ASSERT_EQ(p.a.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.a.last<AuthFailed>()->reason, "INVALID-CERTIFICATE from peer");
    EXPECT_EQ(p.a.count<IkeSaUp>() + p.b.count<IkeSaUp>(), 0u);
    EXPECT_TRUE(p.b.engine->ike_sas().empty());
    EXPECT_EQ(p.b.engine->stats().auth_failed, 1u);
}

TEST(Ikev1Signature, ResponderCertificateFromAnotherCaIsRefusedByTheInitiator) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    const Pki other = Pki::make(crypto::SignatureAlg::EcdsaP256Sha256, "Other CA");
    Pair p(cert_a(s.a, other), cert_b(s.b, s.pki), 1, &wall());
    // The initiator trusts only `other`, but its own certificate is from s.pki
    // (which the responder trusts): the responder accepts, the initiator refuses MM6.
    run(p);
    ASSERT_EQ(p.a.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.a.last<AuthFailed>()->reason,
              "peer certificate \"CN=gw-b.example.org\" does not chain to a configured CA");
    EXPECT_EQ(p.a.count<IkeSaUp>(), 0u);
    EXPECT_TRUE(p.a.engine->ike_sas().empty());
    EXPECT_EQ(p.a.count<ChildSaUp>(), 0u);
}

TEST(Ikev1Signature, IdentityNotInTheCertificateIsRefused) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    // B wants gw-a, A claims another identity: refused before any certificate check.
    Pair p(cert_a(s.a, s.pki, "gw-x.example.org", "gw-b.example.org"), cert_b(s.b, s.pki), 1, &wall());
    run(p);
    ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.b.last<AuthFailed>()->reason, "peer identity not the configured one");
    // A claims an identity its certificate does not carry; B accepts any identity.
    Pair q(cert_a(s.a, s.pki, "gw-x.example.org", "gw-b.example.org"),
           cert_b(s.b, s.pki, "gw-b.example.org", nullptr), 1, &wall());
    run(q);
    ASSERT_EQ(q.b.count<AuthFailed>(), 1u);
    EXPECT_EQ(q.b.last<AuthFailed>()->reason,
              "peer identity gw-x.example.org is not in its certificate \"CN=gw-a.example.org\"");
    EXPECT_EQ(q.a.count<IkeSaUp>() + q.b.count<IkeSaUp>(), 0u);
}

TEST(Ikev1Signature, SignatureByAnotherKeyIsRefused) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    Connection ca = cert_a(s.a, s.pki);
    ca.base.private_key = s.b.key;  // signs with a key its certificate does not hold
    Pair p(std::move(ca), cert_b(s.b, s.pki), 1, &wall());
    run(p);
    ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.b.last<AuthFailed>()->reason,
              "peer signature (ecdsa-256) does not verify with the key of \"CN=gw-a.example.org\"");
    ASSERT_EQ(p.a.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.a.last<AuthFailed>()->reason, "INVALID-SIGNATURE from peer");
}

TEST(Ikev1Signature, KeyOfAnotherKindThanTheMethodIsRefused) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    const Pki::Leaf rsa_leaf = s.pki.issue(crypto::SignatureAlg::RsaPkcs1Sha256, "gw-a.example.org",
                                           {"gw-a.example.org"}, {}, false, std::chrono::hours(-24), 9);
    Connection ca = cert_a(rsa_leaf, s.pki);
    ca.base.private_key = s.a.key;  // ECDSA key (method 9), RSA certificate
    Pair p(std::move(ca), cert_b(s.b, s.pki), 1, &wall());
    run(p);
    ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
    EXPECT_EQ(p.b.last<AuthFailed>()->reason,
              "peer certificate's rsa key does not fit the negotiated ecdsa-256 authentication");
}

TEST(Ikev1Signature, MissingCertificateOrClockOrValidityIsRefused) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    {
        Connection ca = cert_a(s.a, s.pki);
        ca.base.local_certs.clear();  // sends no CERT
        Pair p(std::move(ca), cert_b(s.b, s.pki), 1, &wall());
        run(p);
        ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
        EXPECT_EQ(p.b.last<AuthFailed>()->reason, "no CERT payload from peer");
        EXPECT_EQ(p.a.last<AuthFailed>()->reason, "CERTIFICATE-UNAVAILABLE from peer");
    }
    {
        Pair p(cert_a(s.a, s.pki), cert_b(s.b, s.pki));  // no wall clock
        run(p);
        ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
        EXPECT_EQ(p.b.last<AuthFailed>()->reason, "no wall clock to check the peer certificate's validity");
    }
    {
        core::ManualClock late(test_time() + std::chrono::hours(24 * 60));
        Pair p(cert_a(s.a, s.pki), cert_b(s.b, s.pki), 1, &late);
        run(p);
        ASSERT_EQ(p.b.count<AuthFailed>(), 1u);
        EXPECT_EQ(p.b.last<AuthFailed>()->reason,
                  "peer certificate \"CN=gw-a.example.org\" is outside its validity period");
    }
}

TEST(Ikev1Signature, MethodsMustMatch) {
    // A signature initiator and a pre-shared-key responder share no method.
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    Pair p(cert_a(s.a, s.pki), make_connection(kB, kA, kIke, kEsp, kNetB, kNetA), 1, &wall());
    run(p);
    ASSERT_EQ(p.a.count<IkeSaDown>(), 1u);
    EXPECT_EQ(p.a.last<IkeSaDown>()->reason, "NO-PROPOSAL-CHOSEN from peer");
    // A key IKEv1 cannot sign with: nothing is sent, the failure is reported.
    Connection ed = cert_a(s.a, s.pki);
    ed.base.private_key = std::make_shared<const crypto::PrivateKey>(
        crypto::PrivateKey::generate(crypto::SignatureAlg::Ed25519).value());
    EXPECT_FALSE(auth_method_of(ed.base));
    Pair q(std::move(ed), make_connection(kB, kA, kIke, kEsp, kNetB, kNetA), 1, &wall());
    Output o = q.a.engine->initiate("lan", q.now);
    EXPECT_TRUE(o.datagrams.empty());
    ASSERT_EQ(o.events.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<AuthFailed>(o.events[0]));
}

TEST(Ikev1Signature, LostMessagesAndRekeyStillWork) {
    const Certs s = make_setup(crypto::SignatureAlg::EcdsaP256Sha256);
    Pair p = cert_pair(s);
    int n = 0;
    p.drop = [&](const Datagram&, bool) { return ++n == 5 || n == 6; };  // MM5 and its first resend lost
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.run(std::chrono::seconds(20));
    expect_up_with_matching_keys(p);
    p.drop = nullptr;
    // A phase 1 rekey under signatures: a new main mode, IPsec SAs stay.
    p.take(p.a.engine->rekey_ike("lan", p.now), true);
    p.pump();
    EXPECT_EQ(p.a.count<IkeSaRekeyed>(), 1u);
    EXPECT_EQ(p.b.count<IkeSaRekeyed>(), 1u);
    EXPECT_EQ(p.a.engine->children().size(), 1u);
}

TEST(Ikev1Signature, FuzzersFixedKeysAuthenticate) {
    // The fuzz targets' signature scenarios rely on these fixed keys and
    // certificates: they must really bring main mode and quick mode up.
    core::ManualClock at(test::sig_time());
    Pair p(
        test::with_fixed_cert(
            make_connection(kA, kB, "aes128-sha256-modp1024", "aes128-sha1-modp1024", kNetA, kNetB), true),
        test::with_fixed_cert(
            make_connection(kB, kA, "aes128-sha256-modp1024", "aes128-sha1-modp1024", kNetB, kNetA), false),
        7, &at);
    run(p);
    expect_up_with_matching_keys(p);
    EXPECT_EQ(auth_method_offered(p.sent.at(0)), kAuthEcdsaP256Sha256);
}

}  // namespace
}  // namespace strata::ike::v1
