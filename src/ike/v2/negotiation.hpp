// negotiation.hpp: SA payload proposals from configuration, and selection
// (RFC 7296 §2.7, §3.3).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/algorithm_table.hpp"
#include "ike/proposal.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// to_wire turns configured proposals into SA payload proposals numbered from
// 1 for protocol `protocol` with `spi`; include_dh false leaves key exchange
// transforms out (the first CHILD SA in IKE_AUTH has none, RFC 7296 §1.2).
std::vector<Proposal> to_wire(const std::vector<crypto::Proposal>& config, ProtocolId protocol,
                              const core::Bytes& spi, bool include_dh = true);

// IkeSelection is a chosen IKE proposal: the algorithms and the wire
// proposal to send back (one transform per type, the peer's number).
struct IkeSelection {
    NegotiatedIke algorithms;
    Proposal reply;
    core::Bytes peer_spi;  // the chosen proposal's SPI (8 bytes in an IKE rekey)
};

// select_ike picks the first offered proposal whose every transform type has
// an algorithm the configuration allows (RFC 7296 §2.7); nullopt: NO_PROPOSAL_CHOSEN.
// spi_len: 0 in IKE_SA_INIT, 8 in an IKE rekey (§1.3.2, §3.3.1).
std::optional<IkeSelection> select_ike(const std::vector<Proposal>& offered,
                                       const std::vector<crypto::Proposal>& config, std::size_t spi_len = 0);

// ChildSelection is a chosen ESP/AH proposal with the peer's SPI.
struct ChildSelection {
    NegotiatedChild algorithms;
    std::uint32_t peer_spi = 0;
    Proposal reply;  // with the peer's number; the caller sets its own SPI
};

// select_child does the same for ESP; with_dh false ignores key exchange
// transforms (IKE_AUTH), true requires the group to match (PFS).
std::optional<ChildSelection> select_child(const std::vector<Proposal>& offered,
                                           const std::vector<crypto::Proposal>& config, bool with_dh);

// accept_ike checks the single proposal a responder returned against what
// was offered (it must pick one transform of each type we sent).
std::optional<NegotiatedIke> accept_ike(const std::vector<Proposal>& reply,
                                        const std::vector<crypto::Proposal>& config, std::size_t spi_len = 0);
// accept_child does the same for ESP and returns the peer's SPI too.
std::optional<ChildSelection> accept_child(const std::vector<Proposal>& reply,
                                           const std::vector<crypto::Proposal>& config, bool with_dh);

}  // namespace strata::ike::v2
