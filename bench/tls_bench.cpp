// tls_bench.cpp: Strata's tls::Connection beside OpenSSL's libssl, same work,
// same run, both sides of each connection in memory in one thread.
//
//   BM_Handshake/<impl>/<version>/<group>/<cert>   one full handshake: a new
//       client and server, every flight delivered, both sides complete; the
//       client verifies the server's chain against the CA and its host name.
//       No session tickets are issued (no session state on either side).
//   BM_Resumed/<impl>/<version>   one resumed handshake with the ticket of the
//       previous connection (TLS 1.3: psk_dhe_ke over X25519); each
//       connection is issued one new ticket, which the next one uses.
//   BM_Bulk/<impl>/<cipher>   one 16 KiB record sealed by the client and
//       opened by the server of an established TLS 1.3 connection.
//   BM_IdleConnection/<impl>   the heap bytes an idle established TLS 1.3
//       connection holds (counters client_bytes, server_bytes): the bytes
//       freed when that one connection is destroyed, counted with
//       malloc_usable_size for C++ allocations (operator new/delete replaced
//       below) and libcrypto/libssl allocations (CRYPTO_set_mem_functions)
//       alike.
//
// impl is "strata" or "libssl". Keys and certificates are generated once at
// start-up through libcrypto (crypto::PrivateKey, crypto::issue_certificate)
// and given to both implementations. A benchmark is registered only after a
// probe run shows that the implementation negotiates exactly the version,
// cipher suite and group named (and resumes, for BM_Resumed); otherwise it is
// left out and the reason is printed, so no figure stands for other work.
#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "tls/config.hpp"
#include "tls/connection.hpp"
#include "tls/session_cache.hpp"
#include "tls/ticket.hpp"
#include "tls/version.hpp"

// ---- counting allocation hooks ----
//
// Every heap block of the process goes through malloc. While g_counting is
// set, frees add the usable size of the block they release to g_freed.

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_freed{0};

void note_free(void* p) noexcept {
    if (p != nullptr && g_counting.load(std::memory_order_relaxed)) {
        g_freed.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
    }
}

[[gnu::noinline]] void* counted_new(std::size_t n) {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

[[gnu::noinline]] void* counted_new_aligned(std::size_t n, std::align_val_t a) {
    const auto align = static_cast<std::size_t>(a);
    void* p = std::aligned_alloc(align, (n + align - 1) / align * align);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

[[gnu::noinline]] void counted_delete(void* p) noexcept {
    note_free(p);
    std::free(p);
}

// libcrypto's hooks (CRYPTO_set_mem_functions).
void* crypto_malloc(std::size_t n, const char* /*file*/, int /*line*/) { return std::malloc(n); }
void* crypto_realloc(void* p, std::size_t n, const char* /*file*/, int /*line*/) {
    // A moved block frees the old one; count what the old block was.
    const std::size_t old = p != nullptr ? malloc_usable_size(p) : 0;
    void* q = std::realloc(p, n);
    if (q != nullptr && p != nullptr && g_counting.load(std::memory_order_relaxed)) {
        const std::size_t now = malloc_usable_size(q);
        if (now < old) g_freed.fetch_add(old - now, std::memory_order_relaxed);
    }
    return q;
}
void crypto_free(void* p, const char* /*file*/, int /*line*/) {
    note_free(p);
    std::free(p);
}
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t n) { return counted_new(n); }
[[gnu::noinline]] void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_new_aligned(n, a); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_delete(p); }

namespace {

namespace tls = strata::tls;
namespace crypto = strata::crypto;
namespace core = strata::core;

bool g_alloc_hooks = false;  // CRYPTO_set_mem_functions succeeded

// freed_by returns the heap bytes released while running f.
std::size_t freed_by(const std::function<void()>& f) {
    g_freed.store(0);
    g_counting.store(true);
    f();
    g_counting.store(false);
    return g_freed.load();
}

constexpr const char* kServerName = "server.example.org";
constexpr std::size_t kBulkRecord = 16384;

// ---- the shared PKI ----

struct Pki {
    std::shared_ptr<crypto::PrivateKey> key;
    crypto::Certificate cert;  // leaf, issued by the CA
    crypto::Certificate ca;
    std::shared_ptr<crypto::TrustStore> trust;
};

Pki make_pki(crypto::SignatureAlg alg) {
    const auto now = std::chrono::system_clock::now();
    auto ca_key = crypto::PrivateKey::generate(alg, 2048).value();
    crypto::CertificateSpec ca_spec{
        "Bench CA", {}, {}, true, now - std::chrono::hours(1), now + std::chrono::hours(48), 1};
    auto ca = crypto::issue_certificate(ca_spec, ca_key.public_key().value(), ca_key, nullptr).value();
    auto key = std::make_shared<crypto::PrivateKey>(crypto::PrivateKey::generate(alg, 2048).value());
    crypto::CertificateSpec spec{
        kServerName, {kServerName}, {}, false, now - std::chrono::hours(1), now + std::chrono::hours(48), 2};
    auto cert = crypto::issue_certificate(spec, key->public_key().value(), ca_key, &ca).value();
    auto trust = std::make_shared<crypto::TrustStore>();
    if (!trust->add(ca)) std::abort();
    return Pki{key, cert, ca, trust};
}

const Pki& pki_for(const std::string& cert) {
    static const Pki ecdsa = make_pki(crypto::SignatureAlg::EcdsaP256Sha256);
    static const Pki rsa = make_pki(crypto::SignatureAlg::RsaPkcs1Sha256);  // rsaEncryption, 2048 bits
    return cert == "rsa-2048" ? rsa : ecdsa;
}

// Case names one benchmark configuration.
struct Case {
    std::uint16_t version;  // kTls13 / kTls12
    std::uint16_t suite;    // IANA id
    std::uint16_t group;    // NamedGroup
    std::string cert;       // "ecdsa-p256" / "rsa-2048"
    bool tickets;           // the server issues one ticket per connection
};

// ---- Strata ----

const core::RealClock& real_clock() {
    static const core::RealClock clock;
    return clock;
}

struct StrataSide {
    std::shared_ptr<tls::Config> client;
    std::shared_ptr<tls::Config> server;
};

StrataSide strata_configs(const Case& c) {
    const Pki& pki = pki_for(c.cert);
    StrataSide s;
    s.server = std::make_shared<tls::Config>();
    s.client = std::make_shared<tls::Config>();
    for (auto* cfg : {s.client.get(), s.server.get()}) {
        cfg->min_version = c.version;
        cfg->max_version = c.version;
        cfg->cipher_suites = {c.suite};
        cfg->groups = {c.group};
    }
    s.server->certificate_chain = {pki.cert};
    s.server->private_key = pki.key;
    s.server->verify = tls::VerifyMode::None;  // no client certificate asked for
    s.client->trust_store = pki.trust;
    s.client->verify = tls::VerifyMode::Required;  // chain and host name, as libssl below
    if (c.tickets) {
        s.server->sessions = std::make_shared<tls::SessionCache>(real_clock());
        s.client->sessions = std::make_shared<tls::SessionCache>(real_clock());
        s.server->tickets_per_connection = 1;
        // TLS 1.2: RFC 5077 tickets, the server keeping no session state, as
        // libssl below (SSL_SESS_CACHE_NO_INTERNAL_STORE).
        if (c.version == tls::kTls12) {
            s.server->ticket_keys = std::make_shared<tls::TicketKeys>(real_clock(), crypto::system_random());
            s.server->sessions = nullptr;
        }
    } else {
        s.server->tickets_per_connection = 0;
    }
    return s;
}

struct StrataPair {
    std::unique_ptr<tls::Connection> client;
    std::unique_ptr<tls::Connection> server;

    explicit StrataPair(const StrataSide& s) {
        auto c = tls::Connection::client(s.client, kServerName, real_clock(), crypto::system_random());
        if (c) client = std::move(c).value();
        auto v = tls::Connection::server(s.server, real_clock(), crypto::system_random());
        if (v) server = std::move(v).value();
    }

    bool ok() const { return client && server && !client->error() && !server->error(); }

    // pump moves bytes both ways until neither side has anything to send.
    bool pump() {
        for (int i = 0; i < 64; ++i) {
            auto c2s = client->take_output();
            auto s2c = server->take_output();
            if (c2s.empty() && s2c.empty()) return ok();
            if (!c2s.empty() && !server->receive(c2s)) return false;
            if (!s2c.empty() && !client->receive(s2c)) return false;
        }
        return false;
    }

    bool handshake() {
        if (!client || !server || !client->start() || !server->start()) return false;
        return pump() && client->handshake_complete() && server->handshake_complete();
    }
};

// ---- libssl ----

using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

struct SslSide {
    SslCtxPtr client{nullptr, SSL_CTX_free};
    SslCtxPtr server{nullptr, SSL_CTX_free};
    SSL_SESSION* session = nullptr;  // the client's ticket for the next resumption
    ~SslSide() { SSL_SESSION_free(session); }
};

const char* ossl_group(std::uint16_t g) { return g == tls::kGroupX25519 ? "X25519" : "P-256"; }

X509* to_x509(const crypto::Certificate& c) {
    const auto der = c.to_der().value();
    const unsigned char* p = der.data();
    return d2i_X509(nullptr, &p, static_cast<long>(der.size()));
}

std::unique_ptr<SslSide> ssl_configs(const Case& c) {
    const Pki& pki = pki_for(c.cert);
    auto s = std::make_unique<SslSide>();
    s->client.reset(SSL_CTX_new(TLS_client_method()));
    s->server.reset(SSL_CTX_new(TLS_server_method()));
    const int v = c.version == tls::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    for (SSL_CTX* ctx : {s->client.get(), s->server.get()}) {
        SSL_CTX_set_min_proto_version(ctx, v);
        SSL_CTX_set_max_proto_version(ctx, v);
        SSL_CTX_set1_groups_list(ctx, ossl_group(c.group));
        if (c.version == tls::kTls13) {
            SSL_CTX_set_ciphersuites(
                ctx, c.suite == 0x1303 ? "TLS_CHACHA20_POLY1305_SHA256" : "TLS_AES_128_GCM_SHA256");
        } else {
            SSL_CTX_set_cipher_list(
                ctx, c.suite == 0xc02f ? "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES128-GCM-SHA256");
        }
        if (!c.tickets) {
            SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        }
    }
    if (c.tickets) {
        SSL_CTX_set_num_tickets(s->server.get(), 1);
        SSL_CTX_set_session_cache_mode(s->client.get(),
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        // The server keeps no session cache of its own: tickets carry the state.
        SSL_CTX_set_session_cache_mode(s->server.get(),
                                       SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    } else {
        SSL_CTX_set_num_tickets(s->server.get(), 0);
    }
    X509* leaf = to_x509(pki.cert);
    SSL_CTX_use_certificate(s->server.get(), leaf);
    X509_free(leaf);
    SSL_CTX_use_PrivateKey(s->server.get(), pki.key->native());
    X509* ca = to_x509(pki.ca);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(s->client.get()), ca);
    X509_free(ca);
    SSL_CTX_set_verify(s->client.get(), SSL_VERIFY_PEER, nullptr);
    return s;
}

struct SslPair {
    SSL* client = nullptr;
    SSL* server = nullptr;
    std::vector<unsigned char> buf = std::vector<unsigned char>(kBulkRecord + 512);

    explicit SslPair(const SslSide& s) {
        client = SSL_new(s.client.get());
        server = SSL_new(s.server.get());
        SSL_set_bio(client, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        SSL_set_bio(server, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        SSL_set_connect_state(client);
        SSL_set_accept_state(server);
        SSL_set_tlsext_host_name(client, kServerName);  // SNI, as Strata sends
        SSL_set1_host(client, kServerName);             // host name check, as Strata does
        if (s.session != nullptr) SSL_set_session(client, s.session);
    }
    ~SslPair() {
        // Mark both ends as closed without sending anything (Strata's pairs
        // send no close_notify either); libssl would otherwise treat the
        // session as broken and refuse to resume it.
        if (client != nullptr) SSL_set_shutdown(client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        if (server != nullptr) SSL_set_shutdown(server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(client);
        SSL_free(server);
    }
    SslPair(const SslPair&) = delete;
    SslPair& operator=(const SslPair&) = delete;

    // move copies what `from` wrote into what `to` reads; returns bytes moved.
    std::size_t move(SSL* from, SSL* to) {
        std::size_t total = 0;
        BIO* out = SSL_get_wbio(from);
        BIO* in = SSL_get_rbio(to);
        while (BIO_ctrl_pending(out) > 0) {
            const int n = BIO_read(out, buf.data(), static_cast<int>(buf.size()));
            if (n <= 0) break;
            BIO_write(in, buf.data(), n);
            total += static_cast<std::size_t>(n);
        }
        return total;
    }

    static bool progressing(SSL* ssl, int rc) {
        if (rc == 1) return true;
        const int err = SSL_get_error(ssl, rc);
        return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
    }

    bool handshake() {
        for (int i = 0; i < 16; ++i) {
            const int rc_c = SSL_do_handshake(client);
            if (!progressing(client, rc_c)) return false;
            const std::size_t a = move(client, server);
            const int rc_s = SSL_do_handshake(server);
            if (!progressing(server, rc_s)) return false;
            const std::size_t b = move(server, client);
            if (rc_c == 1 && rc_s == 1 && a == 0 && b == 0) return true;
        }
        return false;
    }

    // read_pending lets the client process post-handshake messages (tickets).
    void client_read_pending() {
        unsigned char byte = 0;
        (void)SSL_read(client, &byte, 1);
        ERR_clear_error();
    }
};

// ---- probes: does each side really do the work the name says? ----

std::string probe_strata(const Case& c, bool resume) {
    StrataSide cfg = strata_configs(c);
    for (int round = 0; round < (resume ? 3 : 1); ++round) {
        StrataPair p(cfg);
        if (!p.handshake()) {
            std::string why = "handshake failed";
            if (p.client && p.client->error())
                why += std::string(": client ") + std::string(tls::to_string(*p.client->error()));
            if (p.server && p.server->error())
                why += std::string(": server ") + std::string(tls::to_string(*p.server->error()));
            return why;
        }
        const auto& n = p.client->negotiated();
        if (n.version != c.version) return "negotiated another version";
        if (n.cipher_suite != c.suite) return "negotiated another cipher suite";
        if (!n.resumed && n.group != c.group) return "negotiated another group";
        if (resume && round > 0 && !n.resumed) return "did not resume";
        // TLS 1.3 resumes with psk_dhe_ke (a fresh X25519 exchange); a TLS 1.2
        // abbreviated handshake has no key exchange (RFC 5246 §7.3), as libssl's.
        if (resume && round > 0 && c.version == tls::kTls13 && n.group != c.group) {
            return "resumed without (EC)DHE";
        }
        if (!resume && n.resumed) return "resumed where a full handshake was asked for";
    }
    return "";
}

std::string probe_ssl(const Case& c, bool resume) {
    auto cfg = ssl_configs(c);
    for (int round = 0; round < (resume ? 3 : 1); ++round) {
        SslPair p(*cfg);
        if (!p.handshake()) return "handshake failed";
        if (SSL_version(p.client) != (c.version == tls::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION)) {
            return "negotiated another version";
        }
        if ((SSL_CIPHER_get_id(SSL_get_current_cipher(p.client)) & 0xffff) != c.suite) return "another suite";
        if (SSL_get_verify_result(p.client) != X509_V_OK) return "certificate not verified";
        const bool reused = SSL_session_reused(p.client) == 1;
        if (resume && round > 0 && !reused) return "did not resume";
        if (!resume && reused) return "resumed";
        if (resume) {
            p.client_read_pending();
            SSL_SESSION_free(cfg->session);
            cfg->session = SSL_get1_session(p.client);
        }
    }
    return "";
}

// ---- benchmarks ----

void strata_handshake(benchmark::State& state, Case c) {
    StrataSide cfg = strata_configs(c);
    for (auto _ : state) {
        StrataPair p(cfg);
        if (!p.handshake()) {
            state.SkipWithError("handshake failed");
            break;
        }
    }
}

void ssl_handshake(benchmark::State& state, Case c) {
    auto cfg = ssl_configs(c);
    for (auto _ : state) {
        SslPair p(*cfg);
        if (!p.handshake()) {
            state.SkipWithError("handshake failed");
            break;
        }
    }
}

void strata_resumed(benchmark::State& state, Case c) {
    StrataSide cfg = strata_configs(c);
    {
        StrataPair first(cfg);  // the full handshake whose ticket the loop starts with
        if (!first.handshake()) state.SkipWithError("first handshake failed");
    }
    for (auto _ : state) {
        StrataPair p(cfg);
        if (!p.handshake() || !p.client->negotiated().resumed) {
            state.SkipWithError("resumption failed");
            break;
        }
    }
}

void ssl_resumed(benchmark::State& state, Case c) {
    auto cfg = ssl_configs(c);
    {
        SslPair first(*cfg);
        if (!first.handshake()) state.SkipWithError("first handshake failed");
        first.client_read_pending();
        cfg->session = SSL_get1_session(first.client);
    }
    for (auto _ : state) {
        SslPair p(*cfg);
        if (!p.handshake() || SSL_session_reused(p.client) != 1) {
            state.SkipWithError("resumption failed");
            break;
        }
        p.client_read_pending();  // take the new ticket, as Strata's client does
        SSL_SESSION_free(cfg->session);
        cfg->session = SSL_get1_session(p.client);
    }
}

void strata_bulk(benchmark::State& state, Case c) {
    StrataSide cfg = strata_configs(c);
    StrataPair p(cfg);
    if (!p.handshake()) {
        state.SkipWithError("handshake failed");
        return;
    }
    const core::Bytes record(kBulkRecord, 0x5a);
    for (auto _ : state) {
        if (!p.client->write(record)) break;
        const core::Bytes wire = p.client->take_output();
        if (!p.server->receive(wire)) break;
        core::Bytes got = p.server->read();
        if (got.size() != kBulkRecord) {
            state.SkipWithError("short read");
            break;
        }
        benchmark::DoNotOptimize(got.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulkRecord));
}

void ssl_bulk(benchmark::State& state, Case c) {
    auto cfg = ssl_configs(c);
    SslPair p(*cfg);
    if (!p.handshake()) {
        state.SkipWithError("handshake failed");
        return;
    }
    const std::vector<unsigned char> record(kBulkRecord, 0x5a);
    std::vector<unsigned char> got(kBulkRecord);
    for (auto _ : state) {
        if (SSL_write(p.client, record.data(), static_cast<int>(record.size())) !=
            static_cast<int>(kBulkRecord)) {
            state.SkipWithError("write failed");
            break;
        }
        p.move(p.client, p.server);
        if (SSL_read(p.server, got.data(), static_cast<int>(got.size())) != static_cast<int>(kBulkRecord)) {
            state.SkipWithError("short read");
            break;
        }
        benchmark::DoNotOptimize(got.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulkRecord));
}

void strata_idle(benchmark::State& state, Case c) {
    StrataSide cfg = strata_configs(c);
    std::size_t client_bytes = 0;
    std::size_t server_bytes = 0;
    for (auto _ : state) {
        StrataPair p(cfg);
        if (!p.handshake()) {
            state.SkipWithError("handshake failed");
            break;
        }
        (void)p.client->read();
        (void)p.server->read();
        client_bytes = freed_by([&] { p.client.reset(); });
        server_bytes = freed_by([&] { p.server.reset(); });
    }
    state.counters["client_bytes"] = static_cast<double>(client_bytes);
    state.counters["server_bytes"] = static_cast<double>(server_bytes);
}

void ssl_idle(benchmark::State& state, Case c) {
    auto cfg = ssl_configs(c);
    std::size_t client_bytes = 0;
    std::size_t server_bytes = 0;
    for (auto _ : state) {
        SslPair p(*cfg);
        if (!p.handshake()) {
            state.SkipWithError("handshake failed");
            break;
        }
        // The memory BIOs stand in for sockets: give each side fresh, empty
        // ones so that only the connection's own state is counted.
        SSL_set_bio(p.client, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        SSL_set_bio(p.server, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        client_bytes = freed_by([&] {
            SSL_free(p.client);
            p.client = nullptr;
        });
        server_bytes = freed_by([&] {
            SSL_free(p.server);
            p.server = nullptr;
        });
    }
    state.counters["client_bytes"] = static_cast<double>(client_bytes);
    state.counters["server_bytes"] = static_cast<double>(server_bytes);
}

using Fn = void (*)(benchmark::State&, Case);

void add(const std::string& name, Fn fn, const Case& c, const std::string& probe_error) {
    if (!probe_error.empty()) {
        std::fprintf(stderr, "tls_bench: %s not registered: %s\n", name.c_str(), probe_error.c_str());
        return;
    }
    benchmark::RegisterBenchmark(name.c_str(), fn, c)->Unit(benchmark::kMicrosecond);
}

void register_all() {
    struct HandshakeRow {
        const char* tail;
        Case c;
    };
    const HandshakeRow handshakes[] = {
        {"1.3/x25519/ecdsa-p256", {tls::kTls13, 0x1301, tls::kGroupX25519, "ecdsa-p256", false}},
        {"1.3/x25519/rsa-2048", {tls::kTls13, 0x1301, tls::kGroupX25519, "rsa-2048", false}},
        {"1.2/x25519/rsa-2048", {tls::kTls12, 0xc02f, tls::kGroupX25519, "rsa-2048", false}},
    };
    for (const auto& h : handshakes) {
        add(std::string("BM_Handshake/strata/") + h.tail, strata_handshake, h.c, probe_strata(h.c, false));
        add(std::string("BM_Handshake/libssl/") + h.tail, ssl_handshake, h.c, probe_ssl(h.c, false));
    }
    const HandshakeRow resumed[] = {
        {"1.3", {tls::kTls13, 0x1301, tls::kGroupX25519, "ecdsa-p256", true}},
        {"1.2", {tls::kTls12, 0xc02f, tls::kGroupX25519, "rsa-2048", true}},
    };
    for (const auto& r : resumed) {
        add(std::string("BM_Resumed/strata/") + r.tail, strata_resumed, r.c, probe_strata(r.c, true));
        add(std::string("BM_Resumed/libssl/") + r.tail, ssl_resumed, r.c, probe_ssl(r.c, true));
    }
    const HandshakeRow bulk[] = {
        {"aes128gcm", {tls::kTls13, 0x1301, tls::kGroupX25519, "ecdsa-p256", false}},
        {"chacha20poly1305", {tls::kTls13, 0x1303, tls::kGroupX25519, "ecdsa-p256", false}},
    };
    for (const auto& b : bulk) {
        add(std::string("BM_Bulk/strata/") + b.tail, strata_bulk, b.c, probe_strata(b.c, false));
        add(std::string("BM_Bulk/libssl/") + b.tail, ssl_bulk, b.c, probe_ssl(b.c, false));
    }
    const Case idle{tls::kTls13, 0x1301, tls::kGroupX25519, "ecdsa-p256", false};
    if (g_alloc_hooks) {
        add("BM_IdleConnection/strata", strata_idle, idle, probe_strata(idle, false));
        add("BM_IdleConnection/libssl", ssl_idle, idle, probe_ssl(idle, false));
    } else {
        std::fprintf(stderr,
                     "tls_bench: BM_IdleConnection not registered: libcrypto allocated before the "
                     "counting hooks could be installed\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Must come before anything allocates through libcrypto.
    g_alloc_hooks = CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free) == 1;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
