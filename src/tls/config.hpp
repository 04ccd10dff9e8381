// config.hpp: tls::Config, what many connections share.
//
// A Config holds the versions, cipher suites, groups and signature schemes
// offered or accepted (in preference order), the certificate chain and key,
// the trust store and verification mode, ALPN protocols, the session store
// and the key-log sink. Build it once, check() it, and hand a
// std::shared_ptr<const Config> to every Connection; a Config is not changed
// while connections use it (the session store and key log are thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "tls/alert.hpp"
#include "tls/handshake.hpp"
#include "tls/session_cache.hpp"
#include "tls/ticket.hpp"
#include "tls/version.hpp"

namespace strata::tls {

// KeyLogSink receives NSS key-log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET
// <client_random> <secret>", no newline) for Wireshark. Implementations must
// be thread-safe when the Config is shared across threads. Debug use only:
// the lines are live keys.
class KeyLogSink {
public:
    virtual ~KeyLogSink() = default;
    // log writes one line.
    virtual void log(std::string_view line) = 0;
};

// VerifyMode says how a peer's certificate is treated.
enum class VerifyMode : std::uint8_t {
    None,      // client: accept any server certificate (tests only); server: ask for none
    Optional,  // server: ask for a client certificate, verify it if sent
    Required,  // client: verify the server chain and name; server: require a client certificate
};

// NamedGroup values (RFC 8446 §4.2.7).
inline constexpr std::uint16_t kGroupSecp256r1 = 0x0017;
inline constexpr std::uint16_t kGroupSecp384r1 = 0x0018;
inline constexpr std::uint16_t kGroupX25519 = 0x001d;

// Config is the shared configuration of connections.
struct Config {
    // Versions accepted, inclusive: TLS 1.3 only by default; set min_version
    // to kTls12 to allow TLS 1.2 as well (a client then offers both and a
    // server picks the highest the client offers). Anything below TLS 1.2 is
    // never accepted.
    std::uint16_t min_version = kTls13;
    std::uint16_t max_version = kTls13;
    // cipher_suites in preference order (IANA ids). TLS 1.3 suites are used
    // by TLS 1.3 only, the others by TLS 1.2 only.
    std::vector<std::uint16_t> cipher_suites{0x1301, 0x1302, 0x1303,
                                             // TLS 1.2: ECDHE + AEAD first, then CBC, then RSA key transport
                                             0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc023, 0xc027,
                                             0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d, 0x003c, 0x003d,
                                             0x002f, 0x0035};
    // groups in preference order; a client sends a key share for the first.
    std::vector<std::uint16_t> groups{kGroupX25519, kGroupSecp256r1, kGroupSecp384r1};
    // signature_schemes accepted from the peer and used to sign, in preference order.
    std::vector<std::uint16_t> signature_schemes{0x0403, 0x0503, 0x0807, 0x0804, 0x0805,
                                                 0x0806, 0x0401, 0x0501, 0x0601};
    // certificate_chain (leaf first) and private_key: the server's, or the
    // client's for client authentication. Empty for a client without one.
    std::vector<crypto::Certificate> certificate_chain;
    std::shared_ptr<const crypto::PrivateKey> private_key;
    // trust_store verifies the peer's chain (required unless verify is None
    // on a client / the server asks for no certificate).
    std::shared_ptr<const crypto::TrustStore> trust_store;
    // verify is the verification mode (see VerifyMode).
    VerifyMode verify = VerifyMode::Required;
    // alpn protocols (client: offered in order; server: preference order).
    // A server with a list refuses a client whose list has none in common
    // (no_application_protocol, RFC 7301 §3.2).
    std::vector<std::string> alpn;
    // sessions: the SessionCache shared by TLS 1.3 and 1.2 connections; a
    // server keeps the tickets it issued (each resumes once), a client the
    // newest ticket per server name. Null disables resumption.
    std::shared_ptr<SessionCache> sessions;
    // tickets_per_connection: NewSessionTickets a server sends after a handshake.
    unsigned tickets_per_connection = 1;
    // ticket_lifetime in seconds (at most 604800, RFC 8446 §4.6.1).
    std::uint32_t ticket_lifetime = 7200;
    // ticket_keys seal and open TLS 1.2 session tickets (RFC 5077) on a
    // server; null: no tickets are issued and offered tickets are ignored.
    std::shared_ptr<TicketKeys> ticket_keys;
    // require_extended_master_secret refuses a TLS 1.2 peer without the
    // extended_master_secret extension (RFC 7627) with handshake_failure.
    bool require_extended_master_secret = true;
    // keylog receives every connection's secrets when set.
    std::shared_ptr<KeyLogSink> keylog;
    // middlebox_compat sends a dummy change_cipher_spec and a non-empty
    // legacy_session_id (RFC 8446 Appendix D.4).
    bool middlebox_compat = true;
    // client_hello_hook, when set, may edit the extensions of a client's
    // ClientHello before it is encoded (tests that replay an RFC 8448 trace
    // byte for byte; experiments). pre_shared_key is appended after it and
    // its binder computed over the result. Leave unset in production.
    std::function<void(std::vector<Extension>&)> client_hello_hook;

    // check returns InternalError if the Config cannot work: no suite, no
    // group, no signature scheme, a version range outside TLS 1.2..1.3, a
    // chain without a key (or the reverse), a key that fits no scheme.
    [[nodiscard]] Status check() const;
};

// parse_cipher_suites turns a colon- or comma-separated list of IANA names
// ("TLS_AES_128_GCM_SHA256") or OpenSSL names into suite ids. Fails with
// IllegalParameter on an unknown name (the name goes to *bad when given).
Result<std::vector<std::uint16_t>> parse_cipher_suites(std::string_view list, std::string* bad = nullptr);
// parse_groups turns "X25519:P-256:P-384" (also x25519, secp256r1,
// prime256v1, secp384r1) into NamedGroup ids.
Result<std::vector<std::uint16_t>> parse_groups(std::string_view list, std::string* bad = nullptr);
// cipher_suite_name returns the IANA name of a suite, "unknown" otherwise.
std::string_view cipher_suite_name(std::uint16_t suite) noexcept;
// group_name returns "x25519", "secp256r1", "secp384r1", or "unknown".
std::string_view group_name(std::uint16_t group) noexcept;
// signature_scheme_name returns the RFC name of a scheme, or "unknown".
std::string_view signature_scheme_name(std::uint16_t scheme) noexcept;
// version_name returns "TLSv1.3", "TLSv1.2", ... or "unknown".
std::string_view version_name(std::uint16_t version) noexcept;

}  // namespace strata::tls
