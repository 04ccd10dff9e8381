// engine_state.hpp: the engine's per-SA state (private to ike/v1/*.cpp).
#pragma once

#include <optional>
#include <string>

#include "crypto/dh.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/keys.hpp"
#include "ike/v1/protection.hpp"

namespace strata::ike::v1 {

// Phase1State is where an ISAKMP SA stands in main mode.
enum class Phase1State : std::uint8_t {
    Mm1Sent,      // initiator: waiting for MM2
    Mm3Sent,      // initiator: waiting for MM4
    Mm5Sent,      // initiator: waiting for MM6
    Mm4Sent,      // responder: waiting for MM5
    Established,  // both
};

// to_string names a state for logs.
std::string_view to_string(Phase1State s) noexcept;

// for_child returns " (child 'NAME')" for a named child, "" otherwise (event reasons).
std::string for_child(std::string_view child);

// Retransmit is one side's resend schedule for its last message.
struct Retransmit {
    bool armed = false;
    core::Instant at{};
    core::Duration wait{};
    unsigned sends = 0;
};

// QuickState is where a quick mode exchange stands.
enum class QuickState : std::uint8_t { Qm1Sent, Qm2Sent, Done };

struct Engine::QuickExchange {
    std::uint32_t mid = 0;
    std::size_t spec = 0;  // which child of the connection (specs_for)
    bool initiator = false;
    QuickState state = QuickState::Qm1Sent;
    core::Bytes iv;  // the exchange's CBC chain (RFC 2409 Appendix B)
    core::Bytes ni_b;
    core::Bytes nr_b;
    std::uint32_t spi_in = 0;
    std::optional<crypto::KeyExchange> dh;
    core::SecretBytes g_qm_xy;
    Phase2Offer offer;
    TrafficSelector local_ts;
    TrafficSelector remote_ts;
    core::Bytes idci_b;  // ID bodies sent (initiator) or received (responder); empty if none
    core::Bytes idcr_b;
    Phase2Selection selection;
    core::Bytes last_in;
    core::Bytes last_out;
    Retransmit rt;
    core::Instant forget_at{};  // Done: kept until then to answer a retransmitted QM2
    std::optional<std::uint32_t> rekey_of;
};

struct Engine::Phase1Sa {
    const Connection* conn = nullptr;
    bool initiator = false;
    Cookie cky_i{};
    Cookie cky_r{};
    Endpoint local;
    Endpoint remote;
    Phase1State state = Phase1State::Mm1Sent;
    Phase1Choice choice;
    core::Bytes sai_b;
    std::optional<crypto::KeyExchange> dh;
    core::Bytes gxi;
    core::Bytes gxr;
    core::Bytes ni_b;
    core::Bytes nr_b;
    std::optional<Phase1Keys> keys;
    std::optional<Protection> prot;
    core::Bytes iv;       // phase 1 CBC chain
    core::Bytes p1_last;  // last phase 1 CBC output block (seeds phase 2 IVs)
    core::Bytes last_in;
    core::Bytes last_out;
    Retransmit rt;
    core::Instant created{};
    core::Instant established_at{};
    std::optional<core::Instant> rekey_at;
    core::Instant expires_at{};
    bool peer_dpd = false;
    bool peer_natt = false;   // both announced RFC 3947: NAT-D in MM3/MM4
    bool nat_local = false;   // NAT-D: this host's address was rewritten (or force_encap)
    bool nat_remote = false;  // NAT-D: the peer's was
    std::uint32_t dpd_seq = 0;
    std::uint32_t dpd_first_unacked = 0;
    unsigned dpd_outstanding = 0;
    core::Instant last_heard{};
    std::optional<core::Instant> dpd_at;
    std::map<std::uint32_t, QuickExchange> quick;
    std::optional<IkeSaId> rekey_of;
    bool rekeyed = false;  // a newer SA replaced this one
    Identity peer_id;      // the identity the peer authenticated as (MM5 / MM6)

    [[nodiscard]] IkeSaId id() const { return IkeSaId{cookie_u64(cky_i), cookie_u64(cky_r)}; }
    [[nodiscard]] crypto::HashAlg hash() const { return choice.hash->hash; }
    // nat is true once NAT-D showed a NAT on either side (RFC 3947 §4: float to 4500).
    [[nodiscard]] bool nat() const { return nat_local || nat_remote; }
};

struct Engine::Child {
    const Connection* conn = nullptr;
    std::size_t spec = 0;  // which child of the connection (specs_for)
    IkeSaId ike;
    ChildSaKeys keys;
    Phase2Choice choice;
    bool initiator = false;
    core::Bytes keymat_in;
    core::Bytes keymat_out;
    core::Instant installed{};
    std::optional<core::Instant> rekey_at;
    core::Instant expires_at{};
    bool rekeying = false;
};

struct Engine::HalfOpen {
    const Connection* conn = nullptr;
    Endpoint local;
    Endpoint remote;
    Cookie cky_i{};
    Cookie cky_r{};
    core::Bytes sai_b;
    Phase1Choice choice;
    bool peer_dpd = false;
    bool peer_natt = false;
    core::Bytes mm1;
    core::Bytes mm2;
    core::Instant created{};
};

}  // namespace strata::ike::v1
