#include "crypto/x509.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace strata::crypto {
namespace {

using core::Error;
using std::chrono::hours;

// 2030-01-01T00:00:00Z and friends: fixed times so tests never read the clock.
const core::WallTime kStart = std::chrono::system_clock::from_time_t(1893456000);
const core::WallTime kYear = kStart + hours(24 * 365);
const core::WallTime kMid = kStart + hours(24 * 100);

CertificateSpec spec(std::string cn, bool is_ca, core::WallTime not_before, core::WallTime not_after,
                     std::uint64_t serial) {
    CertificateSpec s;
    s.common_name = std::move(cn);
    s.is_ca = is_ca;
    s.not_before = not_before;
    s.not_after = not_after;
    s.serial = serial;
    return s;
}

CertificateSpec leaf_spec(core::WallTime not_after) {
    CertificateSpec s = spec("gw.example.test", false, kStart, not_after, 3);
    s.dns_names = {"gw.example.test", "*.vpn.example.test"};
    s.ip_addresses = {"192.0.2.7", "2001:db8::7"};
    return s;
}

// Chain is a root CA, an intermediate CA and a leaf, all ECDSA P-256.
struct Chain {
    PrivateKey root_key = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    PrivateKey inter_key = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    PrivateKey leaf_key = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256).value();
    Certificate root;
    Certificate inter;
    Certificate leaf;

    static Certificate make(const CertificateSpec& spec, const PrivateKey& subject,
                            const PrivateKey& issuer_key, const Certificate* issuer) {
        return issue_certificate(spec, subject.public_key().value(), issuer_key, issuer).value();
    }

    explicit Chain(core::WallTime leaf_not_after = kYear)
        : root(make(spec("Strata Test Root", true, kStart, kStart + hours(24 * 3650), 1), root_key, root_key,
                    nullptr)),
          inter(make(spec("Strata Test Intermediate", true, kStart, kStart + hours(24 * 1825), 2), inter_key,
                     root_key, &root)),
          leaf(make(leaf_spec(leaf_not_after), leaf_key, inter_key, &inter)) {}
};

TEST(X509, ChainVerifies) {
    Chain c;
    TrustStore store;
    ASSERT_TRUE(store.add(c.root));
    EXPECT_EQ(store.size(), 1u);
    const Certificate inters[] = {c.inter};
    EXPECT_TRUE(store.verify(c.leaf, inters, kMid));
}

TEST(X509, MissingIntermediateIsUntrusted) {
    Chain c;
    TrustStore store;
    ASSERT_TRUE(store.add(c.root));
    EXPECT_EQ(store.verify(c.leaf, {}, kMid).error(), Error::CertificateUntrusted);
}

TEST(X509, OtherRootIsUntrusted) {
    Chain c;
    Chain other;
    TrustStore store;
    ASSERT_TRUE(store.add(other.root));
    const Certificate inters[] = {c.inter};
    EXPECT_EQ(store.verify(c.leaf, inters, kMid).error(), Error::CertificateUntrusted);
    TrustStore empty;
    EXPECT_EQ(empty.verify(c.leaf, inters, kMid).error(), Error::CertificateUntrusted);
}

TEST(X509, ExpiredAndNotYetValid) {
    Chain c;
    TrustStore store;
    ASSERT_TRUE(store.add(c.root));
    const Certificate inters[] = {c.inter};
    EXPECT_EQ(store.verify(c.leaf, inters, kYear + hours(1)).error(), Error::CertificateExpired);
    EXPECT_EQ(store.verify(c.leaf, inters, kStart - hours(1)).error(), Error::CertificateExpired);
}

TEST(X509, TamperedLeafIsUntrusted) {
    Chain c;
    Chain other;
    TrustStore store;
    ASSERT_TRUE(store.add(c.root));
    // Same names, but the intermediate's key is another one: signature fails.
    const Certificate inters[] = {other.inter};
    EXPECT_EQ(store.verify(c.leaf, inters, kMid).error(), Error::CertificateUntrusted);
}

TEST(X509, HostNames) {
    Chain c;
    EXPECT_TRUE(check_host(c.leaf, "gw.example.test"));
    EXPECT_TRUE(check_host(c.leaf, "GW.Example.Test"));
    EXPECT_TRUE(check_host(c.leaf, "a.vpn.example.test"));
    EXPECT_EQ(check_host(c.leaf, "a.b.vpn.example.test").error(), Error::NameMismatch);
    EXPECT_EQ(check_host(c.leaf, "other.example.test").error(), Error::NameMismatch);
    EXPECT_EQ(check_host(c.leaf, "").error(), Error::NameMismatch);
    // The CN is not consulted: the intermediate's CN is not a SAN.
    EXPECT_EQ(check_host(c.inter, "Strata Test Intermediate").error(), Error::NameMismatch);
}

TEST(X509, IpAddresses) {
    Chain c;
    EXPECT_TRUE(check_ip(c.leaf, "192.0.2.7"));
    EXPECT_TRUE(check_ip(c.leaf, "2001:db8::7"));
    EXPECT_TRUE(check_ip(c.leaf, "2001:0db8:0:0:0:0:0:7"));
    EXPECT_EQ(check_ip(c.leaf, "192.0.2.8").error(), Error::NameMismatch);
    EXPECT_EQ(check_ip(c.leaf, "2001:db8::8").error(), Error::NameMismatch);
    EXPECT_EQ(check_ip(c.leaf, "gw.example.test").error(), Error::NameMismatch);
    EXPECT_EQ(check_ip(c.leaf, "").error(), Error::NameMismatch);
}

TEST(X509, FieldsAndEncodings) {
    Chain c;
    EXPECT_EQ(c.leaf.subject(), "CN=gw.example.test");
    EXPECT_EQ(c.leaf.issuer(), "CN=Strata Test Intermediate");
    EXPECT_EQ(c.leaf.not_before(), kStart);
    EXPECT_EQ(c.leaf.not_after(), kYear);
    auto pub = c.leaf.public_key();
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->equals(c.leaf_key.public_key().value()));
    EXPECT_EQ(pub->type(), KeyType::EcP256);

    auto der = c.leaf.to_der();
    ASSERT_TRUE(der);
    auto back = Certificate::from_der(*der);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->subject(), c.leaf.subject());
    core::Bytes trailing = *der;
    trailing.push_back(0);
    EXPECT_EQ(Certificate::from_der(trailing).error(), Error::DecodeFailed);
    EXPECT_EQ(Certificate::from_der({}).error(), Error::DecodeFailed);
}

TEST(X509, MultiCertificatePem) {
    Chain c;
    const std::string bundle = c.leaf.to_pem().value() + c.inter.to_pem().value() + c.root.to_pem().value();
    auto certs = Certificate::all_from_pem(bundle);
    ASSERT_TRUE(certs);
    ASSERT_EQ(certs->size(), 3u);
    EXPECT_EQ((*certs)[2].subject(), "CN=Strata Test Root");
    EXPECT_EQ(Certificate::from_pem(bundle)->subject(), "CN=gw.example.test");
    EXPECT_EQ(Certificate::all_from_pem("no pem here").error(), Error::DecodeFailed);
    const std::string broken = bundle + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    EXPECT_EQ(Certificate::all_from_pem(broken).error(), Error::DecodeFailed);

    TrustStore store;
    ASSERT_TRUE(store.add_pem(c.root.to_pem().value()));
    const Certificate inters[] = {c.inter};
    EXPECT_TRUE(store.verify(c.leaf, inters, kMid));
}

TEST(X509, RsaAndEd25519Issuers) {
    for (SignatureAlg alg : {SignatureAlg::RsaPkcs1Sha256, SignatureAlg::Ed25519}) {
        auto key = PrivateKey::generate(alg);
        ASSERT_TRUE(key);
        auto root =
            issue_certificate(spec("root", true, kStart, kYear, 1), key->public_key().value(), *key, nullptr);
        ASSERT_TRUE(root);
        TrustStore store;
        ASSERT_TRUE(store.add(*root));
        EXPECT_TRUE(store.verify(*root, {}, kMid));
    }
}

}  // namespace
}  // namespace strata::crypto
