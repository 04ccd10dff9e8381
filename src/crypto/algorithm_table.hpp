// algorithm_table.hpp: algorithms as data, keyed by IANA number and keyword.
//
// One row per algorithm maps the protocol numbers (IKEv2 transform IDs,
// IKEv1/ISAKMP attribute values, ESP/AH transform IDs, TLS cipher suites,
// named groups and signature schemes) and the strongSwan proposal keywords
// users already know ("aes128gcm16", "sha256", "prfsha256", "ecp256") to the
// crypto layer's algorithm enums. Adding an algorithm is adding a row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"

namespace strata::crypto {

// kNoId marks a protocol number an algorithm does not have.
inline constexpr std::uint16_t kNoId = 0xffff;

// EncryptionInfo is an encryption transform (IKEv2 Transform Type 1,
// RFC 7296 §3.3.2; ESP transform IDs of the IPsec DOI, RFC 2407 §4.4.4).
struct EncryptionInfo {
    std::string_view keyword;  // strongSwan keyword, e.g. "aes128gcm16"
    std::string_view alias;    // another accepted keyword ("aes128gcm128"), or empty
    std::uint16_t ikev2_id;    // IKEv2 ENCR_* transform ID
    std::uint16_t key_bits;    // Key Length attribute value, 0 when the ID fixes it
    bool aead;                 // true: aead_alg applies; false: cipher_alg
    AeadAlg aead_alg;
    CipherAlg cipher_alg;
    std::size_t key_len;         // cipher key bytes (without salt)
    std::size_t salt_len;        // KEYMAT salt bytes after the key (RFC 4106 §8.1: 4)
    std::size_t icv_len;         // AEAD ICV bytes, 0 for plain ciphers
    std::size_t iv_len;          // explicit IV bytes on the wire
    std::size_t block_len;       // padding alignment (1 for stream/AEAD, RFC 4303 §2.4 still 4)
    std::uint16_t ikev1_esp_id;  // IPsec DOI ESP transform ID (kNoId if none)
    std::uint16_t ikev1_p1_id;   // IKEv1 phase 1 Encryption Algorithm attribute (kNoId if none)
    bool legacy;                 // kept for old peers and the lecture; not offered by default
};

// IntegrityInfo is an integrity transform (IKEv2 Transform Type 3; AH and
// ESP authentication, RFC 2403/2404/4868).
struct IntegrityInfo {
    std::string_view keyword;  // e.g. "sha256" (= HMAC-SHA2-256-128)
    std::string_view alias;    // another accepted keyword, or empty
    std::uint16_t ikev2_id;    // IKEv2 AUTH_* transform ID
    MacAlg mac;
    std::size_t key_len;            // bytes
    std::size_t icv_len;            // truncated output bytes
    std::uint16_t ikev1_auth_attr;  // IPsec DOI Authentication Algorithm attribute
    std::uint16_t ikev1_ah_id;      // IPsec DOI AH transform ID
    bool legacy;
};

// PrfInfo is a pseudo-random function (IKEv2 Transform Type 2; IKEv1 hash).
struct PrfInfo {
    std::string_view keyword;  // e.g. "prfsha256"
    std::uint16_t ikev2_id;    // IKEv2 PRF_* transform ID
    HashAlg hash;
    std::uint16_t ikev1_hash_id;  // IKEv1 phase 1 Hash Algorithm attribute
    bool legacy;
};

// DhInfo is a key exchange group (IKEv2 Transform Type 4 and IKEv1 Group
// Description share the numbers; TLS has its own NamedGroup values).
struct DhInfo {
    std::string_view keyword;  // e.g. "ecp256"
    std::string_view alias;    // another accepted keyword ("curve25519"), or empty
    DhGroup group;             // its value is the IKE number
    std::uint16_t tls_group;   // TLS NamedGroup (RFC 8446 §4.2.7), kNoId if none
    std::size_t public_len;    // IKE KE payload data length (RFC 5903 §7: x||y)
    bool legacy;
};

// TlsKeyExchange is how a TLS 1.2 cipher suite agrees on the premaster secret.
enum class TlsKeyExchange : std::uint8_t { Tls13, Rsa, EcdheRsa, EcdheEcdsa };

// TlsCipherSuiteInfo is a TLS cipher suite (IANA TLS Cipher Suites registry).
struct TlsCipherSuiteInfo {
    std::uint16_t id;       // e.g. 0x1301
    std::string_view name;  // IANA name, e.g. "TLS_AES_128_GCM_SHA256"
    TlsKeyExchange kx;
    bool aead;
    AeadAlg aead_alg;
    CipherAlg cipher_alg;  // CBC suites (TLS 1.2 only)
    MacAlg mac;            // CBC suites' record MAC
    HashAlg prf_hash;      // PRF / HKDF hash
};

// SignatureSchemeInfo is a TLS SignatureScheme (RFC 8446 §4.2.3).
struct SignatureSchemeInfo {
    std::uint16_t id;
    std::string_view name;  // e.g. "ecdsa_secp256r1_sha256"
    SignatureAlg alg;
};

// The tables themselves, for listing and iteration.
std::span<const EncryptionInfo> encryption_table();
std::span<const IntegrityInfo> integrity_table();
std::span<const PrfInfo> prf_table();
std::span<const DhInfo> dh_table();
std::span<const TlsCipherSuiteInfo> tls_cipher_suite_table();
std::span<const SignatureSchemeInfo> signature_scheme_table();

// find_* look a row up; nullptr when there is none.
const EncryptionInfo* find_encryption(std::string_view keyword);
const EncryptionInfo* find_encryption_ikev2(std::uint16_t id, std::uint16_t key_bits);
const IntegrityInfo* find_integrity(std::string_view keyword);
const IntegrityInfo* find_integrity_ikev2(std::uint16_t id);
const PrfInfo* find_prf(std::string_view keyword);
const PrfInfo* find_prf_ikev2(std::uint16_t id);
const DhInfo* find_dh(std::string_view keyword);
const DhInfo* find_dh(DhGroup group);
const DhInfo* find_dh_tls(std::uint16_t tls_group);
const TlsCipherSuiteInfo* find_tls_cipher_suite(std::uint16_t id);
const SignatureSchemeInfo* find_signature_scheme(std::uint16_t id);

// hash_name returns a printable digest name ("sha256").
std::string_view hash_name(HashAlg h);

// Proposal is a parsed strongSwan-style proposal string: the algorithms of one
// proposal, in the order given. An empty list means "not given".
struct Proposal {
    std::vector<const EncryptionInfo*> encryption;
    std::vector<const IntegrityInfo*> integrity;
    std::vector<const PrfInfo*> prf;
    std::vector<const DhInfo*> dh;
    std::vector<bool> esn;  // "esn" -> true, "noesn" -> false
};

// ProposalError says why a proposal string was refused.
enum class ProposalError : std::uint8_t {
    Empty,              // empty string or empty token ("aes128--sha256")
    UnknownKeyword,     // a token no table knows
    AeadWithIntegrity,  // RFC 7296 §3.3: an AEAD proposal has no integrity transform
    MissingEncryption,
};

// to_string returns the name of a ProposalError.
std::string_view to_string(ProposalError e) noexcept;

// parse_proposal splits "aes256gcm16-prfsha384-ecp384" on '-' and looks each
// token up. It checks only what holds for every protocol (an encryption
// algorithm is present; AEAD excludes integrity); IKE and ESP add their own
// rules (an IKE proposal needs a PRF, for example). On failure `bad_token`, if
// given, receives the offending token.
core::Result<Proposal, ProposalError> parse_proposal(std::string_view text, std::string* bad_token = nullptr);

}  // namespace strata::crypto
