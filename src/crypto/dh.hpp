// dh.hpp: Diffie-Hellman and ECDH key exchange for IKE and TLS.
//
// One KeyExchange object per exchange: generate (or load) a private key, send
// public_value(), then derive() the shared secret from the peer's value. Peer
// values are checked before use and each misbehaviour has its own error:
//   wrong length                          -> InvalidKeyLength
//   MODP y <= 1 or y >= p-1, ECP point off the curve or badly encoded
//                                         -> InvalidPublicValue
//   X25519 all-zero result (RFC 7748 §6.1) -> SharedSecretZero
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_ids.hpp"
#include "crypto/random.hpp"

struct evp_pkey_st;  // libcrypto's EVP_PKEY

namespace strata::crypto {

// Encoding says how a public value is laid out on the wire.
enum class Encoding : std::uint8_t {
    // Ike is IKEv2/IKEv1 KE payload data: MODP big-endian padded to the prime
    // length (RFC 7296 §3.4), ECP x||y without a prefix (RFC 5903 §7), X25519
    // the 32-byte u-coordinate (RFC 8031 §2).
    Ike,
    // Tls is a TLS key_share: MODP padded to the prime length (RFC 8446
    // §4.2.8.1), ECP uncompressed 04||x||y (RFC 8446 §4.2.8.2), X25519 raw.
    Tls,
};

// public_value_length returns the wire length of group's public value in
// encoding e (0 for an unknown group).
std::size_t public_value_length(DhGroup group, Encoding e) noexcept;

// shared_secret_length returns the length of derive()'s output for group: the
// prime length for MODP, the x-coordinate length for ECP, 32 for X25519.
std::size_t shared_secret_length(DhGroup group) noexcept;

// modp_prime returns the embedded big-endian prime p of a MODP group (RFC 2409
// §6.2, RFC 3526 §3-4), or an empty buffer for a non-MODP group.
core::Bytes modp_prime(DhGroup group);

// openssl_modp_prime returns libcrypto's built-in prime for a MODP group
// (groups 14 and 15, to cross-check modp_prime); UnsupportedAlgorithm for a
// group libcrypto does not name (group 2, ECP, X25519).
core::Result<core::Bytes> openssl_modp_prime(DhGroup group);

// KeyExchange holds one private key of a DH group and derives shared secrets
// with it. Move-only; the private key is freed (and wiped by libcrypto) on
// destruction.
class KeyExchange {
public:
    // generate makes a fresh key pair with libcrypto's key generation.
    static core::Result<KeyExchange> generate(DhGroup group);
    // generate(group, rng) draws the private key from rng (so tests can fix
    // it): MODP an exponent below 2^(8*len(p)-1), ECP a scalar in [1, n-1]
    // (redrawn if out of range), X25519 32 bytes. When rng is a SystemRandom
    // (libcrypto's DRBG) it is the same as generate(group): libcrypto makes
    // the pair directly, which is faster than importing drawn bytes.
    static core::Result<KeyExchange> generate(DhGroup group, RandomSource& rng);
    // from_private loads a given private key: MODP a big-endian exponent x with
    // 1 < x < p-1 (at most len(p) bytes), ECP a big-endian scalar of exactly
    // the field length in [1, n-1], X25519 the 32-byte scalar (RFC 7748 §5).
    // Fails with InvalidKeyLength or InvalidPublicValue (out of range).
    static core::Result<KeyExchange> from_private(DhGroup group, core::ByteView private_key);

    KeyExchange(KeyExchange&&) noexcept = default;
    KeyExchange& operator=(KeyExchange&&) noexcept = default;
    ~KeyExchange();

    // group returns the group this key belongs to.
    [[nodiscard]] DhGroup group() const noexcept { return group_; }
    // public_value returns this side's public value in encoding e.
    [[nodiscard]] core::Bytes public_value(Encoding e) const;
    // derive checks peer_public (laid out in encoding e) and returns the shared
    // secret: g^xy padded to the prime length for MODP (RFC 7296 §2.14, RFC
    // 8446 §7.4.1), the x-coordinate for ECP (RFC 5903 §7, RFC 8446 §7.4.2),
    // the X25519 output for X25519 (RFC 7748 §6.1).
    [[nodiscard]] core::Result<core::SecretBytes> derive(core::ByteView peer_public, Encoding e) const;

private:
    struct KeyFree {
        void operator()(evp_pkey_st* key) const noexcept;
    };
    KeyExchange(DhGroup group, evp_pkey_st* key, core::Bytes public_tls);

    DhGroup group_;
    std::unique_ptr<evp_pkey_st, KeyFree> key_;
    core::Bytes public_tls_;  // own public value, TLS layout
};

// x25519 is the raw X25519 function of RFC 7748 §5: scalar (32 bytes, clamped
// inside) times u (32 bytes, top bit ignored). Fails with InvalidKeyLength on
// a wrong length and SharedSecretZero on an all-zero output.
core::Result<core::SecretBytes> x25519(core::ByteView scalar, core::ByteView u);

}  // namespace strata::crypto
