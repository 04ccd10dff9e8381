// signature.hpp: private and public keys, signing and verification.
//
// Keys are RAII owners of a libcrypto EVP_PKEY. Signatures follow the wire
// forms IKEv2 and TLS use: RSA PKCS#1 v1.5 (RFC 8017 §8.2), RSA-PSS with
// salt length = hash length and MGF1 over the same hash (RFC 8446 §4.2.3,
// RFC 7427 §3.1), ECDSA as a DER Ecdsa-Sig-Value (RFC 8446 §4.2.3, RFC 7427;
// see ecdsa_der_to_raw for the r||s form of RFC 4754), Ed25519 (RFC 8032).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/algorithm_ids.hpp"

struct evp_pkey_st;  // libcrypto's EVP_PKEY

namespace strata::crypto {

// KeyType is the kind of an asymmetric key.
enum class KeyType : std::uint8_t { Rsa, RsaPss, EcP256, EcP384, Ed25519, Other };

// to_string returns a printable name of t ("rsa", "ecdsa-p256", ...).
std::string_view to_string(KeyType t) noexcept;

namespace detail {
// PkeyFree frees an EVP_PKEY (defined in signature.cpp).
struct PkeyFree {
    void operator()(evp_pkey_st* key) const noexcept;
};
}  // namespace detail

// PublicKey owns a public key. Copying shares the underlying (immutable)
// libcrypto object by reference count.
class PublicKey {
public:
    // from_pem parses a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM block;
    // DecodeFailed if there is none or it is malformed.
    static core::Result<PublicKey> from_pem(std::string_view pem);
    // from_der parses a DER SubjectPublicKeyInfo; trailing bytes are an error.
    static core::Result<PublicKey> from_der(core::ByteView der);
    // from_raw_ed25519 loads a 32-byte Ed25519 public key (RFC 8032 §5.1.5).
    static core::Result<PublicKey> from_raw_ed25519(core::ByteView raw);
    // adopt takes ownership of an EVP_PKEY reference (for x509.cpp); key must
    // not be null.
    static PublicKey adopt(evp_pkey_st* key) noexcept;

    PublicKey(const PublicKey& o) noexcept;
    PublicKey& operator=(const PublicKey& o) noexcept;
    PublicKey(PublicKey&&) noexcept = default;
    PublicKey& operator=(PublicKey&&) noexcept = default;
    ~PublicKey() = default;

    // type returns the kind of key (worked out once, when the key is loaded).
    [[nodiscard]] KeyType type() const noexcept { return type_; }
    // bits returns the key size in bits (modulus bits for RSA).
    [[nodiscard]] std::size_t bits() const noexcept;
    // to_der returns the DER SubjectPublicKeyInfo.
    [[nodiscard]] core::Result<core::Bytes> to_der() const;
    // equals is true if both hold the same public key.
    [[nodiscard]] bool equals(const PublicKey& o) const noexcept;
    // native returns the borrowed EVP_PKEY (valid while this object lives).
    [[nodiscard]] evp_pkey_st* native() const noexcept { return key_.get(); }

private:
    explicit PublicKey(evp_pkey_st* key) noexcept;
    std::unique_ptr<evp_pkey_st, detail::PkeyFree> key_;
    KeyType type_ = KeyType::Other;
};

// PrivateKey owns a private key (freed and wiped by libcrypto on destruction).
// Move-only.
class PrivateKey {
public:
    // from_pem parses an unencrypted PKCS#8 "PRIVATE KEY" or a traditional
    // "RSA PRIVATE KEY" / "EC PRIVATE KEY" block; never prompts for a password.
    static core::Result<PrivateKey> from_pem(std::string_view pem);
    // from_der parses a DER PKCS#8 or traditional private key.
    static core::Result<PrivateKey> from_der(core::ByteView der);
    // from_raw_ed25519 loads a 32-byte Ed25519 private key (RFC 8032 §5.1.5).
    static core::Result<PrivateKey> from_raw_ed25519(core::ByteView raw);
    // generate makes a fresh key fitting alg (RSA keys of rsa_bits). For tests
    // and tools: RSA generation takes a noticeable time.
    static core::Result<PrivateKey> generate(SignatureAlg alg, std::size_t rsa_bits = 2048);

    PrivateKey(PrivateKey&&) noexcept = default;
    PrivateKey& operator=(PrivateKey&&) noexcept = default;
    ~PrivateKey() = default;

    // type returns the kind of key (worked out once, when the key is loaded).
    [[nodiscard]] KeyType type() const noexcept { return type_; }
    // public_key returns the matching public key.
    [[nodiscard]] core::Result<PublicKey> public_key() const;
    // to_pem returns the key as an unencrypted PKCS#8 PEM block (tests, tools).
    [[nodiscard]] core::Result<std::string> to_pem() const;
    // native returns the borrowed EVP_PKEY (valid while this object lives).
    [[nodiscard]] evp_pkey_st* native() const noexcept { return key_.get(); }

private:
    explicit PrivateKey(evp_pkey_st* key) noexcept;
    std::unique_ptr<evp_pkey_st, detail::PkeyFree> key_;
    KeyType type_ = KeyType::Other;
};

// key_fits is true if a key of type t can make or check alg signatures.
bool key_fits(KeyType t, SignatureAlg alg) noexcept;

// sign signs message with key under alg (hashing included). KeyMismatch if
// the key does not fit alg; ECDSA signatures come back DER-encoded.
core::Result<core::Bytes> sign(const PrivateKey& key, SignatureAlg alg, core::ByteView message);

// verify checks signature over message under alg. KeyMismatch if the key does
// not fit alg; SignatureInvalid if the signature is wrong or malformed.
core::Status verify(const PublicKey& key, SignatureAlg alg, core::ByteView message, core::ByteView signature);

// ecdsa_der_to_raw converts a DER Ecdsa-Sig-Value (RFC 3279 §2.2.3) into
// r||s, each left-padded to coordinate_length bytes (RFC 4754 §7). DecodeFailed
// on bad DER or a value longer than coordinate_length.
core::Result<core::Bytes> ecdsa_der_to_raw(core::ByteView der, std::size_t coordinate_length);

// ecdsa_raw_to_der converts r||s (two equal halves) into a DER Ecdsa-Sig-Value.
// InvalidInputLength if raw is empty or of odd length.
core::Result<core::Bytes> ecdsa_raw_to_der(core::ByteView raw);

}  // namespace strata::crypto
