// ticket.hpp: session tickets (RFC 5077; the ticket of RFC 8446 §4.6.1).
//
// A ticket is the server's session state, encrypted under a key only the
// server knows, held by the client and handed back to resume. Layout, after
// RFC 5077 §4's recommended structure:
//
//   struct {
//       opaque key_name[16];     which ticket key sealed it
//       opaque iv[12];           AES-GCM nonce, random per ticket
//       opaque encrypted_state<...>;
//       opaque tag[16];          GCM tag
//   } ticket;
//
// Deviation from RFC 5077 §4 (which recommends AES-128-CBC for the state and
// a separate HMAC-SHA-256 over key_name | IV | encrypted_state): Strata seals
// the state with AES-256-GCM, one authenticated-encryption pass with
// key_name as additional authenticated data, so the key name cannot be
// swapped and there is no MAC-then-decrypt ordering to get wrong. RFC 5077
// leaves the format to the server ("the ticket is opaque to the client").
//
// TicketKeys is a ring of keys that rotates on a schedule: the current key
// seals; a retired key still opens for a grace period; after that it is
// dropped and its tickets are refused. Any ticket that is malformed, sealed
// under an unknown or dropped key, fails authentication, or carries an
// expired session opens to "no resumption" (std::nullopt), never an error
// that would fail the handshake (RFC 5077 §3.4: the server falls back to a
// full handshake).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "crypto/aead.hpp"
#include "crypto/random.hpp"
#include "tls/alert.hpp"
#include "tls/session_cache.hpp"

namespace strata::tls {

// kTicketKeyNameLength is the length of key_name (RFC 5077 §4).
inline constexpr std::size_t kTicketKeyNameLength = 16;
// kTicketIvLength is the AES-GCM nonce length.
inline constexpr std::size_t kTicketIvLength = 12;
// kTicketTagLength is the AES-GCM tag length.
inline constexpr std::size_t kTicketTagLength = 16;
// kTicketOverhead is what a ticket adds to its plaintext.
inline constexpr std::size_t kTicketOverhead = kTicketKeyNameLength + kTicketIvLength + kTicketTagLength;
// kMaxTicketLength is the largest ticket a NewSessionTicket can carry
// (RFC 5077 §3.3, RFC 8446 §4.6.1: ticket<..2^16-1>).
inline constexpr std::size_t kMaxTicketLength = 0xffff;

// serialize_session encodes the resumable state of s (everything but
// s.ticket) as a ticket plaintext:
//   u8 format (1) | u16 version | u16 cipher_suite | secret<1..255> |
//   u8 flags (bit 0: extended master secret) | u64 created (Unix seconds) |
//   u32 ticket_lifetime | u32 ticket_age_add | ticket_nonce<0..255> |
//   alpn<0..255> | server_name<0..2^16-1> | peer_subject<0..2^16-1> |
//   session_id<0..32> |
//   peer_certificates<0..2^24-1> (each <1..2^24-1>)
// The result holds the secret, hence SecretBytes. Fails with
// BadVectorLength if a field does not fit, InternalError if s is not a
// TLS 1.2/1.3 session with a secret or was created before 1970 or after 2106.
Result<core::SecretBytes> serialize_session(const Session& s);

// parse_session decodes a ticket plaintext strictly: framing errors
// (Truncated, TrailingBytes, BadVectorLength), IllegalParameter for an
// unknown format, version, flag, a creation time past 2^32-1 seconds, or a
// secret length the version cannot have (TLS 1.2: 48; TLS 1.3: 32 or 48).
Result<Session> parse_session(core::ByteView plaintext);

// TicketKeysConfig is the rotation schedule.
struct TicketKeysConfig {
    // rotation: how long a key is the sealing key before a new one replaces it.
    std::chrono::seconds rotation{3600};
    // grace: how long a retired key still opens tickets. Choose at least the
    // ticket lifetime, or tickets die before their lifetime ends.
    std::chrono::seconds grace{7200};
    // ticket_lifetime: a session older than this (or than its own non-zero
    // ticket_lifetime, whichever is shorter) does not resume.
    std::chrono::seconds ticket_lifetime{7200};
};

// TicketStats counts what TicketKeys did.
struct TicketStats {
    std::uint64_t sealed = 0;
    std::uint64_t opened = 0;       // tickets that resumed
    std::uint64_t unknown_key = 0;  // key_name not in the ring (or dropped)
    std::uint64_t bad_ticket = 0;   // too short, failed authentication, or bad plaintext
    std::uint64_t expired = 0;      // the session inside was too old
    std::uint64_t rotations = 0;    // new sealing keys made
};

// TicketKeys seals sessions into tickets and opens them. Thread-safe: one
// instance serves every connection of a server configuration.
class TicketKeys {
public:
    // TicketKeys(clock, rng, config): clock and rng must outlive it. Keys are
    // drawn from rng when first needed and at each rotation.
    TicketKeys(const core::Clock& clock, crypto::RandomSource& rng, TicketKeysConfig config = {});
    ~TicketKeys();

    TicketKeys(const TicketKeys&) = delete;
    TicketKeys& operator=(const TicketKeys&) = delete;

    // seal returns a ticket carrying s under the current key (rotating first
    // if the current key is due). Fails with BadVectorLength if the ticket
    // would be over kMaxTicketLength, Crypto if rng or libcrypto fails, and
    // the errors of serialize_session.
    Result<core::Bytes> seal(const Session& s);

    // open returns the session in ticket, or std::nullopt for "no
    // resumption" (see the file comment); it never fails otherwise.
    std::optional<Session> open(core::ByteView ticket);

    // rotate makes a new sealing key now (the old one enters its grace period).
    Status rotate();

    // key_count returns how many keys can still open tickets.
    [[nodiscard]] std::size_t key_count() const;
    // stats returns the counters.
    [[nodiscard]] TicketStats stats() const;

private:
    struct Key {
        std::array<std::uint8_t, kTicketKeyNameLength> name{};
        crypto::Aead aead;
        core::Instant created{};
    };

    // refresh drops keys past their grace period and, if make_current, makes
    // a new sealing key when there is none or the current one is due.
    Status refresh(core::Instant now, bool make_current);
    Status add_key(core::Instant now);

    const core::Clock& clock_;
    crypto::RandomSource& rng_;
    TicketKeysConfig config_;
    mutable std::mutex mu_;
    std::deque<Key> keys_;  // front: the current (newest) key
    TicketStats stats_;
};

}  // namespace strata::tls
