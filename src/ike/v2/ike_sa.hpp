// ike_sa.hpp: one IKEv2 SA inside the Engine (internal to ike/v2).
//
// IkeSa holds an IKE SA's state, keys, message-ID window (size 1, RFC 7296
// §2.3), the request it waits an answer for (retransmitted with back-off,
// §2.1, §2.4) and the last response (re-sent for a retransmitted request).
// Its exchanges live in their own files: exchange_init.cpp (IKE_SA_INIT),
// exchange_auth.cpp (IKE_AUTH and the first CHILD SA), exchange_child.cpp
// (CREATE_CHILD_SA), exchange_informational.cpp (INFORMATIONAL); ike_sa.cpp
// holds sending, dispatch, SK handling and timers.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "crypto/dh.hpp"
#include "ike/config.hpp"
#include "ike/events.hpp"
#include "ike/v2/auth_context.hpp"
#include "ike/v2/engine.hpp"
#include "ike/v2/keys.hpp"
#include "ike/v2/message.hpp"
#include "ike/v2/negotiation.hpp"

namespace strata::ike::v2 {

// State of one IKE SA. Rekeyed: replaced by a new IKE SA (RFC 7296 §1.3.2),
// kept only to answer the peer's DELETE (or a retransmission) until it expires.
enum class SaState : std::uint8_t { InitSent, HalfOpen, AuthSent, Established, Deleting, Rekeyed, Dead };

// TaskKind is a request this side wants to make on an established IKE SA;
// they wait in a queue because only one request is outstanding (§2.3).
enum class TaskKind : std::uint8_t { NewChild, RekeyChild, RekeyIke, DeleteChild, DeleteIke, Dpd };

// Task is one queued request; spi_in names the CHILD SA (rekey/delete).
struct Task {
    TaskKind kind = TaskKind::Dpd;
    std::uint32_t spi_in = 0;
    core::Instant not_before{};            // a retry after TEMPORARY_FAILURE waits
    std::optional<crypto::DhGroup> group;  // after INVALID_KE_PAYLOAD: the group asked for
    unsigned retries = 0;
    std::size_t spec = 0;  // NewChild: which configured child (Engine::specs_for)
};

// ChildExchange is this side's CREATE_CHILD_SA request in flight: what the
// response needs to finish it (RFC 7296 §1.3).
struct ChildExchange {
    Task task;  // what started it (re-queued on TEMPORARY_FAILURE / INVALID_KE_PAYLOAD)
    TaskKind kind = TaskKind::NewChild;
    std::uint32_t old_spi_in = 0;   // RekeyChild: the SA being replaced
    std::uint32_t new_spi_in = 0;   // NewChild / RekeyChild: our new SPI
    std::uint64_t new_ike_spi = 0;  // RekeyIke: our SPI of the new IKE SA
    core::Bytes ni;                 // our nonce in this exchange
    std::optional<crypto::KeyExchange> ke;
    std::vector<TrafficSelector> tsi, tsr;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    std::size_t spec = 0;  // the configured child it is for
};

// Outstanding is the request this side waits an answer for.
struct Outstanding {
    std::uint32_t message_id = 0;
    ExchangeType exchange = ExchangeType::Informational;
    core::Bytes bytes;
    std::vector<core::Bytes> more;  // SKF fragments 2..n, sent with bytes (RFC 7383 §2.6.1)
    unsigned sends = 0;
    core::Duration wait{};
    core::Instant next_at{};
};

// ChildState: Installed (in use), Rekeying (our REKEY_SA outstanding),
// Rekeyed (replaced, waiting for its DELETE), Deleting (our DELETE outstanding).
enum class ChildState : std::uint8_t { Installed, Rekeying, Rekeyed, Deleting };

// Collision records the peer's REKEY_SA exchange for a CHILD SA this host is
// rekeying itself (RFC 7296 §2.8.1): its nonces and the SA it created.
struct Collision {
    core::Bytes ni, nr;
    std::uint32_t new_spi_in = 0;
};

// ChildEntry is one CHILD SA this IKE SA negotiated.
struct ChildEntry {
    std::size_t spec = 0;  // the configured child it was negotiated for (Engine::specs_for)
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
    NegotiatedChild algs;
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    std::vector<TrafficSelector> local_ts, remote_ts;
    core::Bytes keymat_in, keymat_out;  // encryption || integrity key copies (ChildInfo)
    bool initiator = false;             // this host sent the request that created it
    core::Instant installed{};
    std::optional<core::Instant> rekey_at;   // soft lifetime (rekey_time - jitter)
    std::optional<core::Instant> expire_at;  // hard lifetime (life_time)
    ChildState state = ChildState::Installed;
    std::optional<Collision> collision;
};

// IkeCollision records the peer's IKE rekey answered while this host's own
// was outstanding (RFC 7296 §2.8.2): its nonces and the new IKE SA's local SPI.
struct IkeCollision {
    core::Bytes ni, nr;
    std::uint64_t new_local_spi = 0;
};

// IkeSa is one IKE SA and the exchanges running on it.
class IkeSa {
public:
    IkeSa(Engine& e, const ConnectionConfig& c, bool initiator) : eng_(e), conn_(c), initiator_(initiator) {}

    Engine& eng_;
    const ConnectionConfig& conn_;
    bool initiator_;
    SaState state_ = SaState::InitSent;
    std::uint64_t spi_i_ = 0, spi_r_ = 0;
    Endpoint local_, remote_;
    core::Bytes ni_, nr_, cookie_;
    std::optional<crypto::KeyExchange> ke_;
    core::Bytes init_request_, init_response_;
    NegotiatedIke algs_;
    std::optional<IkeKeys> keys_;
    std::optional<SkCrypto> sk_;
    bool nat_local_ = false, nat_remote_ = false;
    std::uint32_t first_child_spi_ = 0;
    std::vector<ChildEntry> children_;
    std::uint32_t next_request_id_ = 0;
    std::uint32_t expected_request_id_ = 0;
    core::Bytes last_response_;
    std::optional<Outstanding> outstanding_;
    core::Instant created_{};
    Identity peer_id_;
    core::SecretBytes g_ir_;
    core::ByteView raw_;  // the datagram being handled (for SK's AAD/ICV)
    AuthContext auth_;    // peer's signature hashes, SKF fragments (auth_context.hpp)
    std::deque<Task> tasks_;
    std::optional<ChildExchange> cx_;
    std::optional<IkeCollision> ike_collision_;
    std::optional<core::Instant> up_at_;          // established (or rekeyed in)
    std::optional<core::Instant> ike_rekey_at_;   // soft IKE lifetime
    std::optional<core::Instant> ike_expire_at_;  // hard IKE lifetime (rekey + over time)
    std::optional<core::Instant> rekeyed_until_;  // state Rekeyed: forget after this
    core::Instant last_received_{};               // last authenticated message (DPD)
    core::Instant last_sent_{};                   // last datagram sent (NAT keepalives)
    bool announced_ = true;                       // false: a redundant IKE SA of a collision, never reported
    bool dpd_probe_ = false;
    std::uint64_t successor_ = 0;  // Rekeyed: the local SPI of the IKE SA that took the CHILD SAs // the
                                   // outstanding request is a liveness check
    core::Instant now_{};          // the time of the call being handled
    std::vector<std::uint32_t> deleting_spis_;  // our DELETE of CHILD SAs in flight

    [[nodiscard]] IkeSaId id() const { return {spi_i_, spi_r_}; }
    // spec is the configured child number i of this connection (0: the first).
    [[nodiscard]] const ChildSpec& spec(std::size_t i) const;
    // has_child_for: a CHILD SA of configured child i exists (not being
    // deleted), or is asked for (queued or in flight).
    [[nodiscard]] bool has_child_for(std::size_t i) const;
    // pick_spec chooses the configured child for a peer's CHILD SA request
    // (tsi: the peer's side): the first whose selectors hold tsi and tsr and
    // whose proposals match, else the first they overlap (§2.9 narrowing).
    // Without one, *why is NO_PROPOSAL_CHOSEN or TS_UNACCEPTABLE.
    std::optional<std::size_t> pick_spec(const std::vector<Proposal>& offered,
                                         const std::vector<TrafficSelector>& tsi,
                                         const std::vector<TrafficSelector>& tsr, bool with_dh,
                                         NotifyType* why) const;
    [[nodiscard]] std::uint64_t local_spi() const { return initiator_ ? spi_i_ : spi_r_; }

    // ---- ike_sa.cpp: sending, keys, NAT detection, dispatch, timers ----
    [[nodiscard]] Header header(ExchangeType ex, bool response, std::uint32_t mid) const;
    [[nodiscard]] Datagram dg(core::Bytes b) const { return Datagram{local_, remote_, std::move(b)}; }
    void send_request(Output& out, ExchangeType ex, core::Bytes bytes, core::Instant now);
    bool send_encrypted_request(Output& out, ExchangeType ex, const std::vector<RawPayload>& pl,
                                core::Instant now);
    void send_response(Output& out, ExchangeType ex, std::uint32_t mid, const std::vector<RawPayload>& pl);
    std::vector<RawPayload> nat_payloads(std::uint64_t spi_i, std::uint64_t spi_r);
    void check_nat(const std::vector<Notify>& ns, const Header& h, const Datagram& in);
    [[nodiscard]] bool nat() const { return nat_local_ || nat_remote_; }
    bool setup_keys();
    void fail_down(Output& out, std::string reason);
    void children_down(Output& out, const std::string& reason);
    void emit_up(Output& out);
    void emit_child(Output& out, std::size_t spec, const NegotiatedChild& algs, std::uint32_t spi_in,
                    std::uint32_t spi_out, ipsec::Mode mode, std::vector<TrafficSelector> local_ts,
                    std::vector<TrafficSelector> remote_ts);
    void handle(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out);
    std::optional<std::vector<RawPayload>> open(const ParsedMessage& m);
    void timer(core::Instant now, Output& out);
    [[nodiscard]] std::optional<core::Instant> next_timer(const EngineConfig& cfg) const;
    // jitter returns a random duration in [0, max] from the engine's rng.
    core::Duration jitter(core::Duration max);
    // became_up starts the IKE SA's lifetimes and liveness clocks.
    void became_up(core::Instant now);
    // install_child derives a CHILD SA's keys (RFC 7296 §2.17: KEYMAT =
    // prf+(SK_d, [g^ir (new) |] Ni | Nr), the exchange initiator's keys
    // first), records it and reports ChildSaUp, or ChildSaRekeyed when it
    // replaces `replaces`. exchange_initiator: this host sent the request.
    bool install_child(Output& out, std::size_t spec, const NegotiatedChild& algs, std::uint32_t spi_in,
                       std::uint32_t spi_out, ipsec::Mode mode, std::vector<TrafficSelector> local_ts,
                       std::vector<TrafficSelector> remote_ts, core::ByteView g_ir, core::ByteView ni,
                       core::ByteView nr, bool exchange_initiator, std::optional<std::uint32_t> replaces,
                       core::Instant now);
    ChildEntry* child_by_in(std::uint32_t spi_in);
    ChildEntry* child_by_out(std::uint32_t spi_out);
    // queue adds a task (front: before the others) and starts it if idle.
    void queue(Task t, bool front, core::Instant now, Output& out);
    // pump starts the next queued task when no request is outstanding.
    void pump(core::Instant now, Output& out);

    // ---- exchange_init.cpp: IKE_SA_INIT, initiator side ----
    bool start(Output& out, core::Instant now, const crypto::DhInfo* group);
    void handle_init_response(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out);

    // ---- exchange_auth.cpp: IKE_AUTH and the first CHILD SA, both roles ----
    void send_auth(Output& out, core::Instant now);
    bool verify_auth(const std::vector<RawPayload>& pl, PayloadType id_type, const core::Bytes& signed_msg,
                     const core::Bytes& nonce, const core::SecretBytes& sk_p, std::string& why);
    void handle_auth_response(const std::vector<RawPayload>& pl, Output& out);
    void handle_auth_request(const Datagram& in, const Header& h, const std::vector<RawPayload>& pl,
                             Output& out);
    bool own_auth(std::vector<RawPayload>& pl, const core::Bytes& signed_msg, const core::Bytes& nonce,
                  const core::SecretBytes& sk_p, const core::Bytes& id_body, std::string& why);

    // ---- fragment_exchange.cpp: SKF fragments (RFC 7383) ----
    bool send_fragmented_request(Output& out, ExchangeType ex, const std::vector<RawPayload>& pl,
                                 core::Instant now);
    void send_fragmented_response(Output& out, ExchangeType ex, std::uint32_t mid,
                                  const std::vector<RawPayload>& pl);
    std::optional<std::vector<RawPayload>> open_fragment(const ParsedMessage& m);
    void resend_response_fragments(const Datagram& in, std::uint32_t mid, Output& out) const;

    // ---- exchange_child.cpp: CREATE_CHILD_SA ----
    void handle_create_child_request(const Header& h, const std::vector<RawPayload>& pl, core::Instant now,
                                     Output& out);
    void handle_create_child_response(const std::vector<RawPayload>& pl, core::Instant now, Output& out);
    bool start_create_child(const Task& t, core::Instant now, Output& out);
    void answer_rekey_ike(const Header& h, const std::vector<RawPayload>& pl, const std::vector<Notify>& ns,
                          core::Instant now, Output& out);
    void answer_child(const Header& h, const std::vector<RawPayload>& pl, const std::vector<Notify>& ns,
                      core::Instant now, Output& out);
    void finish_rekey_ike(const std::vector<RawPayload>& pl, const std::vector<Notify>& ns, core::Instant now,
                          Output& out);
    void finish_child(const std::vector<RawPayload>& pl, const std::vector<Notify>& ns, core::Instant now,
                      Output& out);
    // make_rekeyed_ike builds the new IKE SA of a rekey (§2.18) and hands it to the engine.
    IkeSa* make_rekeyed_ike(bool initiator, std::uint64_t spi_i, std::uint64_t spi_r,
                            const NegotiatedIke& algs, core::ByteView g_ir, core::ByteView ni,
                            core::ByteView nr, core::Instant now);
    // move_children_to hands every CHILD SA to the new IKE SA and reports IkeSaRekeyed.
    void move_children_to(IkeSa& n, core::Instant now, Output& out);
    // child_failed ends a CREATE_CHILD_SA of ours that did not work out
    // (ChildSaFailed); child_failed_quietly before a retry.
    void child_failed(const std::string& reason, core::Instant now, Output& out);
    void child_failed_quietly();
    bool has_collision();
    // retire marks a replaced IKE SA: it only waits for the peer's DELETE.
    void retire(core::Instant now);

    // ---- exchange_informational.cpp: INFORMATIONAL ----
    void handle_informational_request(const Header& h, const std::vector<RawPayload>& pl, Output& out);
    void send_delete(Output& out, core::Instant now);
    void send_delete_child(std::uint32_t spi_in, core::Instant now, Output& out);
    void send_dpd(core::Instant now, Output& out);
    void handle_informational_response(const std::vector<RawPayload>& pl, Output& out);
};

}  // namespace strata::ike::v2
