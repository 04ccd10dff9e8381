// Tests of CERT/CERTREQ payloads and the peer certificate checks (chain to
// the configured CA, validity at the given time, ID certified by the SAN or
// subject: RFC 7296 §3.6, §3.7; RFC 4945 §3.1).
#include "ike/v2/certificates.hpp"

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/x509_names.hpp"
#include "unit/ike/v2/cert_fixture.hpp"

namespace strata::ike::v2::test {
namespace {

using crypto::SignatureAlg;

Identity id(const char* s) { return *parse_identity(s); }

TEST(IkeV2Certificates, ChainToTheCaAndIdentityInTheSan) {
    auto pki = Pki::make(SignatureAlg::EcdsaP256Sha256);
    auto leaf =
        pki.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"}, {"198.51.100.2"});
    auto pl = cert_payloads({leaf.cert});
    ASSERT_EQ(pl.size(), 1U);
    EXPECT_EQ(pl[0].type, PayloadType::CERT);
    EXPECT_EQ(pl[0].body[0], kCertEncodingX509Signature);
    auto ok = check_peer_certificates(pl, id("gw-d.example.org"), {pki.ca}, test_time());
    ASSERT_TRUE(ok) << ok.error().reason;
    EXPECT_TRUE(ok->key.equals(*leaf.key->public_key()));
    EXPECT_TRUE(check_peer_certificates(pl, id("198.51.100.2"), {pki.ca}, test_time()));
    EXPECT_TRUE(check_peer_certificates(pl, id("dn:CN=gw-d.example.org"), {pki.ca}, test_time()));
}

TEST(IkeV2Certificates, IdentityNotInTheCertificateIsRefused) {
    auto pki = Pki::make(SignatureAlg::EcdsaP256Sha256);
    auto leaf = pki.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"});
    auto pl = cert_payloads({leaf.cert});
    for (const char* other : {"gw-x.example.org", "198.51.100.2", "2001:db8::2", "dn:CN=gw-x.example.org",
                              "admin@example.org", "keyid:gw-d.example.org"}) {
        auto r = check_peer_certificates(pl, id(other), {pki.ca}, test_time());
        ASSERT_FALSE(r) << other;
        EXPECT_NE(r.error().reason.find("is not in its certificate"), std::string::npos) << r.error().reason;
    }
}

TEST(IkeV2Certificates, WrongCaExpiredAndMissingCertificates) {
    auto pki = Pki::make(SignatureAlg::EcdsaP256Sha256);
    auto other = Pki::make(SignatureAlg::EcdsaP256Sha256, "Other CA");
    auto leaf = pki.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"});
    auto pl = cert_payloads({leaf.cert});
    auto wrong = check_peer_certificates(pl, id("gw-d.example.org"), {other.ca}, test_time());
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().reason.find("does not chain"), std::string::npos) << wrong.error().reason;
    auto late = check_peer_certificates(pl, id("gw-d.example.org"), {pki.ca},
                                        test_time() + std::chrono::hours(24 * 60));
    ASSERT_FALSE(late);
    EXPECT_NE(late.error().reason.find("validity"), std::string::npos) << late.error().reason;
    auto none = check_peer_certificates({}, id("gw-d.example.org"), {pki.ca}, test_time());
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().reason, "no CERT payload from peer");
    auto no_ca = check_peer_certificates(pl, id("gw-d.example.org"), {}, test_time());
    EXPECT_FALSE(no_ca);
    std::vector<RawPayload> junk{RawPayload{PayloadType::CERT, false, {4, 0x30, 0x03, 0x02}}};
    EXPECT_FALSE(check_peer_certificates(junk, id("gw-d.example.org"), {pki.ca}, test_time()));
    std::vector<RawPayload> enc{RawPayload{PayloadType::CERT, false, {12, 1, 2, 3}}};
    auto e = check_peer_certificates(enc, id("gw-d.example.org"), {pki.ca}, test_time());
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().reason, "unsupported CERT encoding 12");
}

TEST(IkeV2Certificates, IntermediateCaFromTheCertPayloads) {
    auto root = Pki::make(SignatureAlg::EcdsaP256Sha256, "Root");
    auto mid =
        root.issue(SignatureAlg::EcdsaP256Sha256, "Intermediate", {}, {}, true, std::chrono::hours(-24), 7);
    Pki inter{mid.key, mid.cert};
    auto leaf = inter.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"});
    auto with = check_peer_certificates(cert_payloads({leaf.cert, mid.cert}), id("gw-d.example.org"),
                                        {root.ca}, test_time());
    EXPECT_TRUE(with) << with.error().reason;
    EXPECT_FALSE(
        check_peer_certificates(cert_payloads({leaf.cert}), id("gw-d.example.org"), {root.ca}, test_time()));
}

TEST(IkeV2Certificates, TooManyCertPayloadsAreRefused) {
    auto pki = Pki::make(SignatureAlg::EcdsaP256Sha256);
    auto leaf = pki.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"});
    std::vector<crypto::Certificate> many(kMaxPeerCertificates + 1, leaf.cert);
    auto r = check_peer_certificates(cert_payloads(many), id("gw-d.example.org"), {pki.ca}, test_time());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "too many CERT payloads");
}

TEST(IkeV2Certificates, CertreqCarriesSha1OfTheCaKeys) {
    auto a = Pki::make(SignatureAlg::EcdsaP256Sha256, "A");
    auto b = Pki::make(SignatureAlg::Ed25519, "B");
    auto p = certreq_payload({a.ca, b.ca});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, PayloadType::CERTREQ);
    auto c = parse_cert(p->body);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->encoding, kCertEncodingX509Signature);
    auto hashes = parse_certreq_hashes(c->data);
    ASSERT_TRUE(hashes);
    ASSERT_EQ(hashes->size(), 2U);
    auto spki = a.ca.public_key()->to_der();
    EXPECT_EQ((*hashes)[0], *crypto::digest(crypto::HashAlg::Sha1, *spki));
    EXPECT_FALSE(parse_certreq_hashes(core::Bytes(21, 0)));
    EXPECT_FALSE(certreq_payload({}));
}

TEST(IkeV2Certificates, SpkiFromTheDerIsLibcryptosEncoding) {
    // RSA (long-form lengths), ECDSA and Ed25519 keys, CA and leaf certificates.
    for (auto alg : {SignatureAlg::RsaPkcs1Sha256, SignatureAlg::EcdsaP256Sha256, SignatureAlg::Ed25519}) {
        auto pki = Pki::make(alg);
        auto leaf = pki.issue(alg, "gw-d.example.org", {"gw-d.example.org"});
        for (const auto* c : {&pki.ca, &leaf.cert}) {
            auto der = c->to_der();
            ASSERT_TRUE(der);
            auto spki = spki_of(*der);
            ASSERT_TRUE(spki);
            EXPECT_EQ(core::Bytes(spki->begin(), spki->end()), *c->public_key()->to_der());
        }
    }
    // Not a certificate: refused, never read past the input.
    auto der = *Pki::make(SignatureAlg::EcdsaP256Sha256).ca.to_der();
    EXPECT_FALSE(spki_of({}));
    EXPECT_FALSE(spki_of(core::ByteView(der).first(der.size() - 1)));
    for (std::size_t n = 0; n < 64; ++n) {
        core::Bytes cut(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(spki_of(cut));
    }
    core::Bytes longlen = {0x30, 0x85, 1, 0, 0, 0, 0};
    EXPECT_FALSE(spki_of(longlen));
}

TEST(IkeV2Certificates, CacheReturnsTheSameCertificateAndStillChecks) {
    auto pki = Pki::make(SignatureAlg::EcdsaP256Sha256);
    auto leaf = pki.issue(SignatureAlg::EcdsaP256Sha256, "gw-d.example.org", {"gw-d.example.org"});
    auto other = Pki::make(SignatureAlg::EcdsaP256Sha256, "Other");
    constexpr std::size_t kCapacity = 32;
    crypto::CertificateCache cache(kCapacity);
    const auto pl = cert_payloads({leaf.cert});
    auto first = check_peer_certificates(pl, id("gw-d.example.org"), {pki.ca}, test_time(), &cache);
    ASSERT_TRUE(first) << first.error().reason;
    EXPECT_EQ(cache.size(), 1U);
    EXPECT_EQ(cache.hits(), 0U);
    auto second = check_peer_certificates(pl, id("gw-d.example.org"), {pki.ca}, test_time(), &cache);
    ASSERT_TRUE(second);
    EXPECT_EQ(cache.hits(), 1U);
    EXPECT_TRUE(second->key.equals(*leaf.key->public_key()));
    // A cached certificate is still checked: wrong CA, wrong ID, expired.
    EXPECT_FALSE(check_peer_certificates(pl, id("gw-d.example.org"), {other.ca}, test_time(), &cache));
    EXPECT_FALSE(check_peer_certificates(pl, id("gw-x.example.org"), {pki.ca}, test_time(), &cache));
    EXPECT_FALSE(check_peer_certificates(pl, id("gw-d.example.org"), {pki.ca},
                                         test_time() + std::chrono::hours(24 * 365 * 20), &cache));
    EXPECT_EQ(cache.hits(), 4U);
    // Junk is not cached; the cache stays bounded, dropping the oldest entry.
    EXPECT_FALSE(cache.parse(core::Bytes(40, 0x30)));
    EXPECT_EQ(cache.size(), 1U);
    for (std::size_t n = 0; n < kCapacity + 3; ++n) {
        auto l = pki.issue(SignatureAlg::EcdsaP256Sha256, "h" + std::to_string(n) + ".example.org", {});
        ASSERT_TRUE(cache.parse(*l.cert.to_der()));
    }
    EXPECT_EQ(cache.size(), kCapacity);
    const auto before = cache.hits();
    ASSERT_TRUE(cache.parse(*leaf.cert.to_der()));
    EXPECT_EQ(cache.hits(), before);  // the leaf was the oldest entry: dropped, parsed again
}

TEST(IkeV2Certificates, DefaultIdentityIsTheSubjectDn) {
    auto pki = Pki::make(SignatureAlg::Ed25519);
    auto leaf = pki.issue(SignatureAlg::Ed25519, "gw-c.example.org", {"gw-c.example.org"});
    auto i = default_identity(leaf.cert);
    ASSERT_TRUE(i);
    EXPECT_EQ(i->type, IdType::DerAsn1Dn);
    EXPECT_TRUE(identity_matches(leaf.cert, *i));
    EXPECT_EQ(to_string(*i), "CN=gw-c.example.org");
    EXPECT_EQ(*i, id("dn:CN=gw-c.example.org"));
    EXPECT_EQ(id("O=interop-test, CN=gw-c.example.org").type, IdType::DerAsn1Dn);
    EXPECT_FALSE(parse_identity("dn:XYZ=1"));
}

}  // namespace
}  // namespace strata::ike::v2::test
