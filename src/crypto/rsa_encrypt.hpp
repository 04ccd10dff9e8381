// rsa_encrypt.hpp: RSAES-PKCS1-v1_5 for TLS 1.2 RSA key transport.
//
// rsa_pkcs1_encrypt is the client's half (RFC 8017 §7.2.1). The server's
// half, rsa_decrypt_tls_premaster, is the RFC 5246 §7.4.7.1 countermeasure
// against Bleichenbacher's attack: it never reports a padding, length or
// version failure; it returns a random 48-byte premaster instead, chosen in
// constant time. It relies on libcrypto's RSA_PKCS1_WITH_TLS_PADDING mode
// (OpenSSL 3), which does the padding and version checks and the selection
// without branching on the decrypted bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/random.hpp"
#include "crypto/signature.hpp"

namespace strata::crypto {

// kTlsPremasterLength is the length of an RSA-transported premaster secret
// (RFC 5246 §7.4.7.1: client_version | 46 random bytes).
inline constexpr std::size_t kTlsPremasterLength = 48;

// rsa_pkcs1_encrypt encrypts plaintext to key with RSAES-PKCS1-v1_5 (RFC 8017
// §7.2.1; the padding randomness comes from libcrypto's DRBG). Fails with
// KeyMismatch if key is not an RSA key, InvalidInputLength if plaintext is
// longer than the modulus length - 11, CryptoFailure if libcrypto fails.
core::Result<core::Bytes> rsa_pkcs1_encrypt(const PublicKey& key, core::ByteView plaintext);

// rsa_decrypt_tls_premaster decrypts a TLS EncryptedPreMasterSecret
// (RFC 5246 §7.4.7.1). It first draws a random 48-byte premaster from rng,
// then decrypts; when the ciphertext is not a modulus-length value below the
// modulus, the PKCS#1 padding is bad, the plaintext is not 48 bytes, or its
// first two bytes are neither client_version nor alt_version (0: no
// alternative), the result is a random 48-byte premaster, selected in
// constant time, and no error is reported. The only failures are those that
// do not depend on the ciphertext: KeyMismatch (key is not an RSA key) and
// CryptoFailure (rng or libcrypto setup failed).
core::Result<core::SecretBytes> rsa_decrypt_tls_premaster(const PrivateKey& key, core::ByteView ciphertext,
                                                          std::uint16_t client_version,
                                                          std::uint16_t alt_version, RandomSource& rng);

}  // namespace strata::crypto
