// keys.hpp: IKEv2 key material (RFC 7296 §2.14, §2.15, §2.17) and the SK
// payload's protection (RFC 7296 §3.14, RFC 5282).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/aead.hpp"
#include "crypto/cipher.hpp"
#include "crypto/mac.hpp"
#include "crypto/random.hpp"
#include "ike/child_sa.hpp"
#include "ike/proposal.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// IkeKeys are the seven keys of an IKE SA (RFC 7296 §2.14). SK_e* carry the
// salt at their end for AEAD (RFC 5282 §7.1); SK_a* are empty for AEAD.
struct IkeKeys {
    core::SecretBytes skeyseed;  // kept for the key log only (§2.14, §2.18)
    core::SecretBytes sk_d;
    core::SecretBytes sk_ai;
    core::SecretBytes sk_ar;
    core::SecretBytes sk_ei;
    core::SecretBytes sk_er;
    core::SecretBytes sk_pi;
    core::SecretBytes sk_pr;
};

// encryption_keymat_length returns the bytes of SK_e* (key + salt) for e.
std::size_t encryption_keymat_length(const crypto::EncryptionInfo& e) noexcept;

// split_ike_keys cuts prf+ output into the seven keys, in §2.14 order.
core::Result<IkeKeys> split_ike_keys(const NegotiatedIke& algs, core::ByteView keymat);

// ike_keymat_length returns how many prf+ bytes split_ike_keys needs.
std::size_t ike_keymat_length(const NegotiatedIke& algs) noexcept;

// derive_ike_keys computes SKEYSEED = prf(Ni | Nr, g^ir) and the seven keys
// from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 §2.14). sk_d_old, if
// given, makes it the rekey form SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr) (§2.18).
core::Result<IkeKeys> derive_ike_keys(const NegotiatedIke& algs, core::ByteView g_ir, core::ByteView ni,
                                      core::ByteView nr, std::uint64_t spi_i, std::uint64_t spi_r,
                                      std::optional<core::ByteView> sk_d_old = std::nullopt);

// ChildKeys are a CHILD SA's four keys, named by direction (RFC 7296 §2.17:
// initiator-to-responder first, encryption before integrity).
struct ChildKeys {
    core::SecretBytes encr_i;  // initiator -> responder
    core::SecretBytes integ_i;
    core::SecretBytes encr_r;  // responder -> initiator
    core::SecretBytes integ_r;
};

// derive_child_keys returns KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) split for algs.
core::Result<ChildKeys> derive_child_keys(const crypto::PrfInfo& prf, core::ByteView sk_d,
                                          const NegotiatedChild& algs, core::ByteView g_ir_new,
                                          core::ByteView ni, core::ByteView nr);

// psk_auth returns the AUTH data for PSK (RFC 7296 §2.15):
// prf(prf(psk, "Key Pad for IKEv2"), message | nonce | prf(SK_p, ID body)).
core::Result<core::SecretBytes> psk_auth(const crypto::PrfInfo& prf, core::ByteView psk,
                                         core::ByteView message, core::ByteView peer_nonce,
                                         core::ByteView sk_p, core::ByteView id_body);

// nat_detection_hash returns SHA-1(SPIi | SPIr | IP | port) (RFC 7296 §2.23).
core::Result<core::Bytes> nat_detection_hash(std::uint64_t spi_i, std::uint64_t spi_r, const Endpoint& ep);

// SkTransforms is one side's keyed SK protection (RFC 7296 §3.14, RFC 5282).
struct SkTransforms {
    // create keys both directions (initiator: seal with SK_ei/SK_ai).
    static core::Result<SkTransforms> create(const NegotiatedIke& algs, const IkeKeys& keys, bool initiator);

    std::optional<crypto::Aead> aead_out, aead_in;
    core::SecretBytes salt_out, salt_in;  // AEAD only (RFC 5282 §7.1)
    std::optional<crypto::BlockCipher> cipher_out, cipher_in;
    std::optional<crypto::Mac> mac_out, mac_in;
    std::size_t iv_len = 0;
    std::size_t icv_len = 0;
    std::size_t block_len = 1;
};

// SkCrypto is an IKE SA's one keyed set of SK transforms. It protects SK
// payloads (seal/open) and, through seal_region/open_region, SKF fragments
// (RFC 7383 §2.5: each fragment is protected like an SK payload). The
// initiator seals with SK_ei/SK_ai and opens with SK_er/SK_ar; the
// responder the other way round.
class SkCrypto {
public:
    // create keys the transforms for one side.
    static core::Result<SkCrypto> create(const NegotiatedIke& algs, const IkeKeys& keys, bool initiator);

    // seal returns the whole message: header h (next and length filled in)
    // and an SK payload holding the payload chain, padded and protected
    // (AEAD: RFC 5282 §3-§5; CBC + HMAC: RFC 7296 §3.14). The IV (8 bytes
    // for AEAD, a block for CBC) is drawn from rng.
    core::Result<core::Bytes> seal(Header h, const std::vector<RawPayload>& payloads,
                                   crypto::RandomSource& rng);

    // open checks and decrypts the SK payload of message (as located by
    // parse_message) and returns the inner payload chain; IntegrityFailed
    // when the ICV does not verify (the caller drops the message, §2.21.2).
    core::Result<std::vector<RawPayload>, ParseError> open(core::ByteView message, const SkPayload& sk);

    // seal_region protects one encrypted payload (SK or SKF) in place.
    // message is the whole message: the IKE header and the payload's
    // headers up to iv_at (the AEAD's associated data, RFC 5282 §5 and RFC
    // 7383 §2.5), iv_len() bytes for the IV (drawn from rng), the plaintext
    // already padded to padded_length(), and icv_len() bytes for the ICV.
    core::Status seal_region(core::MutableByteView message, std::size_t iv_at, crypto::RandomSource& rng);

    // open_region checks the ICV of the encrypted payload whose IV starts at
    // iv_at and which runs to the end of message, and returns the plaintext
    // without padding. IntegrityFailed if the ICV does not verify,
    // InvalidSyntax if the lengths or the padding are impossible.
    core::Result<core::Bytes, ParseError> open_region(core::ByteView message, std::size_t iv_at);

    // padded_length returns the encrypted length of n plaintext bytes: with
    // padding and the Pad Length octet, a whole number of blocks (§3.14).
    [[nodiscard]] std::size_t padded_length(std::size_t n) const noexcept;
    [[nodiscard]] std::size_t iv_len() const noexcept { return t_.iv_len; }
    [[nodiscard]] std::size_t icv_len() const noexcept { return t_.icv_len; }
    [[nodiscard]] std::size_t block_len() const noexcept { return t_.block_len; }

private:
    SkCrypto() = default;
    SkTransforms t_;
};

}  // namespace strata::ike::v2
