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

// State of one IKE SA.
enum class SaState : std::uint8_t { InitSent, HalfOpen, AuthSent, Established, Deleting, Dead };

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

// ChildEntry is one CHILD SA this IKE SA negotiated.
struct ChildEntry {
    std::uint32_t spi_in = 0;
    std::uint32_t spi_out = 0;
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

    [[nodiscard]] IkeSaId id() const { return {spi_i_, spi_r_}; }
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
    void emit_child(Output& out, const NegotiatedChild& algs, std::uint32_t spi_in, std::uint32_t spi_out,
                    ipsec::Mode mode, std::vector<TrafficSelector> local_ts,
                    std::vector<TrafficSelector> remote_ts);
    void handle(const Datagram& in, const ParsedMessage& m, core::Instant now, Output& out);
    std::optional<std::vector<RawPayload>> open(const ParsedMessage& m);
    void timer(core::Instant now, Output& out);
    [[nodiscard]] std::optional<core::Instant> next_timer(const EngineConfig& cfg) const;

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
    void handle_create_child_request(const Header& h, const std::vector<RawPayload>& pl, Output& out);

    // ---- exchange_informational.cpp: INFORMATIONAL ----
    void handle_informational_request(const Header& h, const std::vector<RawPayload>& pl, Output& out);
    void send_delete(Output& out, core::Instant now);
};

}  // namespace strata::ike::v2
