// keys.hpp: IKEv1 key material (RFC 2409 §5, §5.5, Appendix B).
//
// Every "prf" here is the HMAC of the negotiated hash (RFC 2409 §5: "the
// HMAC version of the negotiated hash algorithm is used as the prf"). The
// derivations build on crypto/kdf (SKEYID family, Appendix B extension).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/algorithm_ids.hpp"
#include "ike/v1/error.hpp"

namespace strata::ike::v1 {

// Phase1Keys is the key material of an ISAKMP SA (SKEYID depends on the
// authentication method, RFC 2409 §5).
struct Phase1Keys {
    core::SecretBytes skeyid;    // prf(pre-shared-key, Ni_b | Nr_b) or prf(Ni_b | Nr_b, g^xy)
    core::SecretBytes skeyid_d;  // prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
    core::SecretBytes skeyid_a;  // prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
    core::SecretBytes skeyid_e;  // prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
    core::SecretBytes enc_key;   // SKEYID_e extended to the cipher's key length (Appendix B)
};

// derive_phase1_psk computes Phase1Keys for pre-shared-key authentication
// (RFC 2409 §5). ni_b and nr_b are the nonce payload bodies, g_xy the DH
// shared secret, cky_i/cky_r the cookies; enc_key_len the cipher key length.
core::Result<Phase1Keys, Error> derive_phase1_psk(crypto::HashAlg hash, core::ByteView psk,
                                                  core::ByteView ni_b, core::ByteView nr_b,
                                                  core::ByteView g_xy, core::ByteView cky_i,
                                                  core::ByteView cky_r, std::size_t enc_key_len);

// derive_phase1_signature computes Phase1Keys for signature authentication
// (RFC 2409 §5: SKEYID = prf(Ni_b | Nr_b, g^xy)); arguments as above.
core::Result<Phase1Keys, Error> derive_phase1_signature(crypto::HashAlg hash, core::ByteView ni_b,
                                                        core::ByteView nr_b, core::ByteView g_xy,
                                                        core::ByteView cky_i, core::ByteView cky_r,
                                                        std::size_t enc_key_len);

// derive_from_skeyid computes SKEYID_d/_a/_e and the cipher key from a given
// SKEYID (any authentication method).
core::Result<Phase1Keys, Error> derive_from_skeyid(crypto::HashAlg hash, core::SecretBytes skeyid,
                                                   core::ByteView g_xy, core::ByteView cky_i,
                                                   core::ByteView cky_r, std::size_t enc_key_len);

// hash_i returns HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
// and hash_r HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
// (RFC 2409 §5). g^xi/g^xr are the KE payload bodies.
core::Result<core::Bytes, Error> hash_i(crypto::HashAlg hash, core::ByteView skeyid, core::ByteView g_xi,
                                        core::ByteView g_xr, core::ByteView cky_i, core::ByteView cky_r,
                                        core::ByteView sai_b, core::ByteView idii_b);
core::Result<core::Bytes, Error> hash_r(crypto::HashAlg hash, core::ByteView skeyid, core::ByteView g_xi,
                                        core::ByteView g_xr, core::ByteView cky_i, core::ByteView cky_r,
                                        core::ByteView sai_b, core::ByteView idir_b);

// quick_hash1 returns HASH(1) = prf(SKEYID_a, M-ID | rest), where rest is
// every payload after the HASH payload (RFC 2409 §5.5); the informational
// HASH(1) of §5.7 is the same formula.
core::Result<core::Bytes, Error> quick_hash1(crypto::HashAlg hash, core::ByteView skeyid_a, std::uint32_t mid,
                                             core::ByteView rest);
// quick_hash2 returns HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest) (§5.5).
core::Result<core::Bytes, Error> quick_hash2(crypto::HashAlg hash, core::ByteView skeyid_a, std::uint32_t mid,
                                             core::ByteView ni_b, core::ByteView rest);
// quick_hash3 returns HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) (§5.5).
core::Result<core::Bytes, Error> quick_hash3(crypto::HashAlg hash, core::ByteView skeyid_a, std::uint32_t mid,
                                             core::ByteView ni_b, core::ByteView nr_b);

// quick_keymat returns length bytes of KEYMAT for one IPsec SA (RFC 2409
// §5.5): K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
// Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
// KEYMAT = K1 | K2 | ... . g_qm_xy is empty without PFS; spi is the 4-byte
// SPI the receiving end of this SA chose.
core::Result<core::SecretBytes, Error> quick_keymat(crypto::HashAlg hash, core::ByteView skeyid_d,
                                                    core::ByteView g_qm_xy, std::uint8_t protocol,
                                                    core::ByteView spi, core::ByteView ni_b,
                                                    core::ByteView nr_b, std::size_t length);

// initial_iv returns the phase 1 IV: hash(g^xi | g^xr) cut to block_len
// (RFC 2409 Appendix B; the hash, not the prf).
core::Result<core::Bytes, Error> initial_iv(crypto::HashAlg hash, core::ByteView g_xi, core::ByteView g_xr,
                                            std::size_t block_len);
// phase2_iv returns hash(last phase 1 CBC output block | M-ID) cut to
// block_len, the IV of a quick mode or informational exchange (Appendix B).
core::Result<core::Bytes, Error> phase2_iv(crypto::HashAlg hash, core::ByteView phase1_last_block,
                                           std::uint32_t mid, std::size_t block_len);

}  // namespace strata::ike::v1
