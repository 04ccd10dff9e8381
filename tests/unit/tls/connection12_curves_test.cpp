// connection12_curves_test.cpp: TLS 1.2 curve and signature negotiation
// (RFC 8422 §5.1, §5.4): the server takes the ECDHE curve from the client's
// supported_groups, keeps an ECDSA certificate to the client's curves and
// signature algorithms, and the client refuses a ServerKeyExchange on a curve
// it did not offer; Ed25519 certificates with ECDHE_ECDSA suites (sig alg
// 0x0807).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "tls/connection.hpp"
#include "tls/record.hpp"
#include "tls12_test_keys.hpp"
#include "tls_test_pki.hpp"

namespace strata::tls {
namespace {

using testing::bytes_of;
using testing::only12;
using testing::Pair;
using testing::TestPki;

const TestPki& ecdsa_pki() { return testing::shared_pki(crypto::SignatureAlg::EcdsaP256Sha256); }

const TestPki& ecdsa384_pki() { return testing::shared_pki(crypto::SignatureAlg::EcdsaP384Sha384); }

const TestPki& ed25519_pki() { return testing::shared_pki(crypto::SignatureAlg::Ed25519); }

// rsa_pki: one fixed RSA key, no key generation (tls12_test_keys.hpp).
const TestPki& rsa_pki() { return testing::fixed_rsa_pki(); }

TEST(Connection12Curves, ServerTakesTheCurveFromTheClientsList) {
    // Server preference is X25519, P-256, P-384; the client lists P-384 then
    // P-256: the server's first choice among them (RFC 8422 §5.1).
    const auto& pki = ecdsa_pki();
    auto cc = only12(testing::client_config(pki));
    cc->groups = {kGroupSecp384r1, kGroupSecp256r1};
    Pair p(cc, only12(testing::server_config(pki)), pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(p.server->negotiated().group, kGroupSecp256r1);
    EXPECT_EQ(p.client->negotiated().group, kGroupSecp256r1);
}

TEST(Connection12Curves, NoCurveInCommonLeavesOnlyRsaKeyTransport) {
    const auto& pki = rsa_pki();
    auto sc = only12(testing::server_config(pki));
    sc->groups = {kGroupX25519};
    {  // ECDHE_RSA and RSA key transport offered: RSA key transport
        auto cc = only12(testing::client_config(pki));
        cc->groups = {kGroupSecp256r1};
        cc->cipher_suites = {0xc02f, 0x009c};
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().cipher_suite, 0x009c);
        EXPECT_EQ(p.client->negotiated().group, 0);
    }
    {  // ECDHE only: handshake_failure
        auto cc = only12(testing::client_config(pki));
        cc->groups = {kGroupSecp256r1};
        cc->cipher_suites = {0xc02f};
        Pair p(cc, sc, pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
        EXPECT_EQ(p.client->peer_alert()->description, AlertDescription::HandshakeFailure);
    }
}

TEST(Connection12Curves, EcdsaCertificateOnlyOnACurveTheClientListed) {
    // RFC 8422 §5.1: a P-256 certificate needs secp256r1 in the client's
    // list even when the ECDHE curve is another one.
    const auto& pki = ecdsa_pki();
    {
        auto cc = only12(testing::client_config(pki));
        cc->groups = {kGroupX25519, kGroupSecp384r1};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
        EXPECT_EQ(p.client->peer_alert()->description, AlertDescription::HandshakeFailure);
    }
    {
        auto cc = only12(testing::client_config(pki));
        cc->groups = {kGroupX25519, kGroupSecp256r1};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().group, kGroupX25519);
        EXPECT_EQ(p.client->negotiated().cipher_suite, 0xc02b);
    }
    {  // a P-384 certificate: secp384r1 must be listed
        const auto& p384 = ecdsa384_pki();
        auto cc = only12(testing::client_config(p384));
        cc->groups = {kGroupX25519, kGroupSecp256r1};
        Pair p(cc, only12(testing::server_config(p384)), p384.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
        cc->groups = {kGroupX25519, kGroupSecp384r1};
        Pair q(cc, only12(testing::server_config(p384)), p384.now);
        ASSERT_TRUE(q.handshake());
        EXPECT_EQ(q.client->negotiated().signature_scheme, 0x0503);
    }
}

TEST(Connection12Curves, ServerSignsOnlyWithAnAlgorithmTheClientOffered) {
    const auto& pki = ecdsa_pki();
    {  // no ECDSA algorithm offered: no ECDHE_ECDSA suite
        auto cc = only12(testing::client_config(pki));
        cc->signature_schemes = {0x0804, 0x0401};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
    }
    {
        auto cc = only12(testing::client_config(pki));
        cc->signature_schemes = {0x0804, 0x0403};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().signature_scheme, 0x0403);
    }
}

// server_flight returns the server's records answering the client's hello.
std::vector<core::Bytes> server_flight(Pair& p) {
    EXPECT_TRUE(p.client->start());
    EXPECT_TRUE(p.server->receive(p.client->take_output()));
    std::vector<core::Bytes> out;
    const core::Bytes all = p.server->take_output();
    for (std::size_t at = 0; at + 5 <= all.size();) {
        const std::size_t len = (std::size_t{all[at + 3]} << 8) | all[at + 4];
        out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at),
                         all.begin() + static_cast<std::ptrdiff_t>(at + 5 + len));
        at += 5 + len;
    }
    return out;
}

TEST(Connection12Curves, ClientRefusesServerKeyExchangeOnACurveNotOffered) {
    // RFC 8422 §5.4: the server's curve must be one the client offered;
    // anything else is illegal_parameter (checked before the signature).
    const auto& pki = rsa_pki();
    for (const std::uint16_t other : {kGroupSecp256r1, kGroupSecp384r1, std::uint16_t{0x001e}}) {
        auto cc = only12(testing::client_config(pki));
        cc->groups = {kGroupX25519};
        cc->cipher_suites = {0xc02f};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        auto flight = server_flight(p);
        auto ske = std::find_if(flight.begin(), flight.end(), [](const core::Bytes& r) {
            return r.size() > 9 && r[5] == static_cast<std::uint8_t>(HandshakeType::ServerKeyExchange);
        });
        ASSERT_NE(ske, flight.end());
        // record 5 | handshake 4 | curve_type 1 | named_curve 2
        ASSERT_EQ((*ske)[9], 3);
        ASSERT_EQ(((*ske)[10] << 8) | (*ske)[11], kGroupX25519);
        (*ske)[10] = static_cast<std::uint8_t>(other >> 8);
        (*ske)[11] = static_cast<std::uint8_t>(other);
        Status s;
        for (const auto& r : flight) {
            s = p.client->receive(r);
            if (!s) break;
        }
        EXPECT_FALSE(s) << other;
        EXPECT_EQ(p.client->error(), Error::IllegalParameter) << other;
        EXPECT_EQ(p.client->sent_alert()->description, AlertDescription::IllegalParameter);
    }
}

TEST(Connection12Curves, Ed25519CertificateWithEcdheEcdsa) {
    // RFC 8422 §5.1: Ed25519 certificates serve ECDHE_ECDSA suites, signed
    // with ed25519 (0x0807) in the ServerKeyExchange.
    const auto& pki = ed25519_pki();
    for (const std::uint16_t suite : {std::uint16_t{0xc02b}, std::uint16_t{0xcca9}, std::uint16_t{0xc009}}) {
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {suite};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake()) << suite;
        EXPECT_EQ(p.client->negotiated().cipher_suite, suite);
        EXPECT_EQ(p.client->negotiated().signature_scheme, 0x0807);
        EXPECT_EQ(p.client->negotiated().peer_subject, "CN=server.example.org");
        ASSERT_TRUE(p.client->write(bytes_of("ping")));
        ASSERT_TRUE(p.pump());
        EXPECT_EQ(p.server->read(), bytes_of("ping"));
    }
    {  // an Ed25519 client certificate: the CertificateRequest lists ed25519
        // (RFC 8422 §5.5) and its CertificateVerify signs the messages (RFC 5246 §7.4.8)
        auto cc = only12(testing::client_config(pki));
        cc->certificate_chain = {pki.client_cert};
        cc->private_key = pki.client_key;
        auto sc = only12(testing::server_config(pki));
        sc->verify = VerifyMode::Required;
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.server->negotiated().peer_subject, "CN=client.example.org");
        EXPECT_EQ(p.server->negotiated().signature_scheme, 0x0807);
    }
    {  // a client that does not offer ed25519: no suite the certificate can serve
        auto cc = only12(testing::client_config(pki));
        cc->signature_schemes = {0x0403, 0x0804};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
    }
    {  // ECDHE_RSA and RSA key transport cannot use it
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {0xc02f, 0x009c};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
    }
}

}  // namespace
}  // namespace strata::tls
