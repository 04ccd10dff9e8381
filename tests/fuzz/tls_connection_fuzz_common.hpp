// tls_connection_fuzz_common.hpp: shared set-up of the tls::Connection fuzz
// targets: one Ed25519 PKI made once, a client/server pair with seeded
// random sources, and the records each side sent in a real handshake, so an
// input can be delivered at any handshake stage.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/clock.hpp"
#include "core/reader.hpp"
#include "crypto/random.hpp"
#include "crypto/x509.hpp"
#include "tls/config.hpp"
#include "tls/connection.hpp"

namespace strata::fuzz {

struct FuzzPki {
    std::shared_ptr<tls::Config> client;
    std::shared_ptr<tls::Config> server;
    core::WallTime now;
};

inline const core::Clock& fuzz_cache_clock() {
    static const core::ManualClock clock;
    return clock;
}

inline const FuzzPki& fuzz_pki() {
    static const FuzzPki pki = [] {
        const auto now = std::chrono::system_clock::now();
        auto ca_key = crypto::PrivateKey::generate(crypto::SignatureAlg::Ed25519).value();
        crypto::CertificateSpec ca_spec{
            "Fuzz CA", {}, {}, true, now - std::chrono::hours(1), now + std::chrono::hours(24 * 365), 1};
        auto ca = crypto::issue_certificate(ca_spec, ca_key.public_key().value(), ca_key, nullptr).value();
        auto key = std::make_shared<crypto::PrivateKey>(
            crypto::PrivateKey::generate(crypto::SignatureAlg::Ed25519).value());
        crypto::CertificateSpec spec{
            "server", {"server"}, {}, false, now - std::chrono::hours(1), now + std::chrono::hours(24 * 365),
            2};
        auto cert = crypto::issue_certificate(spec, key->public_key().value(), ca_key, &ca).value();
        auto trust = std::make_shared<crypto::TrustStore>();
        (void)trust->add(ca);
        auto server = std::make_shared<tls::Config>();
        server->certificate_chain = {cert};
        server->private_key = key;
        server->trust_store = trust;
        server->verify = tls::VerifyMode::Optional;  // CertificateRequest too
        server->sessions = std::make_shared<tls::SessionCache>(fuzz_cache_clock());
        auto client = std::make_shared<tls::Config>();
        client->trust_store = trust;
        client->certificate_chain = {cert};
        client->private_key = key;
        client->sessions = std::make_shared<tls::SessionCache>(fuzz_cache_clock());
        client->alpn = {"h2"};
        return FuzzPki{client, server, now};
    }();
    return pki;
}

// split_records cuts a byte stream into whole records (header + fragment).
inline std::vector<core::Bytes> split_records(const core::Bytes& stream) {
    std::vector<core::Bytes> out;
    std::size_t at = 0;
    while (stream.size() - at >= 5) {
        const std::size_t len = (std::size_t{stream[at + 3]} << 8) | stream[at + 4];
        if (stream.size() - at < 5 + len) break;
        out.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(at),
                         stream.begin() + static_cast<std::ptrdiff_t>(at + 5 + len));
        at += 5 + len;
    }
    return out;
}

// Stage is a client and a server after a real exchange, plus the records
// each side sent, in order.
struct Stage {
    core::ManualClock clock;
    crypto::SeededRandom rng_c{core::Bytes{0xc1}};
    crypto::SeededRandom rng_s{core::Bytes{0x5e}};
    std::unique_ptr<tls::Connection> client;
    std::unique_ptr<tls::Connection> server;
    std::vector<core::Bytes> from_client;
    std::vector<core::Bytes> from_server;

    Stage() : clock(fuzz_pki().now) {
        client = std::move(tls::Connection::client(fuzz_pki().client, "server", clock, rng_c).value());
        server = std::move(tls::Connection::server(fuzz_pki().server, clock, rng_s).value());
        (void)client->start();
        (void)server->start();
    }
};

// feed_in_pieces delivers data to c, split where the input says (the first
// byte picks the piece size), so the record reader's reassembly is fuzzed too.
inline void feed_in_pieces(tls::Connection& c, const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    const std::size_t piece = std::size_t{data[0]} + 1;
    for (std::size_t at = 1; at < size; at += piece) {
        const std::size_t n = std::min(piece, size - at);
        if (!c.receive(core::ByteView(data + at, n))) return;
        (void)c.take_output();
    }
}

// is_tls12_alert is true for the alerts a TLS 1.2 endpoint may send: those of
// RFC 5246 §7.2 that are not reserved, plus no_application_protocol
// (RFC 7301 §3.2, ALPN is offered) and inappropriate_fallback (RFC 7507).
inline bool is_tls12_alert(tls::AlertDescription d) {
    using A = tls::AlertDescription;
    switch (d) {
        case A::CloseNotify:
        case A::UnexpectedMessage:
        case A::BadRecordMac:
        case A::RecordOverflow:
        case A::HandshakeFailure:
        case A::BadCertificate:
        case A::UnsupportedCertificate:
        case A::CertificateRevoked:
        case A::CertificateExpired:
        case A::CertificateUnknown:
        case A::IllegalParameter:
        case A::UnknownCa:
        case A::AccessDenied:
        case A::DecodeError:
        case A::DecryptError:
        case A::ProtocolVersion:
        case A::InsufficientSecurity:
        case A::InternalError:
        case A::InappropriateFallback:
        case A::UserCanceled:
        case A::NoRenegotiation:
        case A::UnsupportedExtension:
        case A::NoApplicationProtocol: return true;
        default: return false;
    }
}

// check_connection aborts (a libFuzzer crash) unless: a failed connection is
// in state Failed, has sent the fatal alert its error maps to (one of RFC
// 5246 §7.2 when TLS 1.3 is not negotiated), and stays failed: more input
// returns the same error and queues nothing, and write() fails.
inline void check_connection(tls::Connection& c, bool may_be_tls13) {
    const auto err = c.error();
    if (!err) return;
    if (c.state() != tls::HandshakeState::Failed) std::abort();
    if (*err != tls::Error::PeerAlert && *err != tls::Error::Closed) {
        const auto a = c.sent_alert();
        if (!a || a->level != tls::AlertLevel::Fatal || a->description != tls::alert_for(*err)) std::abort();
        const bool tls13 =
            c.negotiated().version == tls::kTls13 || (may_be_tls13 && c.negotiated().version == 0);
        if (!tls13 && !is_tls12_alert(a->description)) std::abort();
    }
    (void)c.take_output();
    const std::uint8_t junk[] = {22, 3, 3, 0, 4, 20, 0, 0, 0};
    const auto again = c.receive(core::ByteView(junk, sizeof junk));
    if (again || again.error() != *err || c.has_output()) std::abort();
    const std::uint8_t data[] = {'x'};
    if (c.write(core::ByteView(data, 1))) std::abort();
    if (c.has_output() || c.error() != err) std::abort();
}

}  // namespace strata::fuzz
