// connection_bad_input_test.cpp: hostile or broken peers, each answered with
// the fatal alert RFC 8446 §6.2 names, and the connection staying failed.
#include <gtest/gtest.h>

#include "crypto/dh.hpp"
#include "tls/connection.hpp"
#include "tls/handshake.hpp"
#include "tls/record.hpp"
#include "tls_test_pki.hpp"

namespace strata::tls {
namespace {

using testing::TestPki;

const TestPki& pki() {
    static const TestPki p = TestPki::make(crypto::SignatureAlg::EcdsaP256Sha256);
    return p;
}

core::Bytes hello_record(const ClientHello& ch, std::uint16_t record_version = kTls10) {
    auto body = build_client_hello(ch).value();
    auto msg = build_handshake(HandshakeType::ClientHello, body).value();
    core::Bytes out;
    EXPECT_TRUE(write_plaintext_records(ContentType::Handshake, record_version, msg, out));
    return out;
}

ClientHello tls13_hello() {
    ClientHello ch;
    ch.random.fill(7);
    ch.cipher_suites = {0x1301};
    ch.extensions.push_back(make_supported_versions_ch(std::vector<std::uint16_t>{kTls13}).value());
    ch.extensions.push_back(
        make_u16_list(ExtensionType::SupportedGroups, std::vector<std::uint16_t>{kGroupX25519}).value());
    ch.extensions.push_back(
        make_u16_list(ExtensionType::SignatureAlgorithms, std::vector<std::uint16_t>{0x0403}).value());
    crypto::SeededRandom rng(core::Bytes{9});
    auto kx = crypto::KeyExchange::generate(crypto::DhGroup::X25519, rng).value();
    const std::vector<KeyShareEntry> shares{
        KeyShareEntry{kGroupX25519, kx.public_value(crypto::Encoding::Tls)}};
    ch.extensions.push_back(make_key_share_ch(shares).value());
    return ch;
}

struct ServerUnderTest {
    core::ManualClock clock{pki().now};
    crypto::SeededRandom rng{core::Bytes{3}};
    std::unique_ptr<Connection> server =
        std::move(Connection::server(testing::server_config(pki()), clock, rng).value());

    // feed delivers bytes and returns the error and the alert sent.
    std::pair<Error, AlertDescription> feed(core::ByteView bytes) {
        auto st = server->receive(bytes);
        EXPECT_FALSE(st.ok());
        EXPECT_EQ(server->state(), HandshakeState::Failed);
        auto out = server->take_output();
        // The alert is the last record: 21 03 03 00 02 02 <description>.
        EXPECT_GE(out.size(), 7U);
        EXPECT_EQ(out[out.size() - 7], 21);
        EXPECT_EQ(out[out.size() - 2], 2);  // fatal
        return {st.ok() ? Error::InternalError : st.error(), static_cast<AlertDescription>(out.back())};
    }
};

TEST(ConnectionBadInput, WellFormedHelloIsAccepted) {
    ServerUnderTest s;
    ASSERT_TRUE(s.server->receive(hello_record(tls13_hello())));
    EXPECT_EQ(s.server->state(), HandshakeState::WaitClientFinished);
}

TEST(ConnectionBadInput, Ssl3AndTls10And11HellosGetProtocolVersion) {
    for (std::uint16_t v : {std::uint16_t{0x0300}, kTls10, kTls11, kTls12}) {
        ServerUnderTest s;
        ClientHello ch;
        ch.legacy_version = v;
        ch.cipher_suites = {0x002f, 0x0035};
        ch.has_extensions = false;
        auto [err, alert] = s.feed(hello_record(ch, v == 0x0300 ? 0x0300 : kTls10));
        EXPECT_EQ(err, Error::ProtocolVersion) << v;
        EXPECT_EQ(alert, AlertDescription::ProtocolVersion) << v;
    }
}

TEST(ConnectionBadInput, NonNullCompressionRefused) {
    ServerUnderTest s;
    ClientHello ch = tls13_hello();
    ch.compression_methods = {1, 0};  // DEFLATE offered beside null (CRIME)
    auto [err, alert] = s.feed(hello_record(ch));
    EXPECT_EQ(err, Error::CompressionRefused);
    EXPECT_EQ(alert, AlertDescription::IllegalParameter);
}

TEST(ConnectionBadInput, TruncatedHelloIsDecodeError) {
    ServerUnderTest s;
    auto rec = hello_record(tls13_hello());
    // Shorten the handshake body by one byte inside a consistent record.
    core::Bytes body(rec.begin() + 5, rec.end() - 1);
    body[3] = static_cast<std::uint8_t>(body[3] - 1);
    core::Bytes out;
    ASSERT_TRUE(write_plaintext_records(ContentType::Handshake, kTls10, body, out));
    auto [err, alert] = s.feed(out);
    EXPECT_EQ(alert, AlertDescription::DecodeError) << to_string(err);
}

TEST(ConnectionBadInput, FinishedFirstIsUnexpectedMessage) {
    ServerUnderTest s;
    auto fin = build_handshake(HandshakeType::Finished, core::Bytes(32, 0)).value();
    core::Bytes out;
    ASSERT_TRUE(write_plaintext_records(ContentType::Handshake, kTls12, fin, out));
    auto [err, alert] = s.feed(out);
    EXPECT_EQ(err, Error::UnexpectedMessage);
    EXPECT_EQ(alert, AlertDescription::UnexpectedMessage);
}

TEST(ConnectionBadInput, ApplicationDataBeforeHandshakeIsUnexpectedMessage) {
    ServerUnderTest s;
    const core::Bytes rec{23, 3, 3, 0, 1, 0x41};
    auto [err, alert] = s.feed(rec);
    EXPECT_EQ(alert, AlertDescription::UnexpectedMessage) << to_string(err);
}

TEST(ConnectionBadInput, UnknownContentTypeAndOversizedRecord) {
    {
        ServerUnderTest s;
        auto [err, alert] = s.feed(core::Bytes{99, 3, 3, 0, 1, 0});
        EXPECT_EQ(alert, AlertDescription::UnexpectedMessage) << to_string(err);
    }
    {
        ServerUnderTest s;
        auto [err, alert] = s.feed(core::Bytes{22, 3, 3, 0x40, 0x01});
        EXPECT_EQ(alert, AlertDescription::RecordOverflow) << to_string(err);
    }
}

TEST(ConnectionBadInput, NoCommonSuiteIsHandshakeFailure) {
    ServerUnderTest s;
    ClientHello ch = tls13_hello();
    ch.cipher_suites = {0xc02f};
    auto [err, alert] = s.feed(hello_record(ch));
    EXPECT_EQ(err, Error::HandshakeFailure);
    EXPECT_EQ(alert, AlertDescription::HandshakeFailure);
}

TEST(ConnectionBadInput, MissingKeyShareIsMissingExtension) {
    ServerUnderTest s;
    ClientHello ch = tls13_hello();
    ch.extensions.pop_back();  // key_share
    auto [err, alert] = s.feed(hello_record(ch));
    EXPECT_EQ(err, Error::MissingExtension);
    EXPECT_EQ(alert, AlertDescription::MissingExtension);
}

TEST(ConnectionBadInput, InvalidKeyShareIsIllegalParameter) {
    ServerUnderTest s;
    ClientHello ch = tls13_hello();
    ch.extensions.pop_back();
    const std::vector<KeyShareEntry> shares{
        KeyShareEntry{kGroupX25519, core::Bytes(32, 0)}};  // all-zero result
    ch.extensions.push_back(make_key_share_ch(shares).value());
    auto [err, alert] = s.feed(hello_record(ch));
    EXPECT_EQ(err, Error::IllegalParameter);
    EXPECT_EQ(alert, AlertDescription::IllegalParameter);
}

// A client facing a broken or downgrading server.
struct ClientUnderTest {
    core::ManualClock clock{pki().now};
    crypto::SeededRandom rng{core::Bytes{4}};
    std::shared_ptr<Config> cfg = [] {
        auto c = testing::client_config(pki());
        c->middlebox_compat = false;  // empty legacy_session_id: the forged ServerHellos echo it
        return c;
    }();
    std::unique_ptr<Connection> client =
        std::move(Connection::client(cfg, "server.example.org", clock, rng).value());

    ClientUnderTest() {
        EXPECT_TRUE(client->start());
        (void)client->take_output();
    }

    Error feed_server_hello(const ServerHello& sh) {
        auto body = build_server_hello(sh).value();
        auto msg = build_handshake(HandshakeType::ServerHello, body).value();
        core::Bytes out;
        EXPECT_TRUE(write_plaintext_records(ContentType::Handshake, kTls12, msg, out));
        auto st = client->receive(out);
        EXPECT_FALSE(st.ok());
        return st.ok() ? Error::InternalError : st.error();
    }
};

TEST(ConnectionBadInput, DowngradeSentinelIsIllegalParameter) {
    ClientUnderTest c;
    ServerHello sh;
    sh.random.fill(5);
    set_downgrade_sentinel(sh.random, Downgrade::Tls12);
    sh.cipher_suite = 0xc02f;
    EXPECT_EQ(c.feed_server_hello(sh), Error::DowngradeDetected);
    ASSERT_TRUE(c.client->sent_alert());
    EXPECT_EQ(c.client->sent_alert()->description, AlertDescription::IllegalParameter);
}

TEST(ConnectionBadInput, Tls12ServerIsProtocolVersion) {
    ClientUnderTest c;
    ServerHello sh;
    sh.random.fill(5);
    sh.cipher_suite = 0xc02f;
    EXPECT_EQ(c.feed_server_hello(sh), Error::ProtocolVersion);
    EXPECT_EQ(c.client->sent_alert()->description, AlertDescription::ProtocolVersion);
}

TEST(ConnectionBadInput, UnofferedSuiteIsIllegalParameter) {
    ClientUnderTest c;
    ServerHello sh;
    sh.random.fill(5);
    sh.cipher_suite = 0x1304;
    sh.extensions.push_back(make_supported_versions_sh(kTls13));
    EXPECT_EQ(c.feed_server_hello(sh), Error::IllegalParameter);
    EXPECT_EQ(c.client->sent_alert()->description, AlertDescription::IllegalParameter);
    // Failed stays failed.
    EXPECT_EQ(c.client->receive(core::Bytes{21, 3, 3, 0, 2, 1, 0}).error(), Error::IllegalParameter);
}

TEST(ConnectionBadInput, BadChangeCipherSpecIsUnexpectedMessage) {
    ClientUnderTest c;
    auto st = c.client->receive(core::Bytes{20, 3, 3, 0, 1, 2});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error(), Error::UnexpectedMessage);
}

TEST(ConnectionBadInput, PeerFatalAlertEndsTheConnection) {
    ClientUnderTest c;
    auto st = c.client->receive(core::Bytes{21, 3, 3, 0, 2, 2, 40});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error(), Error::PeerAlert);
    ASSERT_TRUE(c.client->peer_alert());
    EXPECT_EQ(c.client->peer_alert()->description, AlertDescription::HandshakeFailure);
    EXPECT_FALSE(c.client->has_output());  // no alert answers an alert
}

}  // namespace
}  // namespace strata::tls
