// Tests of crypto::CertificateCache and of the DER a Certificate keeps.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "crypto/signature.hpp"
#include "crypto/x509.hpp"

namespace strata::crypto {
namespace {

using std::chrono::hours;

// 2030-01-01T00:00:00Z: a fixed time so the tests never read the clock.
const core::WallTime kStart = std::chrono::system_clock::from_time_t(1893456000);

Certificate make_cert(const std::string& cn, std::uint64_t serial) {
    static const PrivateKey key = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    CertificateSpec s;
    s.common_name = cn;
    s.dns_names = {cn};
    s.not_before = kStart;
    s.not_after = kStart + hours(24 * 365);
    s.serial = serial;
    return issue_certificate(s, key.public_key().value(), key, nullptr).value();
}

TEST(CertificateDer, KeptEncodingMatchesReEncoding) {
    const Certificate c = make_cert("a.example.test", 1);
    ASSERT_FALSE(c.der().empty());
    const auto again = Certificate::from_der(c.der());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->to_der().value(), c.to_der().value());
    EXPECT_EQ(again->subject(), c.subject());
    const auto pem = Certificate::from_pem(c.to_pem().value());
    ASSERT_TRUE(pem);
    EXPECT_EQ(pem->to_der().value(), core::Bytes(c.der().begin(), c.der().end()));
    const Certificate copy = c;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
    EXPECT_EQ(copy.der().data(), c.der().data());  // shared, not copied
}

TEST(CertificateCache, SecondParseSharesTheFirst) {
    CertificateCache cache(4);
    const Certificate c = make_cert("b.example.test", 2);
    const core::Bytes der = c.to_der().value();
    auto first = cache.parse(der);
    ASSERT_TRUE(first);
    auto second = cache.parse(der);
    ASSERT_TRUE(second);
    EXPECT_EQ(first->native(), second->native());  // one libcrypto object
    EXPECT_EQ(cache.hits(), 1U);
    EXPECT_EQ(cache.misses(), 1U);
    EXPECT_EQ(cache.size(), 1U);
    EXPECT_EQ(second->subject(), c.subject());
}

TEST(CertificateCache, DifferentBytesAreDifferentEntries) {
    CertificateCache cache(4);
    const core::Bytes a = make_cert("c.example.test", 3).to_der().value();
    const core::Bytes b = make_cert("c.example.test", 4).to_der().value();  // same name, other serial
    auto ca = cache.parse(a);
    auto cb = cache.parse(b);
    ASSERT_TRUE(ca);
    ASSERT_TRUE(cb);
    EXPECT_NE(ca->native(), cb->native());
    EXPECT_EQ(cache.misses(), 2U);
    EXPECT_EQ(cache.hits(), 0U);
}

TEST(CertificateCache, MalformedIsRefusedAndNotKept) {
    CertificateCache cache(4);
    core::Bytes der = make_cert("d.example.test", 5).to_der().value();
    der.push_back(0);  // trailing byte
    auto r = cache.parse(der);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), core::Error::DecodeFailed);
    EXPECT_EQ(cache.size(), 0U);
    const core::Bytes garbage = {0x30, 0x03, 0x02, 0x01};
    EXPECT_FALSE(cache.parse(garbage));
    EXPECT_FALSE(cache.parse({}));
    EXPECT_EQ(cache.size(), 0U);
}

TEST(CertificateCache, OldestEntryGoesWhenFull) {
    CertificateCache cache(2);
    const core::Bytes d1 = make_cert("e1.example.test", 6).to_der().value();
    const core::Bytes d2 = make_cert("e2.example.test", 7).to_der().value();
    const core::Bytes d3 = make_cert("e3.example.test", 8).to_der().value();
    auto c1 = cache.parse(d1);
    ASSERT_TRUE(c1);
    ASSERT_TRUE(cache.parse(d2));
    ASSERT_TRUE(cache.parse(d3));  // evicts d1
    EXPECT_EQ(cache.size(), 2U);
    auto again = cache.parse(d1);  // parsed anew
    ASSERT_TRUE(again);
    EXPECT_NE(again->native(), c1->native());
    EXPECT_EQ(cache.hits(), 0U);
    EXPECT_EQ(cache.misses(), 4U);
    // The evicted certificate stays valid for whoever still holds it.
    EXPECT_EQ(c1->subject(), again->subject());
    EXPECT_TRUE(cache.parse(d3));
    EXPECT_EQ(cache.hits(), 1U);
}

TEST(KeyType, CachedTypeSurvivesCopiesAndPublicKey) {
    const PrivateKey ec = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    EXPECT_EQ(ec.type(), KeyType::EcP256);
    const PublicKey pub = ec.public_key().value();
    EXPECT_EQ(pub.type(), KeyType::EcP256);
    PublicKey copy = pub;
    EXPECT_EQ(copy.type(), KeyType::EcP256);
    const PrivateKey ed = PrivateKey::generate(SignatureAlg::Ed25519).value();
    copy = ed.public_key().value();
    EXPECT_EQ(copy.type(), KeyType::Ed25519);
    EXPECT_TRUE(key_fits(copy.type(), SignatureAlg::Ed25519));
    EXPECT_FALSE(key_fits(copy.type(), SignatureAlg::EcdsaP256Sha256));
}

}  // namespace
}  // namespace strata::crypto
