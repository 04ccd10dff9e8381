// rsa_premaster.hpp: TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1).
//
//   struct {
//       ProtocolVersion client_version;   the version offered in ClientHello
//       opaque random[46];
//   } PreMasterSecret;                    encrypted with RSAES-PKCS1-v1_5
//
// The client makes the premaster and encrypts it to the server's certificate
// key. The server decrypts it with the Bleichenbacher countermeasure of
// RFC 5246 §7.4.7.1: a bad ciphertext, padding, length or version yields a
// random premaster, never an error, so the handshake fails later at Finished
// exactly as it would for any wrong key (decrypt_error / bad_record_mac).
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "crypto/random.hpp"
#include "crypto/signature.hpp"
#include "tls/alert.hpp"
#include "tls/version.hpp"

namespace strata::tls {

// kPremasterLength is the length of an RSA premaster secret.
inline constexpr std::size_t kPremasterLength = 48;

// RsaPremaster is what a client sends and keeps.
struct RsaPremaster {
    core::SecretBytes premaster;              // 48 bytes: client_version | random[46]
    core::Bytes encrypted_pre_master_secret;  // goes into ClientKeyExchangeRsa
};

// make_rsa_premaster draws 46 random bytes from rng, prefixes client_version
// (the version the client offered in ClientHello, not the negotiated one,
// RFC 5246 §7.4.7.1) and encrypts the result to server_key. Fails with
// HandshakeFailure if server_key is not an RSA key or too small, Crypto if
// rng or libcrypto fails.
Result<RsaPremaster> make_rsa_premaster(const crypto::PublicKey& server_key, std::uint16_t client_version,
                                        crypto::RandomSource& rng);

// decrypt_rsa_premaster returns the 48-byte premaster carried by
// encrypted_pre_master_secret, or, when anything about it is wrong
// (ciphertext length, PKCS#1 padding, plaintext length, version bytes not
// equal to client_version), a random 48-byte premaster drawn from rng, in
// constant time and without any error (RFC 5246 §7.4.7.1).
// accept_negotiated_version also accepts negotiated_version in the version
// bytes (for old clients that put the negotiated version there; off by
// default, as in RFC 5246). Fails only for reasons independent of the
// ciphertext: InternalError if server_key is not an RSA key, Crypto if rng
// or libcrypto setup fails.
Result<core::SecretBytes> decrypt_rsa_premaster(const crypto::PrivateKey& server_key,
                                                core::ByteView encrypted_pre_master_secret,
                                                std::uint16_t client_version, crypto::RandomSource& rng,
                                                std::uint16_t negotiated_version = 0,
                                                bool accept_negotiated_version = false);

}  // namespace strata::tls
