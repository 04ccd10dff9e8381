// connection_impl.hpp: the state behind tls::Connection (internal to tls/).
//
// connection.cpp holds the record plumbing (reading records, alerts,
// change_cipher_spec, application data, sending, failing); client13.cpp and
// server13.cpp the TLS 1.3 handshake of each role; client12.cpp,
// server12.cpp and tls12_common.cpp the TLS 1.2 handshake.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_table.hpp"
#include "crypto/dh.hpp"
#include "tls/certificate_auth.hpp"
#include "tls/connection.hpp"
#include "tls/handshake.hpp"
#include "tls/key_derivation12.hpp"
#include "tls/key_schedule.hpp"
#include "tls/messages13.hpp"
#include "tls/record.hpp"

namespace strata::tls {

// kPskDheKe is the psk_dhe_ke PskKeyExchangeMode (RFC 8446 §4.2.9).
inline constexpr std::uint8_t kPskDheKe = 1;

// dh_group_for maps a NamedGroup to the crypto layer's group.
std::optional<crypto::DhGroup> dh_group_for(std::uint16_t named_group) noexcept;

// compute_binder returns a resumption PSK binder (RFC 8446 §4.2.11.2): the
// Finished-style HMAC under binder_key("res binder") over
// Hash(prefix | truncated_client_hello).
Result<core::Bytes> compute_binder(crypto::HashAlg hash, core::ByteView psk, core::ByteView prefix,
                                   core::ByteView truncated_client_hello);

// subject_of returns the subject of the first DER certificate, "" if none parses.
std::string subject_of(const std::vector<core::Bytes>& der_chain);

// peer_der returns the DER encodings of a chain, leaf first.
std::vector<core::Bytes> peer_der(const std::optional<PeerChain>& chain);

// chain_der returns the DER encodings of our own chain, leaf first, for a
// Certificate message (Crypto if one does not encode).
Result<std::vector<core::Bytes>> chain_der(std::span<const crypto::Certificate> chain);

// message_hash_of returns the synthetic message_hash handshake message that
// replaces ClientHello1 after a HelloRetryRequest (RFC 8446 §4.4.1).
Result<core::Bytes> message_hash_of(crypto::HashAlg hash, core::ByteView client_hello1);

struct Connection::Impl {
    Impl(Role r, std::shared_ptr<const Config> c, const core::Clock& clk, crypto::RandomSource& random)
        : role(r), cfg(std::move(c)), clock(clk), rng(random) {}

    // ---- fixed ----
    Role role;
    std::shared_ptr<const Config> cfg;
    const core::Clock& clock;
    crypto::RandomSource& rng;

    // ---- status ----
    HandshakeState state = HandshakeState::Start;
    std::optional<Error> error;
    std::optional<Alert> peer_alert;
    std::optional<Alert> sent_alert;
    Negotiated neg;
    bool peer_closed = false;
    bool local_closed = false;

    // ---- records ----
    RecordReader reader;
    HandshakeReassembler reassembler;
    std::optional<RecordProtection> read_prot;
    std::optional<RecordProtection> write_prot;
    core::Bytes out;
    core::Bytes app_in;
    bool ccs_sent = false;
    bool ccs_allowed = false;  // a peer's middlebox-compatibility CCS may arrive now

    // ---- handshake ----
    Random client_random{};
    Random server_random{};
    core::Bytes session_id;
    const crypto::TlsCipherSuiteInfo* suite = nullptr;
    std::optional<Transcript> transcript;
    core::Bytes pending_transcript;  // messages before the hash is known
    core::Bytes hrr_prefix;          // message_hash(ClientHello1) | HelloRetryRequest, after an HRR
    std::optional<KeySchedule> keys;
    core::SecretBytes client_hs_secret;
    core::SecretBytes server_hs_secret;
    core::SecretBytes client_ap_secret;
    core::SecretBytes server_ap_secret;
    core::SecretBytes resumption_master;
    std::optional<PeerChain> peer_chain;
    std::optional<crypto::PublicKey> peer_key;

    // client
    std::vector<std::pair<std::uint16_t, crypto::KeyExchange>> my_shares;
    std::vector<std::uint16_t> offered_extensions;
    core::Bytes cookie;
    std::shared_ptr<const Session> offered_session;
    bool cert_requested = false;
    core::Bytes cert_request_context;
    std::vector<std::uint16_t> cert_request_schemes;

    // TLS 1.2 (both roles)
    bool tls12 = false;     // TLS 1.2 negotiated: change_cipher_spec is real, alerts are protected
    bool keep_raw = false;  // keep the raw handshake messages (TLS 1.2 CertificateVerify signs them)
    core::Bytes hs_raw;     // handshake messages so far, when keep_raw
    core::SecretBytes master_secret;
    core::SecretBytes premaster12;                  // client: the ECDHE secret until ClientKeyExchange
    std::optional<RecordProtection> pending_read;   // installed at the peer's change_cipher_spec
    std::optional<RecordProtection> pending_write;  // installed at our change_cipher_spec
    std::optional<crypto::KeyExchange> ecdhe;       // our ephemeral ECDHE key
    bool secure_renegotiation = false;              // RFC 5746: the peer signalled it
    bool ticket_expected = false;                   // client: the server will send a NewSessionTicket
    bool send_ticket12 = false;                     // server: send a NewSessionTicket
    core::Bytes new_ticket12;                       // client: the ticket the server sent
    std::uint32_t new_ticket_lifetime = 0;
    std::shared_ptr<const Session> offered12;  // client: the TLS 1.2 session offered
    std::optional<Session> resumed12;          // server: the TLS 1.2 session being resumed
    std::uint16_t client_version12 = kTls12;   // ClientHello.client_version (RSA premaster)
    std::uint16_t sig_scheme12 = 0;            // server: the ServerKeyExchange signature scheme

    // server
    bool hello_retry_sent = false;
    std::uint16_t hrr_group = 0;
    std::uint16_t peer_sig_scheme_choice = 0;
    std::vector<std::uint16_t> client_sig_schemes;
    std::shared_ptr<const Session> accepted_session;
    bool client_cert_requested = false;

    // ---- plumbing (connection.cpp) ----
    Status fail_with(Error e);
    Status process_records();
    Status handle_record(Record& rec);
    Status handle_handshake_message(const HandshakeMessage& m);
    Status handle_post_handshake(const HandshakeMessage& m);
    Status send_handshake(core::ByteView encoded);
    Status send_ccs();
    void send_alert(Alert a);
    Status add_transcript(core::ByteView encoded);
    Status start_transcript(crypto::HashAlg hash);
    Result<core::Bytes> transcript_hash() const;
    Status install_read(core::ByteView secret);
    Status install_write(core::ByteView secret);
    // accept_peer_chain decodes the peer's Certificate list, checks it
    // against the trust store when `verify` (and the leaf against `name`
    // when not empty), and keeps the chain, the leaf's key and its subject.
    Status accept_peer_chain(std::span<const core::Bytes> der, bool verify, std::string_view name);
    void keylog(int label, core::ByteView secret) const;
    // derive_handshake_secrets starts the key schedule with psk (empty for a
    // full handshake) and the (EC)DHE secret, and derives and logs both
    // handshake traffic secrets (RFC 8446 §7.1); each role installs them.
    Status derive_handshake_secrets(core::ByteView psk, core::ByteView dhe);
    Status derive_application_secrets();
    Status key_update_read();
    Status key_update_write();

    // ---- TLS 1.3 client (client13.cpp) ----
    Status client_start();
    Result<core::Bytes> build_client_hello(bool second);
    Status client_on_server_hello(const HandshakeMessage& m);
    Status client_on_hello_retry(const ServerHello& sh, const ServerHelloExtensions& ext,
                                 const HandshakeMessage& m);
    Status client_on_encrypted_extensions(const HandshakeMessage& m);
    Status client_on_certificate_request(const HandshakeMessage& m);
    Status client_on_certificate(const HandshakeMessage& m);
    Status client_on_certificate_verify(const HandshakeMessage& m);
    Status client_on_finished(const HandshakeMessage& m);
    Status client_on_new_session_ticket(const HandshakeMessage& m);

    // ---- TLS 1.2 common (tls12_common.cpp) ----
    bool allows12() const noexcept { return cfg->min_version <= kTls12; }
    bool allows13() const noexcept { return cfg->max_version >= kTls13; }
    Status handle_handshake12(const HandshakeMessage& m);
    Status handle_ccs12(const Record& rec);
    Status handle_post_handshake12(const HandshakeMessage& m);
    Status send_ccs12();
    // derive_master12 computes the master secret from premaster (the
    // extended one when negotiated, RFC 7627 §4) and logs it.
    Status derive_master12(core::ByteView premaster);
    // derive_keys12 makes both directions' record protection from the master
    // secret (RFC 5246 §6.3) into pending_read / pending_write.
    Status derive_keys12();
    Status send_finished12();
    Status check_finished12_msg(const HandshakeMessage& m);
    Session make_session12() const;

    // ---- TLS 1.2 client (client12.cpp) ----
    void add_client_hello12_extensions(std::vector<Extension>& exts);
    Status client12_on_server_hello(const ServerHello& sh, const ServerHelloExtensions& ext,
                                    const HandshakeMessage& m);
    Status client12_on_certificate(const HandshakeMessage& m);
    Status client12_on_server_key_exchange(const HandshakeMessage& m);
    Status client12_on_certificate_request(const HandshakeMessage& m);
    Status client12_on_server_hello_done(const HandshakeMessage& m);
    Status client12_on_new_session_ticket(const HandshakeMessage& m);
    Status client12_on_finished(const HandshakeMessage& m);

    // ---- TLS 1.2 server (server12.cpp) ----
    Status server12_on_client_hello(const HandshakeMessage& m, const ClientHello& ch,
                                    const ClientHelloExtensions& ext);
    Status server12_send_full_flight(const ClientHelloExtensions& ext);
    Status server12_on_certificate(const HandshakeMessage& m);
    Status server12_on_client_key_exchange(const HandshakeMessage& m);
    Status server12_on_certificate_verify(const HandshakeMessage& m);
    Status server12_on_finished(const HandshakeMessage& m);
    Status server12_send_ticket();

    // ---- TLS 1.3 server (server13.cpp) ----
    Status server_on_client_hello(const HandshakeMessage& m);
    Status server_send_flight(const ClientHello& ch, const ClientHelloExtensions& ext,
                              const KeyShareEntry& share);
    Status server_on_certificate(const HandshakeMessage& m);
    Status server_on_certificate_verify(const HandshakeMessage& m);
    Status server_on_finished(const HandshakeMessage& m);
    Status server_send_tickets();
};

}  // namespace strata::tls
