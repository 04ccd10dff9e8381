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
// CREATE_CHILD_SA (§1.3: new CHILD SAs, CHILD SA rekey with REKEY_SA and a
// new KE for PFS, IKE SA rekey per §2.18 with the CHILD SAs moving over,
// simultaneous rekeys resolved by the lowest nonce per §2.8.1/§2.8.2,
// TEMPORARY_FAILURE retried, INVALID_KE_PAYLOAD retried with the group asked
// for), INFORMATIONAL (DELETE of IKE and CHILD SAs, liveness checks answered
// and sent after dpd_interval of silence), requests retransmitted with
// exponential back-off until a give-up point, the last response cached and
// re-sent for a retransmitted request.
//
// Rekeying: the engine schedules IKE and CHILD rekeys itself from the
// connection's lifetimes (rekey_time minus a random share of rand_time) and
// deletes SAs at their hard lifetime; rekey_child / rekey_ike / child_expired
// trigger them from outside. A rekeyed CHILD SA reports ChildSaRekeyed (the
// new SA, install it) and later ChildSaDown for the old one once its DELETE
// has been exchanged, so traffic never stops; a rekeyed IKE SA reports
// IkeSaRekeyed (its CHILD SAs keep their SPIs and now belong to new_id).
// Behind a NAT the engine emits NAT keepalives (RFC 3948 §2.3): a datagram
// with raw set and the single byte 0xFF, to be sent without a non-ESP marker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
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
    // raw: a NAT keepalive (RFC 3948 §2.3): send data as is, with no
    // non-ESP marker even on port 4500.
    bool raw = false;
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
    std::uint64_t dpd_sent = 0;           // liveness checks sent (empty INFORMATIONAL)
    std::uint64_t keepalives_sent = 0;    // NAT keepalives (RFC 3948 §2.3)
    std::uint64_t rekey_collisions = 0;   // simultaneous rekeys resolved (§2.8.1, §2.8.2)
};

// ChildInfo describes a CHILD SA (tests, listings, the gateway).
struct ChildInfo {
    std::string connection;
    std::string child;        // the configured child it was negotiated for (ChildSpec::name)
    std::uint32_t reqid = 0;  // its reqid (0: none configured)
    IkeSaId ike;
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
    NegotiatedChild algorithms;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    std::vector<TrafficSelector> local_ts;
    std::vector<TrafficSelector> remote_ts;
    bool initiator = false;  // this host sent the request that created it
    bool rekeying = false;   // replaced or being replaced (not yet deleted)
    core::Bytes keymat_in;   // encryption || integrity key, copies for tests and key files
    core::Bytes keymat_out;
    core::Instant installed{};
    std::optional<core::Instant> rekey_at;
    std::optional<core::Instant> expires_at;
};

// IkeInfo describes an IKE SA.
struct IkeInfo {
    std::string connection;
    IkeSaId id;
    bool initiator = false;    // this host is the IKE SA's original initiator
    bool established = false;  // authenticated and not replaced or being deleted
    NegotiatedIke algorithms;
    Endpoint local;
    Endpoint remote;
    bool nat_local = false;
    bool nat_remote = false;
    std::optional<core::Instant> rekey_at;    // soft lifetime: this host rekeys then (§2.18)
    std::optional<core::Instant> expires_at;  // hard lifetime: deleted then if not rekeyed
    std::size_t children = 0;
};

// KeyLogEntry is an IKE SA's keys for Wireshark's ikev2_decryption_table.
struct KeyLogEntry {
    IkeSaId id;
    NegotiatedIke algorithms;
    core::Bytes sk_ei, sk_er, sk_ai, sk_ar;  // copies: debug output only
    core::Bytes skeyseed, sk_d;              // RFC 7296 §2.14 / §2.18, copies
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

    // rekey_child replaces the CHILD SA with this inbound SPI (CREATE_CHILD_SA
    // with REKEY_SA, a new KE when its proposal has a group; RFC 7296 §1.3.3).
    Output rekey_child(std::uint32_t spi_in, core::Instant now);
    // rekey_ike replaces the connection's established IKE SAs (§1.3.2).
    Output rekey_ike(std::string_view connection, core::Instant now);
    // delete_child sends a DELETE for the CHILD SA with this inbound SPI.
    Output delete_child(std::uint32_t spi_in, core::Instant now);
    // delete_ike sends a DELETE for the connection's IKE SAs (and so their CHILD SAs).
    Output delete_ike(std::string_view connection, core::Instant now);
    // child_expired is the datapath's report that a CHILD SA reached a soft
    // (rekey it) or hard (delete it) limit.
    Output child_expired(std::uint32_t spi_in, bool hard, core::Instant now);
    // create_child asks for one more CHILD SA on the connection's IKE SA
    // with the configured selectors (§1.3.1): those of the first child, or
    // of the child named `child` (ChildSpec::name; an unknown one: nothing),
    // the latter only if that child has no SA yet nor one on its way.
    Output create_child(std::string_view connection, core::Instant now);
    Output create_child(std::string_view connection, std::string_view child, core::Instant now);

    [[nodiscard]] std::vector<ChildInfo> children() const;
    [[nodiscard]] std::vector<IkeInfo> ike_sas() const;

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
    // specs_for lists a connection's CHILD SAs: [0] from its own fields, then more_children.
    const std::vector<ChildSpec>& specs_for(const ConnectionConfig& c) const;
    const ConnectionConfig* connection_for(const Endpoint& local, const Endpoint& remote) const;
    // new_child queues a NewChild task for configured child `index` on the
    // connection's established IKE SA (unless_present: not if it has one).
    Output new_child(std::string_view connection, std::size_t index, bool unless_present, core::Instant now);
    void respond_init(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out);
    // adopt takes a new IKE SA made during a call (a rekey); it joins sas_ when the call ends.
    void adopt(std::unique_ptr<IkeSa> sa);
    void settle();  // moves adopted SAs into sas_, forgets dead ones
    IkeSa* owner_of_child(std::uint32_t spi_in);
    IkeSa* find_sa(std::uint64_t local_spi);

    EngineConfig config_;
    crypto::RandomSource& rng_;
    // cookies_ makes and checks the responder's COOKIEs (RFC 7296 §2.6).
    CookieJar cookies_{rng_, config_.cookie_secret_lifetime};
    std::vector<std::vector<ChildSpec>> specs_;            // by index of config_.connections
    std::map<std::uint64_t, std::unique_ptr<IkeSa>> sas_;  // keyed by this host's SPI
    std::vector<std::unique_ptr<IkeSa>> adopted_;
    EngineStats stats_;
};

}  // namespace strata::ike::v2
