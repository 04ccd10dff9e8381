// connection_test.cpp: tls::Connection client and server in memory (TLS 1.3).
#include "tls/connection.hpp"

#include <gtest/gtest.h>

#include "tls/record.hpp"
#include "tls_test_pki.hpp"

namespace strata::tls {
namespace {

using testing::bytes_of;
using testing::Pair;
using testing::TestPki;

const TestPki& ecdsa_pki() { return testing::shared_pki(crypto::SignatureAlg::EcdsaP256Sha256); }

const TestPki& rsa_pki() { return testing::shared_pki(crypto::SignatureAlg::RsaPssSha256); }

const TestPki& ed25519_pki() { return testing::shared_pki(crypto::SignatureAlg::Ed25519); }

TEST(Connection, HandshakeAndEchoEcdsa) {
    const auto& pki = ecdsa_pki();
    Pair p(testing::client_config(pki), testing::server_config(pki), pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(p.client->negotiated().version, kTls13);
    EXPECT_EQ(p.client->negotiated().cipher_suite, 0x1301);
    EXPECT_EQ(p.client->negotiated().group, kGroupX25519);
    EXPECT_EQ(p.client->negotiated().signature_scheme, 0x0403);
    EXPECT_EQ(p.client->negotiated().peer_subject, "CN=server.example.org");
    EXPECT_EQ(p.server->negotiated().server_name, "server.example.org");
    EXPECT_FALSE(p.client->negotiated().resumed);
    ASSERT_TRUE(p.client->write(bytes_of("ping")));
    ASSERT_TRUE(p.pump());
    EXPECT_EQ(p.server->read(), bytes_of("ping"));
    ASSERT_TRUE(p.server->write(bytes_of("pong")));
    ASSERT_TRUE(p.pump());
    EXPECT_EQ(p.client->read(), bytes_of("pong"));
    ASSERT_TRUE(p.client->close());
    ASSERT_TRUE(p.pump());
    EXPECT_TRUE(p.server->peer_closed());
}

TEST(Connection, RsaPssAndEd25519Certificates) {
    for (const TestPki* pki : {&rsa_pki(), &ed25519_pki()}) {
        Pair p(testing::client_config(*pki), testing::server_config(*pki), pki->now);
        ASSERT_TRUE(p.handshake());
        const auto scheme = p.client->negotiated().signature_scheme;
        EXPECT_TRUE(scheme == 0x0804 || scheme == 0x0807) << scheme;
    }
}

TEST(Connection, EverySuiteAndGroup) {
    const auto& pki = ecdsa_pki();
    for (std::uint16_t suite : {std::uint16_t{0x1301}, std::uint16_t{0x1302}, std::uint16_t{0x1303}}) {
        for (std::uint16_t group : {kGroupX25519, kGroupSecp256r1, kGroupSecp384r1}) {
            auto cc = testing::client_config(pki);
            cc->cipher_suites = {suite};
            cc->groups = {group};
            Pair p(cc, testing::server_config(pki), pki.now);
            ASSERT_TRUE(p.handshake()) << suite << " " << group;
            EXPECT_EQ(p.server->negotiated().cipher_suite, suite);
            EXPECT_EQ(p.server->negotiated().group, group);
            EXPECT_FALSE(p.server->negotiated().hello_retry);
        }
    }
}

TEST(Connection, HelloRetryRequestForAnotherGroup) {
    const auto& pki = ecdsa_pki();
    auto cc = testing::client_config(pki);
    cc->groups = {kGroupX25519, kGroupSecp256r1};
    auto sc = testing::server_config(pki);
    sc->groups = {kGroupSecp256r1};
    Pair p(cc, sc, pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_TRUE(p.client->negotiated().hello_retry);
    EXPECT_TRUE(p.server->negotiated().hello_retry);
    EXPECT_EQ(p.client->negotiated().group, kGroupSecp256r1);
}

TEST(Connection, NoCommonGroupIsHandshakeFailure) {
    const auto& pki = ecdsa_pki();
    auto cc = testing::client_config(pki);
    cc->groups = {kGroupX25519};
    auto sc = testing::server_config(pki);
    sc->groups = {kGroupSecp384r1};
    Pair p(cc, sc, pki.now);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
    ASSERT_TRUE(p.client->peer_alert());
    EXPECT_EQ(p.client->peer_alert()->description, AlertDescription::HandshakeFailure);
}

TEST(Connection, ClientAuthentication) {
    const auto& pki = ecdsa_pki();
    auto cc = testing::client_config(pki);
    cc->certificate_chain = {pki.client_cert};
    cc->private_key = pki.client_key;
    auto sc = testing::server_config(pki);
    sc->verify = VerifyMode::Required;
    Pair p(cc, sc, pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(p.server->negotiated().peer_subject, "CN=client.example.org");
}

TEST(Connection, MissingClientCertificateIsCertificateRequired) {
    const auto& pki = ecdsa_pki();
    auto sc = testing::server_config(pki);
    sc->verify = VerifyMode::Required;
    Pair p(testing::client_config(pki), sc, pki.now);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.server->error(), Error::CertificateRequired);
    ASSERT_TRUE(p.client->peer_alert());
    EXPECT_EQ(p.client->peer_alert()->description, AlertDescription::CertificateRequired);
}

TEST(Connection, WrongNameIsBadCertificate) {
    const auto& pki = ecdsa_pki();
    Pair p(testing::client_config(pki), testing::server_config(pki), pki.now, "other.example.org");
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.client->error(), Error::BadCertificate);
    ASSERT_TRUE(p.server->peer_alert());
    EXPECT_EQ(p.server->peer_alert()->description, AlertDescription::BadCertificate);
}

TEST(Connection, UnknownCaAndExpired) {
    const auto& pki = ecdsa_pki();
    const auto& other = rsa_pki();
    {
        Pair p(testing::client_config(other), testing::server_config(pki), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.client->error(), Error::UnknownCa);
    }
    {
        Pair p(testing::client_config(pki), testing::server_config(pki), pki.now + std::chrono::hours(48));
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.client->error(), Error::CertificateExpired);
    }
}

TEST(Connection, AlpnNegotiatedAndRefused) {
    const auto& pki = ecdsa_pki();
    auto cc = testing::client_config(pki);
    cc->alpn = {"h2", "http/1.1"};
    auto sc = testing::server_config(pki);
    sc->alpn = {"http/1.1"};
    {
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().alpn, "http/1.1");
    }
    sc->alpn = {"imap"};
    Pair p(cc, sc, pki.now);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.server->error(), Error::NoApplicationProtocol);
}

TEST(Connection, ResumptionWithTicket) {
    const auto& pki = ecdsa_pki();
    auto cc = testing::client_config(pki);
    auto sc = testing::server_config(pki);
    {
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
        ASSERT_TRUE(p.pump());
        EXPECT_EQ(cc->sessions->client_size(), 1U);
    }
    Pair p(cc, sc, pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_TRUE(p.client->negotiated().resumed);
    EXPECT_TRUE(p.server->negotiated().resumed);
    EXPECT_EQ(p.client->negotiated().peer_subject, "CN=server.example.org");
    ASSERT_TRUE(p.client->write(bytes_of("again")));
    ASSERT_TRUE(p.pump());
    EXPECT_EQ(p.server->read(), bytes_of("again"));
    // The ticket was single-use: a third connection does a full handshake.
    EXPECT_EQ(sc->sessions->server_size(), 1U);  // the new ticket from connection 2
}

TEST(Connection, KeyUpdateBothWays) {
    const auto& pki = ecdsa_pki();
    Pair p(testing::client_config(pki), testing::server_config(pki), pki.now);
    ASSERT_TRUE(p.handshake());
    ASSERT_TRUE(p.client->key_update(true));
    testing::echo_both_ways(p, "after update", "server after update");
}

TEST(Connection, TamperedRecordIsBadRecordMacAndStaysFailed) {
    const auto& pki = ecdsa_pki();
    Pair p(testing::client_config(pki), testing::server_config(pki), pki.now);
    ASSERT_TRUE(p.handshake());
    ASSERT_TRUE(p.client->write(bytes_of("secret")));
    auto rec = p.client->take_output();
    rec.back() ^= 1;
    EXPECT_EQ(p.server->receive(rec).error(), Error::BadRecordMac);
    ASSERT_TRUE(p.server->sent_alert());
    EXPECT_EQ(p.server->sent_alert()->description, AlertDescription::BadRecordMac);
    EXPECT_EQ(p.server->state(), HandshakeState::Failed);
    EXPECT_EQ(p.server->write(bytes_of("x")).error(), Error::BadRecordMac);
    EXPECT_EQ(p.server->receive(core::Bytes{}).error(), Error::BadRecordMac);
}

TEST(Connection, WriteBeforeHandshakeRefused) {
    const auto& pki = ecdsa_pki();
    Pair p(testing::client_config(pki), testing::server_config(pki), pki.now);
    EXPECT_EQ(p.client->write(bytes_of("early")).error(), Error::InternalError);
}

}  // namespace
}  // namespace strata::tls
