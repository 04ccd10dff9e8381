// proposal.hpp: IKE and ESP/AH proposals over crypto's algorithm table.
//
// Users write proposals strongSwan's way ("aes256gcm16-prfsha384-ecp384",
// "aes128-sha256-modp2048", ESP "aes128gcm16-x25519" where the group means
// PFS); a comma separates alternatives. Both engines negotiate over these
// parsed lists and store the chosen algorithms as a NegotiatedIke /
// NegotiatedChild.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/algorithm_table.hpp"

namespace strata::ike {

// ProposalUse says which rules a proposal string must follow.
enum class ProposalUse : std::uint8_t {
    Ike,  // needs encryption, a PRF (derived from the integrity algorithm if
          // absent, as strongSwan does) and a DH group
    Esp,  // encryption (+ integrity unless AEAD); a DH group means PFS; no PRF
};

// ProposalListError says why a proposal list was refused.
enum class ProposalListError : std::uint8_t {
    Syntax,            // crypto::parse_proposal refused a token (see bad_token)
    MissingIntegrity,  // non-AEAD encryption without integrity
    MissingPrf,        // IKE proposal without a PRF that cannot be derived
    MissingDh,         // IKE proposal without a DH group
    PrfInEsp,          // an ESP proposal names a PRF
};

// to_string returns the name of a ProposalListError.
std::string_view to_string(ProposalListError e) noexcept;

// parse_proposals splits text on ',' and parses each proposal for use; on
// failure bad_token (if given) receives the offending token or proposal.
core::Result<std::vector<crypto::Proposal>, ProposalListError> parse_proposals(
    std::string_view text, ProposalUse use, std::string* bad_token = nullptr);

// NegotiatedIke is the one algorithm per transform type an IKE SA runs with.
// integrity is null for AEAD encryption.
struct NegotiatedIke {
    const crypto::EncryptionInfo* encryption = nullptr;
    const crypto::IntegrityInfo* integrity = nullptr;
    const crypto::PrfInfo* prf = nullptr;
    const crypto::DhInfo* dh = nullptr;
};

// NegotiatedChild is what a CHILD SA (IKEv2) or IPsec SA (IKEv1) runs with.
// integrity is null for AEAD; dh is null without PFS.
struct NegotiatedChild {
    const crypto::EncryptionInfo* encryption = nullptr;
    const crypto::IntegrityInfo* integrity = nullptr;
    const crypto::DhInfo* dh = nullptr;
    bool esn = false;
};

// to_string prints algorithms strongSwan's way: "AES_CBC-256/HMAC_SHA2_256_128/
// PRF_HMAC_SHA2_256/ECP_256" is what swanctl --list-sas shows; here the
// keywords are joined with '-' ("aes256-sha256-prfsha256-ecp256").
std::string to_string(const NegotiatedIke& n);
std::string to_string(const NegotiatedChild& n);

}  // namespace strata::ike
