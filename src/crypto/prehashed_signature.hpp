// prehashed_signature.hpp: signatures over a value that is already a hash,
// as IKEv1 signs HASH_I / HASH_R (RFC 2409 §5.1).
//
// IKEv1 feeds the signature scheme the prf output itself, with no second
// hash and no algorithm identifier: for RSA the value goes through PKCS#1
// v1.5 type 1 padding without a DigestInfo (RFC 8017 §9.2 with the DER
// encoding step left out, as RFC 2409 §5.1 and strongSwan's
// "RSA_EMSA_PKCS1_NULL" do); for ECDSA (RFC 4754, IKEv1 methods 9-11) the
// value is the digest ECDSA signs, and the signature is r||s, each
// coordinate-length (RFC 4754 §7).
#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/signature.hpp"

namespace strata::crypto {

// sign_prehashed signs digest with key: RSA (PKCS#1 v1.5 padding, no
// DigestInfo) or ECDSA on P-256/P-384 (r||s). KeyMismatch for any other kind
// of key; InvalidInputLength for an empty digest or one too long for the RSA
// modulus (more than its length - 11 bytes); CryptoFailure if libcrypto fails.
core::Result<core::Bytes> sign_prehashed(const PrivateKey& key, core::ByteView digest);

// verify_prehashed checks a signature made by sign_prehashed. KeyMismatch
// for a key of another kind; SignatureInvalid if the signature is wrong,
// malformed or of the wrong length.
core::Status verify_prehashed(const PublicKey& key, core::ByteView digest, core::ByteView signature);

}  // namespace strata::crypto
