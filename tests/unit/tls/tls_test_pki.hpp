// tls_test_pki.hpp: a throw-away PKI and an in-memory client/server pair for
// the tls::Connection tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "tls/config.hpp"
#include "tls/connection.hpp"

namespace strata::tls::testing {

// TestPki is a CA with one server and one client certificate, all of one key type.
struct TestPki {
    std::shared_ptr<crypto::PrivateKey> ca_key;
    crypto::Certificate ca_cert;
    std::shared_ptr<crypto::PrivateKey> server_key;
    crypto::Certificate server_cert;
    std::shared_ptr<crypto::PrivateKey> client_key;
    crypto::Certificate client_cert;
    std::shared_ptr<crypto::TrustStore> trust;
    core::WallTime now;

    // issue makes the CA and the two end-entity certificates for these keys
    // (one key may serve all three).
    static TestPki issue(std::shared_ptr<crypto::PrivateKey> ca_key,
                         std::shared_ptr<crypto::PrivateKey> server_key,
                         std::shared_ptr<crypto::PrivateKey> client_key) {
        const auto now = std::chrono::system_clock::now();
        const auto from = now - std::chrono::hours(1);
        const auto until = now + std::chrono::hours(24);
        crypto::CertificateSpec ca_spec{"Test CA", {}, {}, true, from, until, 1};
        auto ca = crypto::issue_certificate(ca_spec, ca_key->public_key().value(), *ca_key, nullptr).value();
        crypto::CertificateSpec s_spec{
            "server.example.org", {"server.example.org", "localhost"}, {"127.0.0.1"}, false, from, until, 2};
        auto server =
            crypto::issue_certificate(s_spec, server_key->public_key().value(), *ca_key, &ca).value();
        crypto::CertificateSpec c_spec{
            "client.example.org", {"client.example.org"}, {}, false, from, until, 3};
        auto client =
            crypto::issue_certificate(c_spec, client_key->public_key().value(), *ca_key, &ca).value();
        auto trust = std::make_shared<crypto::TrustStore>();
        EXPECT_TRUE(trust->add(ca));
        return TestPki{
            std::move(ca_key), ca, std::move(server_key), server, std::move(client_key), client, trust, now};
    }

    // make generates three fresh keys of one type.
    static TestPki make(crypto::SignatureAlg alg) {
        auto key = [&] {
            return std::make_shared<crypto::PrivateKey>(std::move(crypto::PrivateKey::generate(alg).value()));
        };
        return issue(key(), key(), key());
    }
};

// shared_pki returns one TestPki per key type, made on first use and kept
// for the whole test program (key generation is the slow part of the tests).
inline const TestPki& shared_pki(crypto::SignatureAlg alg) {
    static std::mutex mutex;
    static std::map<crypto::SignatureAlg, std::unique_ptr<const TestPki>> pkis;
    const std::lock_guard lock(mutex);
    auto& pki = pkis[alg];
    if (!pki) pki = std::make_unique<const TestPki>(TestPki::make(alg));
    return *pki;
}

// bytes_of returns the bytes of a string.
inline core::Bytes bytes_of(std::string_view s) { return core::Bytes(s.begin(), s.end()); }

// only12 / both allow TLS 1.2 only, or TLS 1.2 and 1.3.
inline std::shared_ptr<Config> only12(std::shared_ptr<Config> c) {
    c->min_version = kTls12;
    c->max_version = kTls12;
    return c;
}
inline std::shared_ptr<Config> both(std::shared_ptr<Config> c) {
    c->min_version = kTls12;
    c->max_version = kTls13;
    return c;
}

// cache_clock is the clock of the tests' session caches.
inline const core::Clock& cache_clock() {
    static const core::RealClock clock;
    return clock;
}

// server_config returns a server Config with pki's server certificate.
inline std::shared_ptr<Config> server_config(const TestPki& pki) {
    auto c = std::make_shared<Config>();
    c->certificate_chain = {pki.server_cert};
    c->private_key = pki.server_key;
    c->trust_store = pki.trust;
    c->verify = VerifyMode::None;
    c->sessions = std::make_shared<SessionCache>(cache_clock());
    return c;
}

// client_config returns a client Config trusting pki's CA.
inline std::shared_ptr<Config> client_config(const TestPki& pki) {
    auto c = std::make_shared<Config>();
    c->trust_store = pki.trust;
    c->verify = VerifyMode::Required;
    c->sessions = std::make_shared<SessionCache>(cache_clock());
    return c;
}

// Pair is a client and a server wired together in memory.
struct Pair {
    core::ManualClock clock;
    crypto::SeededRandom rng_c{core::Bytes{1}};
    crypto::SeededRandom rng_s{core::Bytes{2}};
    std::unique_ptr<Connection> client;
    std::unique_ptr<Connection> server;

    Pair(std::shared_ptr<const Config> cc, std::shared_ptr<const Config> sc, core::WallTime now,
         std::string name = "server.example.org")
        : clock(now) {
        client = std::move(Connection::client(std::move(cc), std::move(name), clock, rng_c).value());
        server = std::move(Connection::server(std::move(sc), clock, rng_s).value());
    }

    // pump moves bytes both ways until neither side has output; returns false
    // if a side failed.
    bool pump() {
        for (int i = 0; i < 32; ++i) {
            auto c2s = client->take_output();
            auto s2c = server->take_output();
            if (c2s.empty() && s2c.empty()) break;
            if (!c2s.empty() && !server->receive(c2s)) return drain();
            if (!s2c.empty() && !client->receive(s2c)) return drain();
        }
        return !client->error() && !server->error();
    }

    // drain delivers any last alert after a failure; always false.
    bool drain() {
        auto c2s = client->take_output();
        auto s2c = server->take_output();
        if (!c2s.empty()) (void)server->receive(c2s);
        if (!s2c.empty()) (void)client->receive(s2c);
        return false;
    }

    bool handshake() {
        if (!client->start()) return false;
        if (!server->start()) return false;
        return pump() && client->handshake_complete() && server->handshake_complete();
    }
};

// echo_both_ways sends `to_server` from the client and `to_client` back
// over an established pair and checks that each arrives.
inline void echo_both_ways(Pair& p, std::string_view to_server = "ping",
                           std::string_view to_client = "pong") {
    ASSERT_TRUE(p.client->write(bytes_of(to_server)));
    ASSERT_TRUE(p.pump());
    EXPECT_EQ(p.server->read(), bytes_of(to_server));
    ASSERT_TRUE(p.server->write(bytes_of(to_client)));
    ASSERT_TRUE(p.pump());
    EXPECT_EQ(p.client->read(), bytes_of(to_client));
}

}  // namespace strata::tls::testing
