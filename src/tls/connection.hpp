// connection.hpp: tls::Connection, one TLS connection without any I/O.
//
// The caller moves bytes; the Connection does the protocol (picotls-style
// sans-IO). Typical loop:
//
//   auto c = Connection::client(config, "example.org", clock, rng);
//   c->start();                                 // queues the ClientHello
//   send(c->take_output());
//   while (!c->handshake_complete()) {
//       c->receive(read_some());                // may queue output
//       send(c->take_output());
//   }
//   c->write(plaintext); send(c->take_output());
//   c->receive(bytes); auto data = c->read();
//   c->close(); send(c->take_output());         // close_notify
//
// Errors: receive()/write() return the tls::Error that ended the connection.
// A fatal alert for it is queued in take_output() (RFC 8446 §6.2) and the
// connection stays failed: every later call returns the same error.
// Not thread-safe; one Connection per thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "tls/alert.hpp"
#include "tls/config.hpp"

namespace strata::tls {

// Role is which side of the handshake a Connection plays.
enum class Role : std::uint8_t { Client, Server };

// HandshakeState is where a connection's handshake is (printable by to_string).
enum class HandshakeState : std::uint8_t {
    Start,            // created, nothing sent or received
    WaitServerHello,  // client: ClientHello sent
    WaitEncryptedExtensions,
    WaitCertificateOrRequest,
    WaitCertificate,  // client: after CertificateRequest
    WaitCertificateVerify,
    WaitServerFinished,
    WaitClientHello,  // server: waiting for a (second) ClientHello
    WaitClientCertificate,
    WaitClientCertificateVerify,
    WaitClientFinished,
    // TLS 1.2 only (RFC 5246 §7.3)
    WaitServerKeyExchange,  // client: after the server's Certificate
    WaitServerHelloDone,    // client: CertificateRequest or ServerHelloDone next
    WaitClientKeyExchange,  // server: after its ServerHelloDone (and the client's Certificate)
    WaitNewSessionTicket,   // client: the server announced a ticket (RFC 5077 §3.3)
    WaitChangeCipherSpec,   // either: the peer's change_cipher_spec is next
    Connected,              // handshake complete, application data flows
    Closed,                 // close_notify received or sent and the connection ended
    Failed,                 // a fatal error; see error()
};

// to_string returns a printable name of s ("wait_server_hello").
std::string_view to_string(HandshakeState s) noexcept;

// Negotiated is what the handshake settled on (valid once known; all of it
// once handshake_complete()).
struct Negotiated {
    std::uint16_t version = 0;            // kTls13 / kTls12
    std::uint16_t cipher_suite = 0;       // IANA id
    std::uint16_t group = 0;              // NamedGroup of the (EC)DHE exchange
    std::uint16_t signature_scheme = 0;   // the peer's CertificateVerify scheme (0 if resumed)
    std::string peer_subject;             // RFC 2253 subject of the peer's leaf certificate ("" if none)
    std::string alpn;                     // "" if none
    std::string server_name;              // SNI sent (client) or received (server)
    bool resumed = false;                 // PSK resumption (1.3), abbreviated handshake (1.2)
    bool hello_retry = false;             // a HelloRetryRequest was used
    bool extended_master_secret = false;  // TLS 1.2: RFC 7627 negotiated
    bool encrypt_then_mac = false;        // TLS 1.2: RFC 7366 negotiated (CBC suites)
};

// Connection is one TLS client or server connection.
class Connection {
public:
    // client makes a client connection that will talk to server_name (sent as
    // SNI and checked against the certificate: a DNS name, or an IP address
    // then not sent as SNI). config must pass Config::check(); clock gives the
    // time for certificate validity and tickets; rng the randoms and key
    // shares. config, clock and rng must outlive the Connection.
    static Result<std::unique_ptr<Connection>> client(std::shared_ptr<const Config> config,
                                                      std::string server_name, const core::Clock& clock,
                                                      crypto::RandomSource& rng);
    // server makes a server connection; config must hold a certificate chain and key.
    static Result<std::unique_ptr<Connection>> server(std::shared_ptr<const Config> config,
                                                      const core::Clock& clock, crypto::RandomSource& rng);

    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // start begins the handshake: a client queues its ClientHello (a server
    // does nothing). Call once, before receive().
    Status start();

    // receive processes bytes received from the peer (any split) and queues
    // whatever must be answered. Returns the error that failed the
    // connection (then a fatal alert is queued, except for PeerAlert).
    Status receive(core::ByteView bytes);

    // take_output returns and clears the bytes to send to the peer.
    core::Bytes take_output();
    // has_output is true when take_output() would return bytes.
    [[nodiscard]] bool has_output() const noexcept;

    // write queues application data (after the handshake). Fails with
    // InternalError before handshake_complete(), Closed after close().
    Status write(core::ByteView plaintext);
    // read returns and clears the application data received so far.
    core::Bytes read();

    // key_update sends a KeyUpdate and moves to the next sending key
    // (RFC 8446 §4.6.3); request_peer asks the peer to update too.
    Status key_update(bool request_peer);

    // close queues a close_notify alert (RFC 8446 §6.1); nothing can be
    // written after it.
    Status close();

    // handshake_complete is true once both Finished messages are done.
    [[nodiscard]] bool handshake_complete() const noexcept;
    // peer_closed is true once the peer's close_notify has been received.
    [[nodiscard]] bool peer_closed() const noexcept;
    // state returns the handshake state.
    [[nodiscard]] HandshakeState state() const noexcept;
    // error returns the error that failed the connection, if any.
    [[nodiscard]] std::optional<Error> error() const noexcept;
    // peer_alert returns the fatal alert the peer sent, if any.
    [[nodiscard]] std::optional<Alert> peer_alert() const noexcept;
    // sent_alert returns the fatal alert this side sent, if any.
    [[nodiscard]] std::optional<Alert> sent_alert() const noexcept;
    // negotiated returns the parameters settled so far.
    [[nodiscard]] const Negotiated& negotiated() const noexcept;
    // role returns whether this is a client or a server.
    [[nodiscard]] Role role() const noexcept;

    struct Impl;

private:
    explicit Connection(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> impl_;
};

}  // namespace strata::tls
