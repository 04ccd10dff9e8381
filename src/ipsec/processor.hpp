// processor.hpp: IPsec processing of whole packets (RFC 4301 §5).
//
// Outbound (§5.1): SPD lookup on the packet's selectors -> DISCARD, BYPASS
// or PROTECT; PROTECT finds the SA (or SA bundle) by the policy's reqid, or
// raises an "acquire" for IKE to answer and drops the packet; then ESP and/or
// AH in the policy's mode, and UDP encapsulation where the SA asks for it.
//
// Inbound (§5.2): UDP-encapsulated ESP is unwrapped (IKE and keepalives are
// handed back untouched); an ESP/AH packet's SA is found by (SPI,
// destination, protocol); AH then ESP are removed (replay check, ICV, window
// update, decryption, in that order, inside esp_inbound/ah_inbound); then the
// inner packet is checked against the inbound SPD: it must match a PROTECT
// policy whose template is what was actually applied, and the SA's own
// selectors. Clear packets must match a BYPASS policy.
//
// Work is done in place on PacketBuffers, in batches; nothing allocates per
// packet. Each packet's header is parsed once (ip_view.hpp) for the SPD and
// ESP. Within one call, an SA found in the SAD serves the following packets
// of the same policy (outbound) or (SPI, destination, protocol) (inbound)
// without another SAD lookup, and SA packet/byte counters are added once
// per SA at the end of the call (lifetime limits are still checked packet
// by packet, on the totals including those held back). Drops that cannot be charged to an SA (unknown SPI, no
// policy, malformed) are counted on the Processor.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/clock.hpp"
#include "ipsec/drop.hpp"
#include "ipsec/packet_buffer.hpp"
#include "ipsec/sad.hpp"
#include "ipsec/spd.hpp"

namespace strata::ipsec {

// Verdict is what happened to one packet.
enum class Verdict : std::uint8_t {
    Protected,  // outbound: now an ESP/AH (maybe UDP-encapsulated) packet to send
    Bypassed,   // sent or delivered as it was (BYPASS policy)
    Delivered,  // inbound: protection removed and checked; the inner packet is in the buffer
    Ike,        // inbound: an IKE message on port 4500 (non-ESP marker); buffer untouched
    Dropped,    // see `drop`
};
std::string_view to_string(Verdict v) noexcept;

// PacketResult describes one packet's fate.
struct PacketResult {
    Verdict verdict = Verdict::Dropped;
    Drop drop = Drop::Malformed;  // meaningful when verdict == Dropped
    std::uint32_t policy_id = 0;  // the SPD entry that decided (0: none)
    std::uint32_t spi = 0;        // outermost SPI applied or removed (0: none)
    std::uint64_t sequence = 0;   // its sequence number (a refused packet: the low 32 bits it carried)
};

// EventKind is something the control plane (IKE, the gateway) must act on.
enum class EventKind : std::uint8_t {
    Acquire,      // PROTECT found no SA for reqid: negotiate one (RFC 4301 §5.1)
    SoftExpired,  // an SA reached its soft lifetime: rekey it
    HardExpired,  // an SA reached its hard lifetime: it is dead; remove it
};
std::string_view to_string(EventKind k) noexcept;

// Event is one control-plane notification.
struct Event {
    EventKind kind = EventKind::Acquire;
    std::uint32_t policy_id = 0;  // Acquire: the policy that wants an SA
    std::uint32_t reqid = 0;
    SaPtr sa;             // Soft/HardExpired: the SA concerned
    PacketFields fields;  // Acquire: the packet that triggered it
};

// Processor runs packets through an SPD and a SAD it does not own.
class Processor {
public:
    Processor(const Spd& spd, const Sad& sad, const core::Clock& clock);

    // outbound processes plaintext IP packets; results[i] describes pkts[i].
    // results must be at least as long as pkts.
    void outbound(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results);
    // inbound processes packets received from the network.
    void inbound(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results);

    // take_events moves out the events raised since the last call. An acquire
    // is raised once per policy until an SA for it is found again.
    std::vector<Event> take_events();

    // drops counts the drops not charged to an SA (UnknownSpi, NoPolicy,
    // PolicyDiscard, Malformed, NoSa, PolicyMismatch of clear packets).
    [[nodiscard]] const DropCounters& drops() const noexcept { return drops_; }

private:
    struct Batch;  // per-call state: SAs found, counter updates held back
    PacketResult outbound_one(PacketBuffer& pkt, Batch& batch);
    PacketResult inbound_one(PacketBuffer& pkt, Batch& batch);
    // outbound_run / inbound_run continue, over the packets that follow, the
    // run of one flow through one SA that the packet before them started
    // (same results as outbound_one / inbound_one, with the per-packet SPD
    // and SA work done once for the run); they return how many packets they
    // took, stopping at the first they leave to outbound_one / inbound_one.
    std::size_t outbound_run(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results,
                             Batch& batch);
    std::size_t inbound_run(std::span<PacketBuffer* const> pkts, std::span<PacketResult> results,
                            Batch& batch);
    // inbound_verdict is the inbound SPD check once IPsec is removed (RFC 4301
    // §5.2 step 4): applied lists the protocols removed (outermost first),
    // last the SA that removed the innermost (unused when none).
    PacketResult inbound_verdict(PacketBuffer& pkt, Batch& batch, PacketResult res,
                                 const std::array<Protocol, 2>& applied, std::size_t applied_count,
                                 const SaPtr& last, bool inner_found);
    bool find_outbound_sas(const Policy& pol, Batch& batch) const;
    const SaPtr& find_inbound_sa(const SaKey& key, std::size_t level, Batch& batch) const;
    PacketResult drop(Drop d, SecurityAssociation* sa = nullptr, std::uint32_t policy_id = 0);
    void note_lifetime(const SaPtr& sa, LifetimeEvent e);
    void raise_acquire(const Policy& p, const PacketFields& f);

    const Spd& spd_;
    const Sad& sad_;
    const core::Clock& clock_;
    DropCounters drops_;
    std::vector<Event> events_;
    std::vector<std::uint32_t> pending_acquires_;  // policy ids with an acquire outstanding
};

}  // namespace strata::ipsec
