// tls_test_pki.hpp: a throw-away PKI and an in-memory client/server pair for
// the tls::Connection tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

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

    static TestPki make(crypto::SignatureAlg alg) {
        const auto now = std::chrono::system_clock::now();
        auto key = [&] {
            return std::make_shared<crypto::PrivateKey>(std::move(crypto::PrivateKey::generate(alg).value()));
        };
        auto ca_key = key();
        crypto::CertificateSpec ca_spec{
            "Test CA", {}, {}, true, now - std::chrono::hours(1), now + std::chrono::hours(24), 1};
        auto ca = crypto::issue_certificate(ca_spec, ca_key->public_key().value(), *ca_key, nullptr).value();
        auto server_key = key();
        crypto::CertificateSpec s_spec{"server.example.org",
                                       {"server.example.org", "localhost"},
                                       {"127.0.0.1"},
                                       false,
                                       now - std::chrono::hours(1),
                                       now + std::chrono::hours(24),
                                       2};
        auto server =
            crypto::issue_certificate(s_spec, server_key->public_key().value(), *ca_key, &ca).value();
        auto client_key = key();
        crypto::CertificateSpec c_spec{"client.example.org",        {"client.example.org"},       {}, false,
                                       now - std::chrono::hours(1), now + std::chrono::hours(24), 3};
        auto client =
            crypto::issue_certificate(c_spec, client_key->public_key().value(), *ca_key, &ca).value();
        auto trust = std::make_shared<crypto::TrustStore>();
        EXPECT_TRUE(trust->add(ca));
        return TestPki{ca_key, ca, server_key, server, client_key, client, trust, now};
    }
};

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

}  // namespace strata::tls::testing
