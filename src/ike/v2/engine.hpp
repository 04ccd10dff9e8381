// engine.hpp: the sans-IO IKEv2 engine (RFC 7296).
//
// An Engine holds the IKE SAs of every configured connection. It is driven
// from outside: datagrams and the current time go in (receive, on_timer,
// initiate, shutdown), and each call returns an Output with the datagrams to
// send and the events for the gateway; next_timer() says when to call
// on_timer again. It opens no socket and reads no clock.
//
// Datagrams carry bare IKE messages: on port 4500 the io layer strips the
// four-byte non-ESP marker (RFC 3948 §2.2) before receive() and adds it to
// every datagram whose local or remote port is 4500 before sending.
//
// Exchanges handled: IKE_SA_INIT (proposal selection, INVALID_KE_PAYLOAD and
// a retry with the group asked for, COOKIE echoed, NAT detection and the
// move to port 4500), IKE_AUTH with PSK (RFC 7296 §2.15) and the first CHILD
// SA with traffic-selector narrowing (§2.9) and USE_TRANSPORT_MODE,
// INFORMATIONAL (DELETE of IKE and CHILD SAs, liveness checks answered),
// requests retransmitted with exponential back-off until a give-up point,
// the last response cached and re-sent for a retransmitted request.
// CREATE_CHILD_SA requests are answered NO_ADDITIONAL_SAS for now.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "ike/config.hpp"
#include "ike/events.hpp"
#include "ike/v2/cookie.hpp"
#include "ike/v2/keys.hpp"

namespace strata::ike::v2 {

// Datagram is one UDP payload with its two endpoints (local: this host).
struct Datagram {
    Endpoint local;
    Endpoint remote;
    core::Bytes data;
};

// Output is what one call produced.
struct Output {
    std::vector<Datagram> datagrams;
    std::vector<Event> events;
};

// EngineStats counts what was dropped and why.
struct EngineStats {
    std::uint64_t malformed = 0;         // did not parse
    std::uint64_t integrity_failed = 0;  // SK ICV mismatch
    std::uint64_t unknown_spi = 0;       // no IKE SA for the SPIs
    std::uint64_t bad_message_id = 0;    // outside the window / unexpected response
    std::uint64_t retransmits_answered = 0;
    std::uint64_t half_open_dropped = 0;  // over max_half_open
    std::uint64_t cookies_sent = 0;       // IKE_SA_INIT answered with a COOKIE (RFC 7296 §2.6)
};

// KeyLogEntry is an IKE SA's keys for Wireshark's ikev2_decryption_table.
struct KeyLogEntry {
    IkeSaId id;
    NegotiatedIke algorithms;
    core::Bytes sk_ei, sk_er, sk_ai, sk_ar;  // copies: debug output only
};

class IkeSa;

// Engine is the IKEv2 protocol core.
class Engine {
public:
    // Engine(config, rng) keeps config; rng supplies SPIs, nonces, DH keys and
    // IVs (a SeededRandom makes runs reproducible). rng must outlive it.
    Engine(EngineConfig config, crypto::RandomSource& rng);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // initiate starts an IKE SA (and its first CHILD SA) for the named
    // connection; an unknown name produces nothing.
    Output initiate(std::string_view connection, core::Instant now);
    // receive handles one datagram.
    Output receive(const Datagram& in, core::Instant now);
    // on_timer retransmits, gives up and expires half-open SAs due by now.
    Output on_timer(core::Instant now);
    // shutdown sends a DELETE for every established IKE SA (RFC 7296 §1.4.1)
    // and forgets every SA, reporting IkeSaDown / ChildSaDown.
    Output shutdown(core::Instant now);
    // next_timer is the earliest time on_timer has work, if any.
    [[nodiscard]] std::optional<core::Instant> next_timer() const;

    // half_open returns how many responder SAs wait for IKE_AUTH.
    [[nodiscard]] std::size_t half_open() const noexcept;
    // sa_count returns how many IKE SAs exist (any state).
    [[nodiscard]] std::size_t sa_count() const noexcept { return sas_.size(); }
    [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
    // key_log returns the keys of every IKE SA that has them.
    [[nodiscard]] std::vector<KeyLogEntry> key_log() const;

private:
    friend class IkeSa;
    const ConnectionConfig* find_connection(std::string_view name) const;
    const ConnectionConfig* connection_for(const Endpoint& local, const Endpoint& remote) const;
    void respond_init(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out);

    EngineConfig config_;
    crypto::RandomSource& rng_;
    // cookies_ makes and checks the responder's COOKIEs (RFC 7296 §2.6).
    CookieJar cookies_{rng_, config_.cookie_secret_lifetime};
    std::map<std::uint64_t, std::unique_ptr<IkeSa>> sas_;  // keyed by this host's SPI
    EngineStats stats_;
};

}  // namespace strata::ike::v2
