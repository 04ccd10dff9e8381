// algorithm_ids.hpp: the algorithms the crypto layer offers, as enums.
//
// These name algorithms independently of any protocol. The tables in
// crypto/algorithm_table.hpp map them to IANA numbers (IKEv2, ESP/AH, TLS) and
// to strongSwan-style proposal keywords.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::crypto {

// HashAlg is a message digest (used by HMAC, PRFs, HKDF and signatures).
enum class HashAlg : std::uint8_t { Md5, Sha1, Sha224, Sha256, Sha384, Sha512 };

// AeadAlg is an authenticated cipher. The ICV length is chosen separately
// (8, 12 or 16 bytes for GCM; 16 for ChaCha20-Poly1305).
enum class AeadAlg : std::uint8_t { Aes128Gcm, Aes256Gcm, ChaCha20Poly1305, Aes192Gcm };

// CipherAlg is a block cipher mode without integrity (ESP/IKE encryption
// paired with a MAC). TripleDesCbc is legacy (RFC 2451; the lecture's example).
enum class CipherAlg : std::uint8_t { Null, Aes128Cbc, Aes192Cbc, Aes256Cbc, TripleDesCbc };

// MacAlg is an HMAC with the output truncation IPsec uses, or untruncated.
enum class MacAlg : std::uint8_t {
    HmacMd5_96,      // RFC 2403
    HmacSha1_96,     // RFC 2404
    HmacSha256_128,  // RFC 4868
    HmacSha384_192,  // RFC 4868
    HmacSha512_256,  // RFC 4868
    HmacMd5,         // full-length outputs (PRFs, TLS 1.2 CBC MACs)
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
};

// DhGroup is a Diffie-Hellman group, numbered as IKEv2's Transform Type 4
// (IANA "Key Exchange Method Transform IDs").
enum class DhGroup : std::uint16_t {
    Modp1024 = 2,   // RFC 2409 §6.2, legacy
    Modp2048 = 14,  // RFC 3526 §3
    Modp3072 = 15,  // RFC 3526 §4
    Ecp256 = 19,    // RFC 5903
    Ecp384 = 20,    // RFC 5903
    X25519 = 31,    // RFC 8031
};

// SignatureAlg is a signature scheme with its hash.
enum class SignatureAlg : std::uint8_t {
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    RsaPssSha256,
    RsaPssSha384,
    RsaPssSha512,
    EcdsaP256Sha256,
    EcdsaP384Sha384,
    Ed25519,
};

}  // namespace strata::crypto
