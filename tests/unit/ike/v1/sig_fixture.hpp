// sig_fixture.hpp: fixed ECDSA P-256 keys and certificates for the IKEv1
// signature fuzzers and tests: the same keys every run, so that a recorded
// exchange replays and a crash reproduces. Test-only keys, never secret.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/v1/engine.hpp"

namespace strata::ike::v1::test {

inline constexpr const char* kFixedKeyCa = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgql1mXP2/4M5D3B6p
QnmMFIoSGI0MnexUMjB693UQh0ahRANCAASU4xekRc5Zey/ztDBADuh8GuLIsfsR
y6M2ajXg+R0uF+szJovwmdtwX6gl/N6goYbj99U/GpeQ7IgG8U4pCTmv
-----END PRIVATE KEY-----
)";
inline constexpr const char* kFixedKeyA = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrngXC9AuoNsDfvsP
/XrhqZf4/wB1ZxMuf2JK+x8zhsyhRANCAARDlBYxJfBI9YzCKgykhh4dZqXoG8Va
o7XAM0XAnK5z3/eO6ud54oH5N8Ds1onvpQwvFHUuB5AhYvbSpdeAqsHD
-----END PRIVATE KEY-----
)";
inline constexpr const char* kFixedKeyB = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcF8CpZ9if4vEONjC
A7/3/i3Gb1Y894B/vzzaW27rT3ShRANCAATG7U5ccjUPMPx6ep/bsos4GpC8b509
5YR0ABqbIkJ7io0TSXaH+hFkrzokJJvRxGc+EjSMbGaSX/aDJvY2v/Vo
-----END PRIVATE KEY-----
)";

// sig_time is the calendar time at which the fixed certificates are valid.
inline core::WallTime sig_time() { return core::WallTime{} + std::chrono::hours(24 * 365 * 56); }

// FixedPki is a CA and two gateway certificates (gw-a.example.org,
// gw-b.example.org) made from the fixed keys.
struct FixedPki {
    crypto::Certificate ca;
    crypto::Certificate a;
    crypto::Certificate b;
    std::shared_ptr<const crypto::PrivateKey> key_a;
    std::shared_ptr<const crypto::PrivateKey> key_b;
};

inline crypto::Certificate fixed_issue(const char* cn, const crypto::PrivateKey& subject,
                                       const crypto::PrivateKey& ca_key, const crypto::Certificate* ca,
                                       std::uint64_t serial) {
    crypto::CertificateSpec spec;
    spec.common_name = cn;
    if (ca != nullptr) spec.dns_names = {cn};
    spec.is_ca = ca == nullptr;
    spec.serial = serial;
    spec.not_before = sig_time() - std::chrono::hours(24);
    spec.not_after = sig_time() + std::chrono::hours(24 * 30);
    return crypto::issue_certificate(spec, subject.public_key().value(), ca_key, ca).value();
}

// fixed_pki returns the PKI, made once.
inline const FixedPki& fixed_pki() {
    static const FixedPki pki = [] {
        auto ca_key = crypto::PrivateKey::from_pem(kFixedKeyCa).value();
        auto a = std::make_shared<const crypto::PrivateKey>(crypto::PrivateKey::from_pem(kFixedKeyA).value());
        auto b = std::make_shared<const crypto::PrivateKey>(crypto::PrivateKey::from_pem(kFixedKeyB).value());
        crypto::Certificate ca = fixed_issue("Fixed IKEv1 Test CA", ca_key, ca_key, nullptr, 1);
        crypto::Certificate ca_a = fixed_issue("gw-a.example.org", *a, ca_key, &ca, 2);
        crypto::Certificate ca_b = fixed_issue("gw-b.example.org", *b, ca_key, &ca, 3);
        return FixedPki{ca, ca_a, ca_b, a, b};
    }();
    return pki;
}

// with_fixed_cert turns a PSK connection into an ECDSA P-256 certificate one
// (RFC 4754 method 9): side a is gw-a.example.org, else gw-b.example.org.
inline Connection with_fixed_cert(Connection c, bool side_a) {
    const FixedPki& p = fixed_pki();
    c.base.psk = core::SecretBytes{};
    c.base.auth = AuthKind::PublicKey;
    c.base.local_certs = {side_a ? p.a : p.b};
    c.base.private_key = side_a ? p.key_a : p.key_b;
    c.base.ca_certs = {p.ca};
    c.base.local_id = *parse_identity(side_a ? "gw-a.example.org" : "gw-b.example.org");
    c.base.remote_id = *parse_identity(side_a ? "gw-b.example.org" : "gw-a.example.org");
    return c;
}

}  // namespace strata::ike::v1::test
