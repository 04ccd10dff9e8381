// connection12_test.cpp: tls::Connection client and server in memory, TLS 1.2
// (RFC 5246 §7.3): every suite, version negotiation and the downgrade
// sentinel, session-ID and ticket resumption, client authentication, the
// extended master secret, renegotiation refused, and hostile input answered
// with the right alert.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/algorithm_table.hpp"
#include "tls/connection.hpp"
#include "tls/key_derivation12.hpp"
#include "tls/record.hpp"
#include "tls12_test_keys.hpp"
#include "tls_test_pki.hpp"

namespace strata::tls {
namespace {

using testing::both;
using testing::bytes_of;
using testing::echo_both_ways;
using testing::only12;
using testing::Pair;
using testing::TestPki;

const TestPki& ecdsa_pki() { return testing::shared_pki(crypto::SignatureAlg::EcdsaP256Sha256); }

// rsa_pki: one fixed RSA key, no key generation (tls12_test_keys.hpp).
const TestPki& rsa_pki() { return testing::fixed_rsa_pki(); }

// with_tickets gives a server Config TLS 1.2 ticket keys.
std::shared_ptr<Config> with_tickets(std::shared_ptr<Config> c) {
    static crypto::SystemRandom rng;
    c->ticket_keys = std::make_shared<TicketKeys>(testing::cache_clock(), rng);
    return c;
}

void remove_extension(std::vector<Extension>& exts, ExtensionType t) {
    exts.erase(std::remove_if(exts.begin(), exts.end(),
                              [t](const Extension& e) { return e.type == static_cast<std::uint16_t>(t); }),
               exts.end());
}

TEST(Connection12, EcdsaGcmHandshakeEchoAndClose) {
    const auto& pki = ecdsa_pki();
    Pair p(only12(testing::client_config(pki)), only12(testing::server_config(pki)), pki.now);
    ASSERT_TRUE(p.handshake());
    const auto& n = p.client->negotiated();
    EXPECT_EQ(n.version, kTls12);
    EXPECT_EQ(n.cipher_suite, 0xc02b);
    EXPECT_EQ(n.group, kGroupX25519);
    EXPECT_EQ(n.signature_scheme, 0x0403);
    EXPECT_TRUE(n.extended_master_secret);
    EXPECT_FALSE(n.resumed);
    EXPECT_EQ(n.peer_subject, "CN=server.example.org");
    EXPECT_EQ(p.server->negotiated().server_name, "server.example.org");
    EXPECT_EQ(p.server->negotiated().cipher_suite, 0xc02b);
    echo_both_ways(p);
    ASSERT_TRUE(p.client->close());
    ASSERT_TRUE(p.pump());
    EXPECT_TRUE(p.server->peer_closed());
}

TEST(Connection12, EverySuiteWithItsCertificate) {
    for (const auto& row : crypto::tls_cipher_suite_table()) {
        if (row.kx == crypto::TlsKeyExchange::Tls13) continue;
        const TestPki& pki = row.kx == crypto::TlsKeyExchange::EcdheEcdsa ? ecdsa_pki() : rsa_pki();
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {row.id};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake()) << row.name;
        EXPECT_EQ(p.server->negotiated().cipher_suite, row.id) << row.name;
        // RFC 7366: encrypt-then-MAC for CBC suites, never for AEAD ones.
        EXPECT_EQ(p.client->negotiated().encrypt_then_mac, !row.aead) << row.name;
        echo_both_ways(p);
    }
}

TEST(Connection12, CbcWithoutEncryptThenMac) {
    const auto& pki = rsa_pki();
    auto cc = only12(testing::client_config(pki));
    cc->cipher_suites = {0xc013};
    cc->client_hello_hook = [](std::vector<Extension>& e) {
        remove_extension(e, ExtensionType::EncryptThenMac);
    };
    Pair p(cc, only12(testing::server_config(pki)), pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_FALSE(p.server->negotiated().encrypt_then_mac);
    echo_both_ways(p);
}

TEST(Connection12, EveryGroup) {
    // ECDHE_RSA: with an ECDSA certificate the client's list must also hold
    // the certificate's curve (RFC 8422 §5.1, see connection12_curves_test).
    const auto& pki = rsa_pki();
    for (std::uint16_t group : {kGroupX25519, kGroupSecp256r1, kGroupSecp384r1}) {
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {0xc02f};
        cc->groups = {group};
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake()) << group;
        EXPECT_EQ(p.client->negotiated().group, group);
    }
}

TEST(Connection12, VersionNegotiation) {
    const auto& pki = ecdsa_pki();
    {  // both sides allow 1.2 and 1.3: 1.3
        Pair p(both(testing::client_config(pki)), both(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().version, kTls13);
    }
    {  // a 1.2-only server: 1.2 (no sentinel: the server does not allow 1.3)
        Pair p(both(testing::client_config(pki)), only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.client->negotiated().version, kTls12);
        echo_both_ways(p);
    }
    {  // a 1.2-only client with a 1.3-capable server: 1.2
        Pair p(only12(testing::client_config(pki)), both(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.server->negotiated().version, kTls12);
    }
    {  // a 1.3-only client and a 1.2-only server: protocol_version
        Pair p(testing::client_config(pki), only12(testing::server_config(pki)), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::ProtocolVersion);
    }
}

TEST(Connection12, DowngradeSentinelDetected) {
    // An attacker strips TLS 1.3 from the hello (here: the hook); the
    // 1.3-capable server marks its random and the client aborts (RFC 8446 §4.1.3).
    const auto& pki = ecdsa_pki();
    auto cc = both(testing::client_config(pki));
    cc->client_hello_hook = [](std::vector<Extension>& e) {
        remove_extension(e, ExtensionType::SupportedVersions);
        remove_extension(e, ExtensionType::KeyShare);
    };
    Pair p(cc, both(testing::server_config(pki)), pki.now);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.client->error(), Error::DowngradeDetected);
    EXPECT_EQ(p.server->peer_alert()->description, AlertDescription::IllegalParameter);
}

TEST(Connection12, SessionIdResumption) {
    const auto& pki = ecdsa_pki();
    auto cc = only12(testing::client_config(pki));
    auto sc = only12(testing::server_config(pki));
    {
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_FALSE(p.client->negotiated().resumed);
    }
    for (int i = 0; i < 2; ++i) {
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
        EXPECT_TRUE(p.client->negotiated().resumed);
        EXPECT_TRUE(p.server->negotiated().resumed);
        EXPECT_TRUE(p.client->negotiated().extended_master_secret);
        EXPECT_EQ(p.client->negotiated().peer_subject, "CN=server.example.org");
        echo_both_ways(p);
    }
}

TEST(Connection12, TicketResumption) {
    const auto& pki = rsa_pki();
    auto cc = only12(testing::client_config(pki));
    auto sc = with_tickets(only12(testing::server_config(pki)));
    sc->sessions.reset();  // no session IDs: only the ticket can resume
    {
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.handshake());
    }
    Pair p(cc, sc, pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_TRUE(p.client->negotiated().resumed);
    EXPECT_TRUE(p.server->negotiated().resumed);
    EXPECT_TRUE(p.server->negotiated().extended_master_secret);
    echo_both_ways(p);
    // A ticket from another server's keys is not accepted: full handshake.
    auto other = with_tickets(only12(testing::server_config(pki)));
    other->sessions.reset();
    Pair q(cc, other, pki.now);
    ASSERT_TRUE(q.handshake());
    EXPECT_FALSE(q.client->negotiated().resumed);
}

TEST(Connection12, MutualAuthentication) {
    for (const TestPki* pki : {&ecdsa_pki(), &rsa_pki()}) {
        auto cc = only12(testing::client_config(*pki));
        cc->certificate_chain = {pki->client_cert};
        cc->private_key = pki->client_key;
        auto sc = only12(testing::server_config(*pki));
        sc->verify = VerifyMode::Required;
        Pair p(cc, sc, pki->now);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(p.server->negotiated().peer_subject, "CN=client.example.org");
        echo_both_ways(p);
    }
    // Required, and the client has none: handshake_failure (RFC 5246 §7.4.6).
    const auto& pki = ecdsa_pki();
    auto sc = only12(testing::server_config(pki));
    sc->verify = VerifyMode::Required;
    Pair p(only12(testing::client_config(pki)), sc, pki.now);
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
    EXPECT_EQ(p.client->peer_alert()->description, AlertDescription::HandshakeFailure);
}

TEST(Connection12, ExtendedMasterSecretRequiredByDefault) {
    const auto& pki = ecdsa_pki();
    auto cc = only12(testing::client_config(pki));
    cc->client_hello_hook = [](std::vector<Extension>& e) {
        remove_extension(e, ExtensionType::ExtendedMasterSecret);
    };
    {
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(p.server->error(), Error::HandshakeFailure);
    }
    cc->require_extended_master_secret = false;
    auto sc = only12(testing::server_config(pki));
    sc->require_extended_master_secret = false;
    Pair p(cc, sc, pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_FALSE(p.server->negotiated().extended_master_secret);
}

TEST(Connection12, RsaKeyTransportWithClientVersion) {
    const auto& pki = rsa_pki();
    auto cc = only12(testing::client_config(pki));
    cc->cipher_suites = {0x009c};
    Pair p(cc, only12(testing::server_config(pki)), pki.now);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(p.client->negotiated().group, 0);
    echo_both_ways(p);
}

// ---- hostile input

// KeyCapture keeps the CLIENT_RANDOM key-log line.
struct KeyCapture : KeyLogSink {
    std::mutex mu;
    std::string master_hex;
    void log(std::string_view line) override {
        std::lock_guard<std::mutex> lock(mu);
        if (line.rfind("CLIENT_RANDOM ", 0) == 0) master_hex = std::string(line.substr(line.rfind(' ') + 1));
    }
};

core::Bytes from_hex(std::string_view h) {
    core::Bytes out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

// Forger seals records as one side of an established AES-128-GCM TLS 1.2
// connection would, from the key log and the hellos' randoms.
struct Forger {
    std::optional<RecordProtection> prot;
    Forger(core::ByteView master, const Random& cr, const Random& sr, bool client_side, std::uint64_t skip) {
        const auto* suite = crypto::find_tls_cipher_suite(0xc02b);
        auto kb = key_block12(*suite, master, cr, sr).value();
        prot.emplace(RecordProtection::tls12_aead(crypto::AeadAlg::Aes128Gcm,
                                                  client_side ? kb.client_key : kb.server_key,
                                                  client_side ? kb.client_iv : kb.server_iv)
                         .value());
        core::Bytes scratch;
        for (std::uint64_t i = 0; i < skip; ++i) EXPECT_TRUE(prot->seal(ContentType::Handshake, {}, scratch));
    }
};

// An established pair whose randoms and master secret the test knows.
struct KnownPair {
    std::shared_ptr<KeyCapture> cap = std::make_shared<KeyCapture>();
    std::unique_ptr<Pair> p;
    Random cr{}, sr{};

    KnownPair() {
        const auto& pki = ecdsa_pki();
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {0xc02b};
        cc->keylog = cap;
        p = std::make_unique<Pair>(cc, only12(testing::server_config(pki)), pki.now);
        EXPECT_TRUE(p->client->start());
        auto ch = p->client->take_output();
        std::copy_n(ch.begin() + 11, 32, cr.begin());  // record 5 | handshake 4 | version 2
        EXPECT_TRUE(p->server->receive(ch));
        auto sh = p->server->take_output();
        std::copy_n(sh.begin() + 11, 32, sr.begin());
        EXPECT_TRUE(p->client->receive(sh));
        EXPECT_TRUE(p->pump());
        EXPECT_TRUE(p->client->handshake_complete());
    }
    [[nodiscard]] core::Bytes master() const { return from_hex(cap->master_hex); }
};

TEST(Connection12, ClientHelloAfterHandshakeRefusedWithNoRenegotiation) {
    KnownPair k;
    // The client's Finished was its record 0; a ClientHello as record 1.
    Forger f(k.master(), k.cr, k.sr, true, 1);
    const core::Bytes hello = {1, 0, 0, 0};  // an (empty-bodied) ClientHello message
    core::Bytes rec;
    ASSERT_TRUE(f.prot->seal(ContentType::Handshake, hello, rec));
    ASSERT_TRUE(k.p->server->receive(rec));
    auto out = k.p->server->take_output();
    // One protected alert record (RFC 5246: the outer type shows): 8 explicit
    // nonce + 2 alert + 16 tag bytes.
    ASSERT_EQ(out.size(), 5U + 8 + 2 + 16);
    EXPECT_EQ(out[0], static_cast<std::uint8_t>(ContentType::Alert));
    // The server's Finished was its record 0: open the alert as record 1.
    const auto* suite = crypto::find_tls_cipher_suite(0xc02b);
    auto kb = key_block12(*suite, k.master(), k.cr, k.sr).value();
    auto opener =
        RecordProtection::tls12_aead(crypto::AeadAlg::Aes128Gcm, kb.server_key, kb.server_iv).value();
    Forger srv(k.master(), k.cr, k.sr, false, 0);
    core::Bytes first;
    ASSERT_TRUE(srv.prot->seal(ContentType::Handshake, core::Bytes{20, 0, 0, 0}, first));
    Record r0{ContentType::Handshake, kTls12, core::Bytes(first.begin() + 5, first.end())};
    ASSERT_TRUE(opener.open(r0));
    Record alert{ContentType::Alert, kTls12, core::Bytes(out.begin() + 5, out.end())};
    ASSERT_TRUE(opener.open(alert));
    EXPECT_EQ(alert.fragment, (core::Bytes{1, 100}));  // warning, no_renegotiation
    EXPECT_TRUE(k.p->server->handshake_complete());
    ASSERT_TRUE(k.p->client->receive(out));  // a warning: the client goes on
    // Application data still flows both ways (the client's record 1 was
    // forged, so the client writes its own record 1 which the server takes as 2:
    // not in sync; test the server -> client direction).
    ASSERT_TRUE(k.p->server->write(bytes_of("still here")));
    ASSERT_TRUE(k.p->client->receive(k.p->server->take_output()));
    EXPECT_EQ(k.p->client->read(), bytes_of("still here"));
}

TEST(Connection12, HelloRequestRefusedWithNoRenegotiation) {
    KnownPair k;
    Forger f(k.master(), k.cr, k.sr, false, 1);  // the server's Finished was its record 0
    core::Bytes rec;
    ASSERT_TRUE(f.prot->seal(ContentType::Handshake, core::Bytes{0, 0, 0, 0}, rec));  // HelloRequest
    ASSERT_TRUE(k.p->client->receive(rec));
    auto out = k.p->client->take_output();
    ASSERT_EQ(out.size(), 5U + 8 + 2 + 16);
    EXPECT_EQ(out[0], static_cast<std::uint8_t>(ContentType::Alert));
    EXPECT_TRUE(k.p->client->handshake_complete());
    ASSERT_TRUE(k.p->server->receive(out));  // the warning does not end the server either
    EXPECT_TRUE(k.p->server->handshake_complete());
    ASSERT_TRUE(k.p->client->write(bytes_of("on")));
    ASSERT_TRUE(k.p->server->receive(k.p->client->take_output()));
    EXPECT_EQ(k.p->server->read(), bytes_of("on"));
}

TEST(Connection12, TamperedRecordIsBadRecordMacForEveryProtection) {
    // GCM, ChaCha20-Poly1305, CBC with encrypt-then-MAC, CBC MAC-then-encrypt.
    struct Case {
        std::uint16_t suite;
        bool etm;
    };
    for (const Case c : {Case{0xc02f, false}, Case{0xcca8, false}, Case{0xc027, true}, Case{0xc014, false}}) {
        const auto& pki = rsa_pki();
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {c.suite};
        if (!c.etm) {
            cc->client_hello_hook = [](std::vector<Extension>& e) {
                remove_extension(e, ExtensionType::EncryptThenMac);
            };
        }
        Pair p(cc, only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.handshake());
        ASSERT_TRUE(p.client->write(bytes_of("attack at dawn, sixteen+ bytes!!")));
        auto rec = p.client->take_output();
        rec[rec.size() - 20] ^= 0x01;
        EXPECT_FALSE(p.server->receive(rec)) << c.suite;
        EXPECT_EQ(p.server->error(), Error::BadRecordMac) << c.suite;
        EXPECT_EQ(p.server->sent_alert()->description, AlertDescription::BadRecordMac);
    }
}

TEST(Connection12, AlteredTranscriptIsDecryptErrorAtFinished) {
    // Without the extended master secret the keys do not depend on the
    // transcript, so a ClientHello altered in flight is caught by Finished
    // (RFC 5246 §7.4.9): decrypt_error.
    const auto& pki = ecdsa_pki();
    auto cc = only12(testing::client_config(pki));
    cc->require_extended_master_secret = false;
    cc->client_hello_hook = [](std::vector<Extension>& e) {
        remove_extension(e, ExtensionType::ExtendedMasterSecret);
        e.push_back(Extension{0x7a7a, {0x00}});  // an extension the server ignores
    };
    auto sc = only12(testing::server_config(pki));
    sc->require_extended_master_secret = false;
    Pair p(cc, sc, pki.now);
    ASSERT_TRUE(p.client->start());
    auto ch = p.client->take_output();
    const core::Bytes marker = {0x7a, 0x7a, 0x00, 0x01, 0x00};
    auto it = std::search(ch.begin(), ch.end(), marker.begin(), marker.end());
    ASSERT_NE(it, ch.end());
    *(it + 4) = 0x01;
    ASSERT_TRUE(p.server->receive(ch));
    EXPECT_FALSE(p.pump());
    EXPECT_EQ(p.server->error(), Error::DecryptError);
    EXPECT_EQ(p.client->peer_alert()->description, AlertDescription::DecryptError);
}

TEST(Connection12, UnexpectedMessagesAndChangeCipherSpec) {
    const auto& pki = ecdsa_pki();
    {  // a ServerHelloDone where the server waits for ClientKeyExchange
        Pair p(only12(testing::client_config(pki)), only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.client->start());
        ASSERT_TRUE(p.server->receive(p.client->take_output()));
        (void)p.server->take_output();
        core::Bytes rec;
        ASSERT_TRUE(write_plaintext_records(ContentType::Handshake, kTls12, core::Bytes{14, 0, 0, 0}, rec));
        EXPECT_FALSE(p.server->receive(rec));
        EXPECT_EQ(p.server->error(), Error::UnexpectedMessage);
        EXPECT_EQ(p.server->sent_alert()->description, AlertDescription::UnexpectedMessage);
    }
    {  // a change_cipher_spec before the keys exist
        Pair p(only12(testing::client_config(pki)), only12(testing::server_config(pki)), pki.now);
        ASSERT_TRUE(p.client->start());
        ASSERT_TRUE(p.server->receive(p.client->take_output()));
        ASSERT_TRUE(p.client->receive(p.server->take_output()));
        core::Bytes rec;
        ASSERT_TRUE(write_plaintext_records(ContentType::ChangeCipherSpec, kTls12, core::Bytes{1}, rec));
        EXPECT_FALSE(p.server->receive(rec));
        EXPECT_EQ(p.server->error(), Error::UnexpectedMessage);
    }
    {  // a ServerHello naming a suite the client did not offer
        auto cc = only12(testing::client_config(pki));
        cc->cipher_suites = {0xc02b};
        auto sc = only12(testing::server_config(pki));
        Pair p(cc, sc, pki.now);
        ASSERT_TRUE(p.client->start());
        ASSERT_TRUE(p.server->receive(p.client->take_output()));
        auto sh = p.server->take_output();
        // cipher_suite sits after record 5 | hs 4 | version 2 | random 32 | sid 1+32.
        ASSERT_EQ(sh[5 + 4 + 2 + 32], 32);
        sh[5 + 4 + 2 + 32 + 1 + 32 + 1] = 0x2c;  // 0xc02b -> 0xc02c
        EXPECT_FALSE(p.client->receive(sh));
        EXPECT_EQ(p.client->error(), Error::IllegalParameter);
    }
}

}  // namespace
}  // namespace strata::tls
