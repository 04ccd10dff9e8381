// transforms.hpp: proposals as IKEv1 SA payloads and back.
//
// Phase 1 (RFC 2409 §5, Appendix A): one ISAKMP proposal, one KEY_IKE
// transform per combination of cipher, hash and group the configuration
// lists, each with its attributes (basic where the value fits 16 bits).
// Phase 2 (RFC 2407 §4.4, §4.5): one ESP (or AH) proposal per configured
// proposal, one transform per cipher/integrity combination.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "crypto/algorithm_table.hpp"
#include "ike/proposal.hpp"
#include "ike/v1/error.hpp"
#include "ike/v1/payload.hpp"
#include "ipsec/sa.hpp"

namespace strata::ike::v1 {

// Phase1Choice is what an ISAKMP SA runs with.
struct Phase1Choice {
    const crypto::EncryptionInfo* encryption = nullptr;
    const crypto::PrfInfo* hash = nullptr;  // the negotiated hash; its HMAC is the prf
    const crypto::DhInfo* group = nullptr;
    std::uint64_t life_seconds = 0;  // 0: none given
    // auth_method: kAuthPreSharedKey, kAuthRsaSignature or an ECDSA method
    // (RFC 2409 Appendix A, RFC 4754 §6); both sides use the same one.
    std::uint16_t auth_method = kAuthPreSharedKey;
    friend bool operator==(const Phase1Choice&, const Phase1Choice&) = default;
};

// phase1_offer returns the SA payload an initiator sends for the proposals
// (the given authentication method and lifetime in seconds).
SaPayload phase1_offer(const std::vector<crypto::Proposal>& proposals, std::uint64_t life_seconds,
                       std::uint16_t auth_method = kAuthPreSharedKey);

// read_phase1_transform maps a KEY_IKE transform to algorithms.
// AttributesNotSupported for an unknown or missing attribute value;
// NoProposalChosen for an authentication method other than pre-shared key,
// RSA signatures and ECDSA on P-256 / P-384, and for unknown algorithms.
core::Result<Phase1Choice, Error> read_phase1_transform(const Transform& t);

// Phase1Selection is a responder's answer: the SA payload to send back (the
// chosen transform, echoed) and the algorithms.
struct Phase1Selection {
    SaPayload reply;
    Phase1Choice choice;
};

// select_phase1 picks the first offered transform the configuration allows,
// with the local authentication method (RFC 2409 §5: one proposal). Errors:
// BadProposalSyntax (not exactly one ISAKMP proposal), NoProposalChosen. A
// lifetime above max_life_seconds is shortened locally (the reply echoes
// the offer, RFC 2409 §5).
core::Result<Phase1Selection, Error> select_phase1(const SaPayload& offered,
                                                   const std::vector<crypto::Proposal>& local,
                                                   std::uint16_t auth_method = kAuthPreSharedKey);

// Phase2Choice is what an IPsec SA runs with.
struct Phase2Choice {
    ipsec::Protocol protocol = ipsec::Protocol::Esp;
    const crypto::EncryptionInfo* encryption = nullptr;  // null for AH
    const crypto::IntegrityInfo* integrity = nullptr;
    const crypto::DhInfo* pfs = nullptr;  // null without PFS
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    std::uint64_t life_seconds = 0;
    std::uint64_t life_kilobytes = 0;
    bool udp_encap = false;  // UDP-Encapsulated-Tunnel/-Transport (RFC 3947 §5.1)
    friend bool operator==(const Phase2Choice&, const Phase2Choice&) = default;
};

// Phase2Offer is what an initiator proposes in quick mode.
struct Phase2Offer {
    ipsec::Protocol protocol = ipsec::Protocol::Esp;
    std::vector<crypto::Proposal>
        proposals;  // ESP: encryption + integrity (+ dh = PFS); AH: integrity (+ dh)
    ipsec::Mode mode = ipsec::Mode::Tunnel;
    std::uint64_t life_seconds = 3600;
    std::uint64_t life_kilobytes = 0;
    bool udp_encap = false;  // a NAT was detected in main mode (RFC 3947 §5)
};

// phase2_sa returns the quick mode SA payload for offer with this host's SPI.
SaPayload phase2_sa(const Phase2Offer& offer, std::uint32_t spi);

// pfs_group returns the group of the offer (the first proposal's), or null.
const crypto::DhInfo* pfs_group(const Phase2Offer& offer);

// read_phase2_transform maps an ESP or AH transform to algorithms.
core::Result<Phase2Choice, Error> read_phase2_transform(std::uint8_t protocol, const Transform& t);

// Phase2Selection is a quick mode responder's answer.
struct Phase2Selection {
    SaPayload reply;  // the chosen proposal with this host's SPI
    std::uint32_t peer_spi = 0;
    Phase2Choice choice;
};

// select_phase2 picks the first offered proposal/transform that the local
// offer allows (same protocol, algorithms, group and mode). Lifetimes are the
// offered ones, capped by the local ones. Errors: NoProposalChosen,
// InvalidSpi (an SPI that is not 4 bytes), BadProposalSyntax.
core::Result<Phase2Selection, Error> select_phase2(const SaPayload& offered, const Phase2Offer& local,
                                                   std::uint32_t my_spi);

// accept_phase2_reply checks a responder's answer against what was offered
// and returns the algorithms and the responder's SPI. Errors: NoProposalChosen
// (not one of ours), InvalidSpi, BadProposalSyntax.
core::Result<Phase2Selection, Error> accept_phase2_reply(const SaPayload& reply, const Phase2Offer& offered);

// to_negotiated returns the shared description of phase 1 / phase 2 choices.
NegotiatedIke to_negotiated(const Phase1Choice& c);
NegotiatedChild to_negotiated(const Phase2Choice& c);

}  // namespace strata::ike::v1
