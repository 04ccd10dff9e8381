// engine.hpp: the sans-IO IKEv1 engine (RFC 2408, RFC 2409, RFC 3706).
//
// Datagrams, addresses and the time go in (initiate, receive, on_timer and
// the requests below); datagrams to send and events for the gateway come out
// (Output), and next_timer() says when on_timer has work. No socket, no
// clock, no thread.
//
// Exchanges: main mode with pre-shared keys or RSA / ECDSA signatures and
// X.509 certificates (six messages, RFC 2409 §5, §5.1, RFC 4754),
// quick mode with optional PFS and client IDs (§5.5), informational
// exchanges with HASH (§5.7): DELETE of ISAKMP and IPsec SAs, notifications,
// dead peer detection (RFC 3706). Aggressive mode is refused with
// UNSUPPORTED-EXCHANGE-TYPE on purpose (docs/ikev1.md).
//
// Reliability: the side waiting for an answer (initiator in main mode and
// in quick mode, responder after QM2) retransmits with back-off and gives
// up after RetransmitConfig::tries sends; a retransmitted request is answered
// with the stored reply (duplicates are compared byte for byte before any
// decryption). Lifetimes: seconds (timers here) and kilobytes (counted by
// the datapath, reported back through child_expired); the initiator of an
// SA rekeys it before it expires, then deletes the old one.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "ike/config.hpp"
#include "ike/events.hpp"
#include "ike/v1/cookie.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/transforms.hpp"

namespace strata::ike::v1 {

// Datagram is one UDP payload with its endpoints (local: this host).
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

// ChildSpec is one further IPsec SA pair of a connection, negotiated by a
// quick mode of its own under the ISAKMP SA (RFC 2409 §5.5: a quick mode
// carries one pair of client IDs; several may run under one ISAKMP SA, each
// with its own message ID). reqid, if not 0, goes into the ChildSaKeys of its
// SAs so that the gateway can tell the children apart.
struct ChildSpec {
    std::string name;
    std::uint32_t reqid = 0;
    ipsec::Protocol protocol = ipsec::Protocol::Esp;
    std::vector<crypto::Proposal> esp_proposals;  // ike::parse_proposals(..., Esp)
    std::vector<crypto::Proposal> ah_proposals;   // parse_ah_proposals()
    // The client IDs (IDci = local_ts, IDcr = remote_ts when this host
    // initiates); nullopt: the ISAKMP peer's own address.
    std::optional<TrafficSelector> local_ts;
    std::optional<TrafficSelector> remote_ts;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    core::Duration lifetime = std::chrono::hours(1);
    std::uint64_t kilobytes = 0;  // 0: no volume limit
    core::Duration rekey_margin = std::chrono::minutes(9);
    // start: the initiator of the ISAKMP SA runs this quick mode once main
    // mode is done; false: only on request (Engine::initiate_child).
    bool start = true;
};

// Connection is one IKEv1 peer: the shared ConnectionConfig and what only
// IKEv1 needs.
//
// Its first IPsec SA pair is described by protocol, base.esp_proposals /
// ah_proposals, the first of base.local_ts / base.remote_ts, base.mode,
// child_lifetime, child_kilobytes, rekey_margin and initiate_child, and
// named by base.child_name / base.child_reqid; more_children lists further
// ones. A responder serves a quick mode with the first of these whose
// selectors equal the client IDs the initiator proposes or, failing that,
// contain them (as strongSwan's IKEv1 does), and whose proposals match.
struct Connection {
    ConnectionConfig base;
    // protocol of the IPsec SAs; for AH the proposals are ah_proposals.
    ipsec::Protocol protocol = ipsec::Protocol::Esp;
    std::vector<crypto::Proposal> ah_proposals;  // parse_ah_proposals()
    core::Duration ike_lifetime = std::chrono::hours(3);
    core::Duration child_lifetime = std::chrono::hours(1);
    std::uint64_t child_kilobytes = 0;  // 0: no volume limit
    // rekey_margin: the initiator of an SA rekeys it this long before it
    // expires (at most half the lifetime).
    core::Duration rekey_margin = std::chrono::minutes(9);
    // initiate_child: the initiator starts quick mode once main mode is done.
    bool initiate_child = true;
    // nat_traversal announces RFC 3947 and, with a peer that does too, sends
    // NAT-D in MM3/MM4; on a NAT (or base.force_encap) IKE moves to
    // natt_port and ESP is UDP-encapsulated (RFC 3948).
    bool nat_traversal = true;
    std::uint16_t natt_port = 4500;
    std::vector<ChildSpec> more_children;
};

// EngineConfig is everything the engine runs with.
struct EngineConfig {
    std::vector<Connection> connections;
    // max_half_open bounds the MM1 offers kept for MM3 (oldest dropped first).
    std::size_t max_half_open = 1024;
    // half_open_timeout drops a responder exchange that stalls before MM5.
    core::Duration half_open_timeout = std::chrono::seconds(30);
    // cookie_window is how long a cookie secret lives (RFC 2408 §2.5.3).
    core::Duration cookie_window = std::chrono::seconds(60);
    // wall_clock gives calendar time for the validity of a peer's
    // certificate (RFC 5280 §6.1.3); null: signature authentication fails.
    const core::Clock* wall_clock = nullptr;
    // certificate_cache keeps peer certificates parsed (exact-DER keyed; the
    // checks run every time); null: the engine makes its own.
    std::shared_ptr<crypto::CertificateCache> certificate_cache;
};

// parse_ah_proposals reads "sha256-modp2048,sha1" (integrity, optional PFS
// group) for AH; nullopt on an unknown keyword or a proposal without integrity.
std::optional<std::vector<crypto::Proposal>> parse_ah_proposals(std::string_view text);

// EngineStats counts what was dropped or answered and why.
struct EngineStats {
    std::uint64_t malformed = 0;        // header or payloads did not parse
    std::uint64_t unknown_cookies = 0;  // no SA for the cookies
    std::uint64_t invalid_cookies = 0;  // MM3 whose responder cookie did not verify
    std::uint64_t auth_failed = 0;      // HASH mismatch
    std::uint64_t duplicates = 0;       // retransmitted requests answered from the cache
    std::uint64_t retransmits = 0;      // our own resends
    std::uint64_t half_open_evicted = 0;
    std::uint64_t notifies_sent = 0;
    std::uint64_t refused_exchanges = 0;  // aggressive mode and other exchange types
    std::uint64_t dpd_sent = 0;           // R-U-THERE sent (RFC 3706)
    std::uint64_t dpd_acked = 0;          // R-U-THERE-ACK received for them
    std::uint64_t dpd_answered = 0;       // peer's R-U-THERE answered with an ACK
};

// ChildInfo describes an installed IPsec SA pair (tests, ctl, swanctl-like listings).
struct ChildInfo {
    std::string connection;
    std::string child;        // the child it was negotiated for (ChildSpec::name, base.child_name)
    std::uint32_t reqid = 0;  // its reqid (0: none configured)
    TrafficSelector local_ts;
    TrafficSelector remote_ts;
    IkeSaId ike;
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
    Phase2Choice choice;
    bool initiator = false;
    core::Bytes keymat_in;  // enc || integ, copies for tests and key files
    core::Bytes keymat_out;
    core::Instant installed{};
    std::optional<core::Instant> rekey_at;
    core::Instant expires_at{};
    // lifetimes returns the limits to install the SA with (hard = negotiated).
    [[nodiscard]] ipsec::Lifetimes lifetimes() const;
};

// IkeInfo describes an ISAKMP SA.
struct IkeInfo {
    std::string connection;
    IkeSaId id;
    bool initiator = false;
    bool established = false;
    Phase1Choice choice;
    core::Bytes enc_key;  // for Wireshark's ikev1_decryption_table (debug)
    Endpoint local;       // where IKE runs (natt_port after NAT-T)
    Endpoint remote;
    bool nat_local = false;   // NAT-D: this host is behind a NAT (or claims to be)
    bool nat_remote = false;  // NAT-D: the peer is
    // SKEYID family and the exchange's public values, for listings and the demo.
    core::Bytes skeyid;
    core::Bytes skeyid_d;
    core::Bytes skeyid_a;
    core::Bytes skeyid_e;
};

class Engine {
public:
    // Engine(config, rng): rng supplies cookies' secrets, nonces, SPIs, DH
    // keys and message IDs (a SeededRandom makes runs reproducible); it must
    // outlive the engine.
    Engine(EngineConfig config, crypto::RandomSource& rng);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // initiate starts main mode (then quick mode) for the named connection.
    Output initiate(std::string_view connection, core::Instant now);
    // initiate_child negotiates the named child of a connection: a quick
    // mode if an ISAKMP SA is up and the child has no SA nor one on its way,
    // else main mode first (then this child and those with start). An
    // unknown connection or child: nothing.
    Output initiate_child(std::string_view connection, std::string_view child, core::Instant now);
    // receive handles one datagram.
    Output receive(const Datagram& in, core::Instant now);
    // on_timer retransmits, gives up, rekeys, expires and probes (DPD).
    Output on_timer(core::Instant now);
    // next_timer is the earliest time on_timer has work.
    [[nodiscard]] std::optional<core::Instant> next_timer() const;

    // delete_child sends a DELETE for the IPsec SA pair with this inbound SPI.
    Output delete_child(std::uint32_t spi_in, core::Instant now);
    // delete_ike sends a DELETE for the connection's ISAKMP SAs and their IPsec SAs.
    Output delete_ike(std::string_view connection, core::Instant now);
    // rekey_child starts a quick mode that replaces the SA with this inbound SPI.
    Output rekey_child(std::uint32_t spi_in, core::Instant now);
    // rekey_ike starts a main mode that replaces the connection's ISAKMP SA.
    Output rekey_ike(std::string_view connection, core::Instant now);
    // child_expired is the datapath's report that an SA reached a soft
    // (rekey it) or hard (delete it) volume limit.
    Output child_expired(std::uint32_t spi_in, bool hard, core::Instant now);
    // shutdown deletes every SA (sending DELETEs) and forgets everything.
    Output shutdown(core::Instant now);

    [[nodiscard]] std::vector<ChildInfo> children() const;
    [[nodiscard]] std::vector<IkeInfo> ike_sas() const;
    [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
    // half_open returns how many MM1 offers wait for their MM3.
    [[nodiscard]] std::size_t half_open() const noexcept { return half_open_.size(); }

    struct Phase1Sa;
    struct QuickExchange;
    struct Child;
    struct HalfOpen;

private:
    using SaKey = std::pair<std::uint64_t, std::uint64_t>;

    const Connection* find_connection(std::string_view name) const;
    // specs_for lists a connection's children: [0] from its own fields, then more_children.
    const std::vector<ChildSpec>& specs_for(const Connection& c) const;
    // start_children runs a quick mode for each child of sa's connection
    // with start (or asked for by initiate_child) that has no SA yet.
    void start_children(Phase1Sa& sa, core::Instant now, Output& out);
    [[nodiscard]] bool child_pending(const Connection* conn, std::size_t spec) const;
    const Connection* connection_for(const Datagram& in) const;
    Phase1Sa* established_for(const Connection* conn);

    // main_mode.cpp
    void start_main_mode(const Connection& conn, core::Instant now, Output& out,
                         std::optional<IkeSaId> rekey_of);
    void on_main_mode(const Datagram& in, const Header& h, core::Instant now, Output& out);
    void respond_mm1(const Datagram& in, const Header& h, core::Instant now, Output& out);
    void respond_mm3(const Datagram& in, const Header& h, HalfOpen ho, core::Instant now, Output& out);
    void on_mm2(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void on_mm4(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void on_mm5(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void on_mm6(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void phase1_up(Phase1Sa& sa, core::Instant now, Output& out);
    bool append_natd(Phase1Sa& sa, std::vector<OutPayload>& payloads);

    // quick_mode.cpp
    // start_quick negotiates child `spec` of sa's connection; a rekey takes
    // the spec and client IDs of the SA it replaces.
    void start_quick(Phase1Sa& sa, core::Instant now, Output& out, std::optional<std::uint32_t> rekey_of,
                     std::size_t spec = 0);
    void on_quick(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void respond_qm1(Phase1Sa& sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void install_child(Phase1Sa& sa, QuickExchange& qx, core::Instant now, Output& out);

    // informational.cpp
    void on_informational(Phase1Sa* sa, const Datagram& in, const Header& h, core::Instant now, Output& out);
    void send_informational(Phase1Sa& sa, std::vector<OutPayload> payloads, Output& out);
    void send_plain_notify(const Datagram& in, const Header& h, NotifyType type, Output& out);
    void send_delete_child(Phase1Sa* sa, const Child& c, Output& out);
    void remove_child(std::uint32_t spi_in, std::string_view reason, Output& out);
    void remove_phase1(const SaKey& key, std::string_view reason, bool auth_failure, Output& out);
    void send_dpd(Phase1Sa& sa, core::Instant now, Output& out);

    // engine.cpp helpers
    std::uint32_t new_message_id(const Phase1Sa& sa);
    std::uint32_t new_spi();
    void send(Phase1Sa& sa, core::Bytes bytes, Output& out);
    void arm_retransmit(Phase1Sa& sa, core::Instant now);

    EngineConfig config_;
    crypto::RandomSource& rng_;
    CookieJar cookies_;
    std::map<SaKey, std::unique_ptr<Phase1Sa>> p1_;
    std::map<SaKey, std::unique_ptr<HalfOpen>> half_open_;
    std::deque<SaKey> half_open_order_;
    std::map<std::uint32_t, std::unique_ptr<Child>> children_;  // by inbound SPI
    std::vector<std::vector<ChildSpec>> specs_;                 // by index of config_.connections
    // requested_: children initiate_child asked for while main mode runs.
    std::map<const Connection*, std::set<std::size_t>> requested_;
    EngineStats stats_;
};

}  // namespace strata::ike::v1
