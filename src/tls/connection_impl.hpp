// connection_impl.hpp: the state behind tls::Connection (internal to tls/).
//
// connection.cpp holds the record plumbing (reading records, alerts,
// change_cipher_spec, application data, sending, failing); client13.cpp and
// server13.cpp the TLS 1.3 handshake of each role.
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

// message_hash_of returns the synthetic message_hash handshake message that
// replaces ClientHello1 after a HelloRetryRequest (RFC 8446 §4.4.1).
// subject_of returns the subject of the first DER certificate, "" if none parses.
std::string subject_of(const std::vector<core::Bytes>& der_chain);

// peer_der returns the DER encodings of a chain, leaf first.
std::vector<core::Bytes> peer_der(const std::optional<PeerChain>& chain);

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
