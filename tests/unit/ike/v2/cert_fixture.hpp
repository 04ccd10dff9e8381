// cert_fixture.hpp: throw-away PKIs for the IKEv2 certificate tests, made
// with the crypto wrappers at run time (a CA, optionally an intermediate,
// and gateway certificates valid around a fixed test time).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crypto/signature.hpp"
#include "crypto/x509.hpp"

namespace strata::ike::v2::test {

// kTestRsaBits keeps RSA key generation quick in tests (the wire format and
// the code paths are the same as with 2048-bit keys).
inline constexpr std::size_t kTestRsaBits = 1024;

// kTestTime is the wall time at which the test certificates are valid.
inline core::WallTime test_time() { return core::WallTime{} + std::chrono::hours(24 * 365 * 56); }  // 2026

// Pki is a CA with its key and the certificates it issued.
struct Pki {
    std::shared_ptr<crypto::PrivateKey> ca_key;
    crypto::Certificate ca;

    // make creates a self-signed CA whose key fits alg.
    static Pki make(crypto::SignatureAlg alg, const std::string& name = "Test IKE CA") {
        auto key = crypto::PrivateKey::generate(alg, kTestRsaBits);
        EXPECT_TRUE(key);
        auto k = std::make_shared<crypto::PrivateKey>(std::move(key).value());
        crypto::CertificateSpec spec;
        spec.common_name = name;
        spec.is_ca = true;
        spec.not_before = test_time() - std::chrono::hours(24);
        spec.not_after = test_time() + std::chrono::hours(24 * 30);
        auto pub = k->public_key();
        auto c = crypto::issue_certificate(spec, *pub, *k, nullptr);
        EXPECT_TRUE(c);
        return Pki{k, std::move(c).value()};
    }

    // Leaf is a certificate with its private key.
    struct Leaf {
        std::shared_ptr<crypto::PrivateKey> key;
        crypto::Certificate cert;
    };

    // issue makes a certificate for a fresh key of alg with the given SANs.
    [[nodiscard]] Leaf issue(crypto::SignatureAlg alg, const std::string& cn, std::vector<std::string> dns,
                             std::vector<std::string> ips = {}, bool is_ca = false,
                             std::chrono::hours valid_from = std::chrono::hours(-24),
                             std::uint64_t serial = 2) const {
        auto key = crypto::PrivateKey::generate(alg, kTestRsaBits);
        EXPECT_TRUE(key);
        auto k = std::make_shared<crypto::PrivateKey>(std::move(key).value());
        crypto::CertificateSpec spec;
        spec.common_name = cn;
        spec.dns_names = std::move(dns);
        spec.ip_addresses = std::move(ips);
        spec.is_ca = is_ca;
        spec.serial = serial;
        spec.not_before = test_time() + valid_from;
        spec.not_after = spec.not_before + std::chrono::hours(24 * 30);
        auto pub = k->public_key();
        auto c = crypto::issue_certificate(spec, *pub, *ca_key, &ca);
        EXPECT_TRUE(c);
        return Leaf{k, std::move(c).value()};
    }
};

}  // namespace strata::ike::v2::test
