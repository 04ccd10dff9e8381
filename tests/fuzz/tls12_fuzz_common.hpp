// tls12_fuzz_common.hpp: shared set-up of the TLS 1.2 tls::Connection fuzz
// targets (tls12_client, tls12_server).
//
// A Scenario12 names one TLS 1.2 handshake shape: key exchange (ECDHE with
// an ECDSA or RSA certificate, or RSA key transport), record protection
// (GCM, ChaCha20-Poly1305, CBC with and without encrypt-then-MAC), client
// authentication, and resumption by session ID or ticket. A World12 holds
// the configurations of one scenario, with the session or ticket to resume
// already made by a first handshake. Exchange12 runs the scenario's
// handshake once, in memory, with fixed random seeds and a fixed clock, and
// keeps the records each side sent plus what is needed to seal records as
// either side would after its change_cipher_spec. A fresh Connection with the
// same seed, fed the peer's records, then retraces that handshake exactly to
// any stage, where the fuzz input takes over (run_stage12).
//
// Input layout (both targets): byte 0 picks the scenario, byte 1 the stage
// (how many of the peer's records were delivered first), byte 2 the mode:
//   raw     the rest is fed as the peer's next bytes (byte 3: piece size);
//   mutate  the peer's record at the stage is edited (the rest: triples of
//           offset-high, offset-low, xor) and delivered with the rest of the
//           peer's records after it;
//   sealed  the rest is a list of (content type, length u16, content), each
//           sealed under the peer's own keys and sequence numbers and fed
//           after the peer's records up to a stage after its
//           change_cipher_spec, so the protected handshake (Finished,
//           NewSessionTicket order, renegotiation, alerts, application
//           data) is reached.
// After every step the invariants of check_connection hold or the target aborts.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/algorithm_table.hpp"
#include "tls/key_derivation12.hpp"
#include "tls/record.hpp"
#include "tls/ticket.hpp"
#include "tls12_fuzz_pki.hpp"
#include "tls_connection_fuzz_common.hpp"

namespace strata::fuzz {

// Pki12 is the fixed PKI of tls12_fuzz_pki.hpp, loaded once.
struct Pki12 {
    std::shared_ptr<crypto::PrivateKey> rsa_key;
    std::shared_ptr<crypto::PrivateKey> ec_key;
    std::shared_ptr<crypto::PrivateKey> client_key;
    crypto::Certificate rsa_cert;
    crypto::Certificate ec_cert;
    crypto::Certificate client_cert;
    crypto::Certificate rsa_client_cert;
    std::shared_ptr<crypto::TrustStore> trust;
    // now is a fixed time inside the certificates' validity (2027-06-01).
    core::WallTime now;
};

inline const Pki12& pki12() {
    static const Pki12 pki = [] {
        auto key = [](std::string_view pem) {
            return std::make_shared<crypto::PrivateKey>(crypto::PrivateKey::from_pem(pem).value());
        };
        auto cert = [](std::string_view pem) { return crypto::Certificate::from_pem(pem).value(); };
        auto trust = std::make_shared<crypto::TrustStore>();
        (void)trust->add(cert(pem12::kCaCert));
        return Pki12{key(pem12::kRsaKey),
                     key(pem12::kEcKey),
                     key(pem12::kClientKey),
                     cert(pem12::kRsaCert),
                     cert(pem12::kEcCert),
                     cert(pem12::kClientCert),
                     cert(pem12::kRsaClientCert),
                     trust,
                     core::WallTime{std::chrono::seconds{1811808000}}};
    }();
    return pki;
}

enum class ClientAuth12 : std::uint8_t { None, RequestedNoCert, Ecdsa, Rsa };
enum class Resume12 : std::uint8_t { None, SessionId, Ticket };

// Scenario12 is one handshake shape.
struct Scenario12 {
    std::uint16_t suite;  // the one suite the client offers
    std::uint16_t group;  // the client's first group (the only one with an RSA certificate)
    bool rsa_cert;        // the server's certificate: RSA (else P-256)
    ClientAuth12 auth;
    bool etm;  // the client offers encrypt_then_mac (CBC suites)
    Resume12 resume;
    bool client13;  // the client allows TLS 1.3 too
    bool server13;  // the server allows TLS 1.3 too
};

inline constexpr std::array<Scenario12, 10> kScenarios12{{
    {0xc02b, tls::kGroupX25519, false, ClientAuth12::Ecdsa, false, Resume12::None, false, false},
    {0xc027, tls::kGroupSecp256r1, true, ClientAuth12::Rsa, true, Resume12::None, false, false},
    {0x009d, tls::kGroupX25519, true, ClientAuth12::None, false, Resume12::None, false, false},
    {0x002f, tls::kGroupX25519, true, ClientAuth12::RequestedNoCert, false, Resume12::None, false, false},
    {0xcca8, tls::kGroupSecp384r1, true, ClientAuth12::None, false, Resume12::None, false, false},
    {0xc02b, tls::kGroupX25519, false, ClientAuth12::None, false, Resume12::SessionId, false, false},
    {0xc02f, tls::kGroupSecp256r1, true, ClientAuth12::None, false, Resume12::Ticket, false, false},
    {0xc00a, tls::kGroupSecp256r1, false, ClientAuth12::Ecdsa, false, Resume12::Ticket, false, false},
    {0xc02b, tls::kGroupX25519, false, ClientAuth12::None, false, Resume12::None, true, false},
    {0xc030, tls::kGroupX25519, true, ClientAuth12::None, false, Resume12::None, false, true},
}};

// KeyLogCapture keeps the last CLIENT_RANDOM key-log line's master secret.
struct KeyLogCapture final : tls::KeyLogSink {
    std::mutex mu;
    core::Bytes master;
    void log(std::string_view line) override {
        if (line.rfind("CLIENT_RANDOM ", 0) != 0) return;
        const std::string_view hex = line.substr(line.rfind(' ') + 1);
        std::lock_guard<std::mutex> lock(mu);
        master.clear();
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            auto nib = [](char c) -> std::uint8_t {
                return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            };
            master.push_back(static_cast<std::uint8_t>((nib(hex[i]) << 4) | nib(hex[i + 1])));
        }
    }
};

// World12 is the configurations of a scenario, with the session or ticket
// to resume already made (a first handshake with its own seeds).
struct World12 {
    core::ManualClock clock{pki12().now};
    crypto::SeededRandom rng_tickets{core::Bytes{0x7c}};
    std::shared_ptr<KeyLogCapture> keylog = std::make_shared<KeyLogCapture>();
    std::shared_ptr<tls::Config> client;
    std::shared_ptr<tls::Config> server;

    explicit World12(const Scenario12& sc) {
        const Pki12& p = pki12();
        client = std::make_shared<tls::Config>();
        client->min_version = tls::kTls12;
        client->max_version = sc.client13 ? tls::kTls13 : tls::kTls12;
        client->cipher_suites = {sc.suite};
        if (sc.client13) client->cipher_suites.insert(client->cipher_suites.begin(), 0x1301);
        client->groups = {sc.group};
        // RFC 8422 §5.1: the list must also hold the ECDSA certificate's curve.
        if (!sc.rsa_cert && sc.group != tls::kGroupSecp256r1) client->groups.push_back(tls::kGroupSecp256r1);
        client->trust_store = p.trust;
        client->verify = tls::VerifyMode::Required;
        client->sessions = std::make_shared<tls::SessionCache>(fuzz_cache_clock());
        client->alpn = {"h2", "http/1.1"};
        client->keylog = keylog;
        if (!sc.etm) {
            client->client_hello_hook = [](std::vector<tls::Extension>& e) {
                std::erase_if(e, [](const tls::Extension& x) {
                    return x.type == static_cast<std::uint16_t>(tls::ExtensionType::EncryptThenMac);
                });
            };
        }
        if (sc.auth == ClientAuth12::Ecdsa) {
            client->certificate_chain = {p.client_cert};
            client->private_key = p.client_key;
        } else if (sc.auth == ClientAuth12::Rsa) {
            client->certificate_chain = {p.rsa_client_cert};
            client->private_key = p.rsa_key;
        }
        server = std::make_shared<tls::Config>();
        server->min_version = tls::kTls12;
        server->max_version = sc.server13 ? tls::kTls13 : tls::kTls12;
        server->certificate_chain = {sc.rsa_cert ? p.rsa_cert : p.ec_cert};
        server->private_key = sc.rsa_cert ? p.rsa_key : p.ec_key;
        server->trust_store = p.trust;
        server->verify = sc.auth == ClientAuth12::None ? tls::VerifyMode::None : tls::VerifyMode::Optional;
        server->alpn = {"http/1.1"};
        if (sc.resume != Resume12::Ticket)
            server->sessions = std::make_shared<tls::SessionCache>(fuzz_cache_clock());
        if (sc.resume == Resume12::Ticket)
            server->ticket_keys = std::make_shared<tls::TicketKeys>(clock, rng_tickets);
        if (sc.resume != Resume12::None) {
            crypto::SeededRandom rc{core::Bytes{0xa1}};
            crypto::SeededRandom rs{core::Bytes{0xa2}};
            auto c = tls::Connection::client(client, "server", clock, rc).value();
            auto s = tls::Connection::server(server, clock, rs).value();
            (void)c->start();
            for (int i = 0; i < 16 && (c->has_output() || s->has_output()); ++i) {
                if (!s->receive(c->take_output())) break;
                if (!c->receive(s->take_output())) break;
            }
        }
    }
    World12(const World12&) = delete;
    World12& operator=(const World12&) = delete;
};

inline constexpr std::uint8_t kSeedClient12 = 0xc2;
inline constexpr std::uint8_t kSeedServer12 = 0x52;

// Exchange12 is the scenario's handshake as it really happened, plus
// application data each way.
struct Exchange12 {
    std::vector<core::Bytes> from_client;
    std::vector<core::Bytes> from_server;
    std::size_t client_ccs = 0;  // index of the change_cipher_spec in from_client (size(): none)
    std::size_t server_ccs = 0;
    core::Bytes master;
    tls::Random client_random{};
    tls::Random server_random{};
    std::uint16_t suite = 0;
    bool etm = false;
    bool tls12 = false;  // TLS 1.2 was negotiated (else records cannot be sealed here)
};

inline std::size_t ccs_index(const std::vector<core::Bytes>& records) {
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i][0] == static_cast<std::uint8_t>(tls::ContentType::ChangeCipherSpec)) return i;
    }
    return records.size();
}

inline Exchange12 run_exchange12(const Scenario12& sc) {
    World12 w(sc);
    crypto::SeededRandom rc{core::Bytes{kSeedClient12}};
    crypto::SeededRandom rs{core::Bytes{kSeedServer12}};
    auto c = tls::Connection::client(w.client, "server", w.clock, rc).value();
    auto s = tls::Connection::server(w.server, w.clock, rs).value();
    Exchange12 x;
    (void)c->start();
    (void)s->start();
    auto move = [](tls::Connection& from, tls::Connection& to, std::vector<core::Bytes>& log) {
        auto bytes = from.take_output();
        for (auto& r : split_records(bytes)) log.push_back(std::move(r));
        if (!bytes.empty()) (void)to.receive(bytes);
    };
    for (int i = 0; i < 16 && (c->has_output() || s->has_output()); ++i) {
        move(*c, *s, x.from_client);
        move(*s, *c, x.from_server);
    }
    // Application data each way after the handshake.
    const core::Bytes ping{'p', 'i', 'n', 'g'};
    if (c->handshake_complete() && s->handshake_complete()) {
        (void)c->write(ping);
        (void)s->write(ping);
        move(*c, *s, x.from_client);
        move(*s, *c, x.from_server);
    }
    x.client_ccs = ccs_index(x.from_client);
    x.server_ccs = ccs_index(x.from_server);
    x.master = w.keylog->master;
    const auto& n = c->negotiated();
    x.tls12 = n.version == tls::kTls12 && c->handshake_complete();
    x.suite = n.cipher_suite;
    x.etm = n.encrypt_then_mac;
    // The randoms: record 5 | handshake 4 | version 2, then 32 bytes.
    if (!x.from_client.empty() && x.from_client[0].size() >= 43)
        std::copy_n(x.from_client[0].begin() + 11, 32, x.client_random.begin());
    if (!x.from_server.empty() && x.from_server[0].size() >= 43)
        std::copy_n(x.from_server[0].begin() + 11, 32, x.server_random.begin());
    return x;
}

// exchange12 returns the scenario's exchange, made once per process.
inline const Exchange12& exchange12(std::size_t index) {
    static const std::array<Exchange12, kScenarios12.size()> all = [] {
        std::array<Exchange12, kScenarios12.size()> a;
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = run_exchange12(kScenarios12[i]);
        return a;
    }();
    return all[index];
}

// sealer12 returns the record protection `side` wrote with after its
// change_cipher_spec, moved past its first `skip` records.
inline std::optional<tls::RecordProtection> sealer12(const Exchange12& x, bool client_side, std::size_t skip,
                                                     crypto::RandomSource& rng) {
    const auto* suite = crypto::find_tls_cipher_suite(x.suite);
    if (suite == nullptr || !x.tls12) return std::nullopt;
    auto kb = tls::key_block12(*suite, x.master, x.client_random, x.server_random);
    if (!kb) return std::nullopt;
    auto prot = suite->aead
                    ? tls::RecordProtection::tls12_aead(suite->aead_alg,
                                                        client_side ? kb->client_key : kb->server_key,
                                                        client_side ? kb->client_iv : kb->server_iv)
                    : tls::RecordProtection::tls12_cbc(
                          suite->cipher_alg, suite->mac, client_side ? kb->client_key : kb->server_key,
                          client_side ? kb->client_mac_key : kb->server_mac_key, x.etm, rng);
    if (!prot) return std::nullopt;
    core::Bytes scratch;
    for (std::size_t i = 0; i < skip; ++i) {
        if (!prot->seal(tls::ContentType::Handshake, core::Bytes{0}, scratch)) return std::nullopt;
    }
    return std::move(*prot);
}

inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// run_stage12 is the whole of one fuzz input against the side `client_side`
// says (the peer's records are the other side's).
inline void run_stage12(bool client_side, const std::uint8_t* data, std::size_t size) {
    if (size < 3) return;
    const std::size_t index = data[0] % kScenarios12.size();
    const Scenario12& sc = kScenarios12[index];
    const Exchange12& x = exchange12(index);
    const auto& peer = client_side ? x.from_server : x.from_client;
    const std::size_t peer_ccs = client_side ? x.server_ccs : x.client_ccs;
    const bool may13 = client_side ? sc.client13 : sc.server13;
    const std::uint8_t mode = data[2] % 3;
    if (peer.empty()) return;
    data += 3;
    size -= 3;

    std::size_t stage = 0;
    if (mode == 2) {
        // sealed: a stage after the peer's change_cipher_spec.
        if (peer_ccs >= peer.size()) return;
        stage = peer_ccs + 1 + data[-2] % (peer.size() - peer_ccs);
    } else {
        stage = data[-2] % (peer.size() + (mode == 0 ? 1 : 0));
    }

    World12 w(sc);
    crypto::SeededRandom rng{core::Bytes{client_side ? kSeedClient12 : kSeedServer12}};
    auto made = client_side ? tls::Connection::client(w.client, "server", w.clock, rng)
                            : tls::Connection::server(w.server, w.clock, rng);
    if (!made) std::abort();
    tls::Connection& c = **made;
    (void)c.start();
    (void)c.take_output();
    for (std::size_t i = 0; i < stage; ++i) {
        const bool ok = static_cast<bool>(c.receive(peer[i]));
        (void)c.take_output();
        check_connection(c, may13);
        if (!ok) return;
    }

    if (mode == 0) {
        feed_in_pieces(c, data, size);
        check_connection(c, may13);
    } else if (mode == 1) {
        core::Bytes rec = peer[stage];
        for (std::size_t i = 0; i + 2 < size; i += 3) {
            const std::size_t at = be16(data + i) % rec.size();
            rec[at] ^= data[i + 2];
        }
        bool ok = static_cast<bool>(c.receive(rec));
        (void)c.take_output();
        check_connection(c, may13);
        for (std::size_t i = stage + 1; ok && i < peer.size(); ++i) {
            ok = static_cast<bool>(c.receive(peer[i]));
            (void)c.take_output();
            check_connection(c, may13);
        }
    } else {
        crypto::SeededRandom seal_rng{core::Bytes{0x5a}};
        auto prot = sealer12(x, !client_side, stage - peer_ccs - 1, seal_rng);
        if (!prot) return;
        for (std::size_t at = 0; at + 3 <= size;) {
            const auto type = static_cast<tls::ContentType>(data[at]);
            const std::size_t len = std::min<std::size_t>(be16(data + at + 1), size - at - 3);
            core::Bytes rec;
            if (!prot->seal(type, core::ByteView(data + at + 3, len), rec)) break;
            at += 3 + len;
            const bool ok = static_cast<bool>(c.receive(rec));
            (void)c.take_output();
            check_connection(c, may13);
            if (!ok) break;
        }
    }
    (void)c.read();
    check_connection(c, may13);
}

}  // namespace strata::fuzz
