// kdf.hpp: the HMAC-based key derivations of IKEv1, IKEv2, TLS 1.2 and TLS 1.3.
//
// Every function builds on crypto::Mac (HMAC through EVP_MAC). Outputs are
// core::SecretBytes. Functions fail with UnsupportedAlgorithm if the hash is
// not available, InvalidInputLength if the requested length is out of the
// range the RFC allows, CryptoFailure if libcrypto fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_ids.hpp"

namespace strata::crypto {

// prf returns HMAC-hash(key, the concatenation of data), the "prf" of
// RFC 2409 §5 and RFC 7296 §2.13 (with an HMAC transform).
core::Result<core::SecretBytes> prf(HashAlg hash, core::ByteView key,
                                    std::initializer_list<core::ByteView> data);

// prf_plus returns the first length bytes of prf+(key, seed) (RFC 7296
// §2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). At most 255
// blocks; longer requests fail with InvalidInputLength.
core::Result<core::SecretBytes> prf_plus(HashAlg hash, core::ByteView key, core::ByteView seed,
                                         std::size_t length);

// ---- IKEv1 (RFC 2409 §5) ----

// ikev1_skeyid_psk returns SKEYID = prf(pre-shared-key, Ni_b | Nr_b).
core::Result<core::SecretBytes> ikev1_skeyid_psk(HashAlg hash, core::ByteView psk, core::ByteView ni,
                                                 core::ByteView nr);
// ikev1_skeyid_sig returns SKEYID = prf(Ni_b | Nr_b, g^xy) (signature authentication).
core::Result<core::SecretBytes> ikev1_skeyid_sig(HashAlg hash, core::ByteView ni, core::ByteView nr,
                                                 core::ByteView g_xy);
// ikev1_skeyid_pke returns SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)
// (public key encryption authentication).
core::Result<core::SecretBytes> ikev1_skeyid_pke(HashAlg hash, core::ByteView ni, core::ByteView nr,
                                                 core::ByteView cky_i, core::ByteView cky_r);

// Ikev1Keys holds the three keys derived from SKEYID.
struct Ikev1Keys {
    core::SecretBytes skeyid_d;  // keying material for IPsec SAs
    core::SecretBytes skeyid_a;  // ISAKMP authentication key
    core::SecretBytes skeyid_e;  // ISAKMP encryption key (see ikev1_extend_key)
};

// ikev1_derive_keys returns SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0),
// SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) and
// SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2).
core::Result<Ikev1Keys> ikev1_derive_keys(HashAlg hash, core::ByteView skeyid, core::ByteView g_xy,
                                          core::ByteView cky_i, core::ByteView cky_r);

// ikev1_extend_key returns the length-byte cipher key from SKEYID_e (RFC 2409
// Appendix B): the leading bytes of SKEYID_e if it is long enough, else the
// leading bytes of K1 | K2 | ... with K1 = prf(SKEYID_e, 0x00) and
// Kn = prf(SKEYID_e, Kn-1).
core::Result<core::SecretBytes> ikev1_extend_key(HashAlg hash, core::ByteView skeyid_e, std::size_t length);

// ---- IKEv2 (RFC 7296) ----

// ikev2_skeyseed returns SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14).
core::Result<core::SecretBytes> ikev2_skeyseed(HashAlg hash, core::ByteView ni, core::ByteView nr,
                                               core::ByteView g_ir);
// ikev2_ike_keymat returns prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), length bytes,
// to be split into SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr (§2.14).
core::Result<core::SecretBytes> ikev2_ike_keymat(HashAlg hash, core::ByteView skeyseed, core::ByteView ni,
                                                 core::ByteView nr, core::ByteView spi_i,
                                                 core::ByteView spi_r, std::size_t length);
// ikev2_child_keymat returns KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr),
// length bytes (§2.17); pass an empty g_ir_new without PFS.
core::Result<core::SecretBytes> ikev2_child_keymat(HashAlg hash, core::ByteView sk_d, core::ByteView g_ir_new,
                                                   core::ByteView ni, core::ByteView nr, std::size_t length);
// ikev2_skeyseed_rekey returns SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
// for a rekeyed IKE SA (§2.18).
core::Result<core::SecretBytes> ikev2_skeyseed_rekey(HashAlg hash, core::ByteView sk_d_old,
                                                     core::ByteView g_ir_new, core::ByteView ni,
                                                     core::ByteView nr);

// ---- TLS 1.2 (RFC 5246 §5) ----

// tls12_prf returns length bytes of PRF(secret, label, seed) =
// P_hash(secret, label | seed), label in ASCII without a NUL.
core::Result<core::SecretBytes> tls12_prf(HashAlg hash, core::ByteView secret, std::string_view label,
                                          core::ByteView seed, std::size_t length);

// ---- HKDF (RFC 5869) and TLS 1.3 (RFC 8446 §7.1) ----

// hkdf_extract returns PRK = HMAC-hash(salt, ikm) (RFC 5869 §2.2). An empty
// salt is the same as HashLen zero bytes (HMAC pads the key with zeros).
core::Result<core::SecretBytes> hkdf_extract(HashAlg hash, core::ByteView salt, core::ByteView ikm);
// hkdf_expand returns OKM, length bytes of T(1) | T(2) | ... with
// T(n) = HMAC-hash(PRK, T(n-1) | info | n) (RFC 5869 §2.3); length at most
// 255 * HashLen.
core::Result<core::SecretBytes> hkdf_expand(HashAlg hash, core::ByteView prk, core::ByteView info,
                                            std::size_t length);

// tls13_hkdf_label returns the encoded HkdfLabel struct (RFC 8446 §7.1):
// uint16 length | opaque label<7..255> = "tls13 " + label | opaque
// context<0..255>. InvalidInputLength if the label or context is too long.
core::Result<core::Bytes> tls13_hkdf_label(std::string_view label, core::ByteView context,
                                           std::uint16_t length);
// tls13_expand_label returns HKDF-Expand-Label(secret, label, context, length)
// = HKDF-Expand(secret, HkdfLabel, length); label without the "tls13 " prefix.
core::Result<core::SecretBytes> tls13_expand_label(HashAlg hash, core::ByteView secret,
                                                   std::string_view label, core::ByteView context,
                                                   std::uint16_t length);
// tls13_derive_secret returns Derive-Secret(secret, label, messages) =
// HKDF-Expand-Label(secret, label, transcript_hash, HashLen), where the caller
// passes transcript_hash = Transcript-Hash(messages) it keeps running.
core::Result<core::SecretBytes> tls13_derive_secret(HashAlg hash, core::ByteView secret,
                                                    std::string_view label, core::ByteView transcript_hash);

}  // namespace strata::crypto
