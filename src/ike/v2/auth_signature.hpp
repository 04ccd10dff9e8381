// auth_signature.hpp: IKEv2 signature authentication (RFC 7296 §2.15,
// RFC 7427 "Signature Authentication in IKEv2").
//
// Both sides sign their "signed octets" (§2.15: the IKE_SA_INIT message
// they sent, the peer's nonce and prf(SK_p, ID payload body)). With the
// Digital Signature method (14) the AUTH data is a one-octet length, a DER
// AlgorithmIdentifier naming the scheme and hash, and the signature value
// (RFC 7427 §3). Which hashes a peer accepts is announced in IKE_SA_INIT with
// SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"
#include "crypto/algorithm_table.hpp"
#include "crypto/signature.hpp"

namespace strata::ike::v2 {

// HashAlgorithm is an IKEv2 Hash Algorithm number (RFC 7427 §7, RFC 8420 §2).
enum class HashAlgorithm : std::uint16_t { Sha1 = 1, Sha256 = 2, Sha384 = 3, Sha512 = 4, Identity = 5 };

// kOurHashAlgorithms are the hashes this implementation verifies, as sent in
// SIGNATURE_HASH_ALGORITHMS.
inline constexpr HashAlgorithm kOurHashAlgorithms[] = {HashAlgorithm::Sha256, HashAlgorithm::Sha384,
                                                       HashAlgorithm::Sha512, HashAlgorithm::Identity};

// encode_hash_algorithms returns the notification data of
// SIGNATURE_HASH_ALGORITHMS: a list of 16-bit numbers (RFC 7427 §4).
core::Bytes encode_hash_algorithms();

// parse_hash_algorithms reads that list; unknown numbers are kept (they are
// simply never chosen). DecodeFailed for an odd length or an empty list.
core::Result<std::vector<std::uint16_t>> parse_hash_algorithms(core::ByteView data);

// signed_octets returns message | peer_nonce | prf(SK_p, id_body) (RFC 7296
// §2.15), the bytes a side signs (message: the IKE_SA_INIT message it sent).
core::Result<core::Bytes> signed_octets(const crypto::PrfInfo& prf, core::ByteView message,
                                        core::ByteView peer_nonce, core::ByteView sk_p,
                                        core::ByteView id_body);

// choose_signature picks the scheme this host signs with: a scheme that fits
// key and whose hash is in peer_hashes (RFC 7427 §4). RSA keys use RSASSA-PSS
// when rsa_pss is set, else PKCS#1 v1.5; SHA-256 first. nullopt if none fits.
std::optional<crypto::SignatureAlg> choose_signature(crypto::KeyType key,
                                                     const std::vector<std::uint16_t>& peer_hashes,
                                                     bool rsa_pss);

// algorithm_identifier returns the DER AlgorithmIdentifier of alg as RFC
// 7427 Appendix A (and RFC 8420 §2 for Ed25519) lists it.
core::Bytes algorithm_identifier(crypto::SignatureAlg alg);

// parse_algorithm_identifier maps a DER AlgorithmIdentifier to a scheme.
// RSASSA-PSS parameters must name the same hash for the message and MGF1
// and a salt as long as the hash (what crypto::verify checks); anything else
// is UnsupportedAlgorithm; bad DER is DecodeFailed.
core::Result<crypto::SignatureAlg> parse_algorithm_identifier(core::ByteView der);

// sign_digital_signature returns the AUTH data of method 14:
// length | AlgorithmIdentifier | signature of octets (RFC 7427 §3).
core::Result<core::Bytes> sign_digital_signature(const crypto::PrivateKey& key, crypto::SignatureAlg alg,
                                                 core::ByteView octets);

// SignatureCheck is the outcome of verify_digital_signature: ok, or why not.
struct SignatureCheck {
    bool ok = false;
    std::string reason;  // empty when ok
    std::optional<crypto::SignatureAlg> alg;
};

// verify_digital_signature checks AUTH data of method 14 against the peer's
// public key and the signed octets.
SignatureCheck verify_digital_signature(const crypto::PublicKey& key, core::ByteView auth_data,
                                        core::ByteView octets);

// to_string names a scheme for logs ("rsa-pss-sha256", "ecdsa-p256-sha256", ...).
std::string_view signature_name(crypto::SignatureAlg alg) noexcept;

}  // namespace strata::ike::v2
