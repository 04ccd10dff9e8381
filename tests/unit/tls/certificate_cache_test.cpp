// A server certificate parsed once is shared by later connections
// (crypto::CertificateCache::shared()), but every new full handshake still
// verifies the chain, its validity at the connection's time and the name.
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "crypto/x509.hpp"
#include "tls_test_pki.hpp"

namespace strata::tls {
namespace {

using testing::Pair;
using testing::TestPki;

const TestPki& pki() { return testing::shared_pki(crypto::SignatureAlg::EcdsaP256Sha256); }

const TestPki& other_pki() {
    static const TestPki p = TestPki::make(crypto::SignatureAlg::EcdsaP256Sha256);
    return p;
}

// configs returns a client and server pair of Configs for version v, without
// session caches (every handshake is a full one).
std::pair<std::shared_ptr<Config>, std::shared_ptr<Config>> configs(const TestPki& trust, std::uint16_t v) {
    auto cc = testing::client_config(trust);
    auto sc = testing::server_config(pki());
    for (auto* c : {cc.get(), sc.get()}) {
        c->min_version = v;
        c->max_version = v;
        c->sessions = nullptr;
    }
    return {cc, sc};
}

class CachedCertificate : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(CachedCertificate, StillVerifiedOnEveryHandshake) {
    const std::uint16_t v = GetParam();
    auto& cache = crypto::CertificateCache::shared();
    {
        auto [cc, sc] = configs(pki(), v);
        Pair p(cc, sc, pki().now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().version, v);
    }
    const auto hits = cache.hits();
    {
        // Same certificate again: taken from the cache, and accepted.
        auto [cc, sc] = configs(pki(), v);
        Pair p(cc, sc, pki().now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().peer_subject, pki().server_cert.subject());
    }
    EXPECT_GT(cache.hits(), hits);
    {
        // A client that does not trust the CA refuses the cached certificate.
        auto [cc, sc] = configs(other_pki(), v);
        Pair p(cc, sc, pki().now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.client->error(), Error::UnknownCa);
    }
    {
        // Expired at this connection's time, though accepted a moment ago.
        auto [cc, sc] = configs(pki(), v);
        Pair p(cc, sc, pki().now + std::chrono::hours(48));
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.client->error(), Error::CertificateExpired);
    }
    {
        // Another name than the certificate's.
        auto [cc, sc] = configs(pki(), v);
        Pair p(cc, sc, pki().now, "other.example.org");
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.client->error(), Error::BadCertificate);
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, CachedCertificate, ::testing::Values(kTls13, kTls12),
                         [](const ::testing::TestParamInfo<std::uint16_t>& i) {
                             return i.param == kTls13 ? std::string("Tls13") : std::string("Tls12");
                         });

}  // namespace
}  // namespace strata::tls
