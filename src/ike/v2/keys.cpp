#include "ike/v2/keys.hpp"

#include <array>
#include <string_view>

#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"

namespace strata::ike::v2 {

namespace {

core::ByteView spi_bytes(std::uint64_t spi, std::array<std::uint8_t, 8>& buf) {
    for (std::size_t i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(spi >> (56 - 8 * i));
    return buf;
}

// take cuts n bytes off the front of *rest.
core::SecretBytes take(core::ByteView& rest, std::size_t n) {
    core::SecretBytes s(rest.subspan(0, n));
    rest = rest.subspan(n);
    return s;
}

}  // namespace

std::size_t encryption_keymat_length(const crypto::EncryptionInfo& e) noexcept {
    return e.key_len + e.salt_len;
}

std::size_t ike_keymat_length(const NegotiatedIke& algs) noexcept {
    const std::size_t prf_len = crypto::digest_length(algs.prf->hash);
    const std::size_t integ = algs.integrity != nullptr ? algs.integrity->key_len : 0;
    return 3 * prf_len + 2 * integ + 2 * encryption_keymat_length(*algs.encryption);
}

core::Result<IkeKeys> split_ike_keys(const NegotiatedIke& algs, core::ByteView keymat) {
    if (keymat.size() != ike_keymat_length(algs)) return core::fail(core::Error::InvalidInputLength);
    const std::size_t prf_len = crypto::digest_length(algs.prf->hash);
    const std::size_t integ = algs.integrity != nullptr ? algs.integrity->key_len : 0;
    const std::size_t encr = encryption_keymat_length(*algs.encryption);
    IkeKeys k;
    // RFC 7296 §2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(...)
    k.sk_d = take(keymat, prf_len);
    k.sk_ai = take(keymat, integ);
    k.sk_ar = take(keymat, integ);
    k.sk_ei = take(keymat, encr);
    k.sk_er = take(keymat, encr);
    k.sk_pi = take(keymat, prf_len);
    k.sk_pr = take(keymat, prf_len);
    return k;
}

core::Result<IkeKeys> derive_ike_keys(const NegotiatedIke& algs, core::ByteView g_ir, core::ByteView ni,
                                      core::ByteView nr, std::uint64_t spi_i, std::uint64_t spi_r,
                                      std::optional<core::ByteView> sk_d_old) {
    const crypto::HashAlg h = algs.prf->hash;
    auto skeyseed = sk_d_old ? crypto::ikev2_skeyseed_rekey(h, *sk_d_old, g_ir, ni, nr)
                             : crypto::ikev2_skeyseed(h, ni, nr, g_ir);
    if (!skeyseed) return core::fail(skeyseed.error());
    std::array<std::uint8_t, 8> a{};
    std::array<std::uint8_t, 8> b{};
    auto keymat = crypto::ikev2_ike_keymat(h, *skeyseed, ni, nr, spi_bytes(spi_i, a), spi_bytes(spi_r, b),
                                           ike_keymat_length(algs));
    if (!keymat) return core::fail(keymat.error());
    auto keys = split_ike_keys(algs, *keymat);
    if (!keys) return keys;
    keys->skeyseed = std::move(skeyseed).value();
    return keys;
}

core::Result<ChildKeys> derive_child_keys(const crypto::PrfInfo& prf, core::ByteView sk_d,
                                          const NegotiatedChild& algs, core::ByteView g_ir_new,
                                          core::ByteView ni, core::ByteView nr) {
    const std::size_t encr = encryption_keymat_length(*algs.encryption);
    const std::size_t integ = algs.integrity != nullptr ? algs.integrity->key_len : 0;
    auto keymat = crypto::ikev2_child_keymat(prf.hash, sk_d, g_ir_new, ni, nr, 2 * (encr + integ));
    if (!keymat) return core::fail(keymat.error());
    core::ByteView rest = *keymat;
    ChildKeys k;
    // RFC 7296 §2.17: initiator-to-responder keys first, encryption before integrity.
    k.encr_i = take(rest, encr);
    k.integ_i = take(rest, integ);
    k.encr_r = take(rest, encr);
    k.integ_r = take(rest, integ);
    return k;
}

core::Result<core::SecretBytes> psk_auth(const crypto::PrfInfo& prf, core::ByteView psk,
                                         core::ByteView message, core::ByteView peer_nonce,
                                         core::ByteView sk_p, core::ByteView id_body) {
    // RFC 7296 §2.15: MACedIDFor = prf(SK_p, RestOfIDPayload).
    auto maced_id = crypto::prf(prf.hash, sk_p, {id_body});
    if (!maced_id) return core::fail(maced_id.error());
    static constexpr std::string_view kPad = "Key Pad for IKEv2";
    const core::ByteView pad(reinterpret_cast<const std::uint8_t*>(kPad.data()), kPad.size());
    auto key = crypto::prf(prf.hash, psk, {pad});
    if (!key) return core::fail(key.error());
    return crypto::prf(prf.hash, *key, {message, peer_nonce, *maced_id});
}

core::Result<core::Bytes> nat_detection_hash(std::uint64_t spi_i, std::uint64_t spi_r, const Endpoint& ep) {
    core::Bytes in;
    core::Writer w(in);
    w.u64(spi_i);
    w.u64(spi_r);
    w.bytes(ep.address.bytes());
    w.u16(ep.port);
    return crypto::digest(crypto::HashAlg::Sha1, in);
}

core::Result<SkTransforms> SkTransforms::create(const NegotiatedIke& algs, const IkeKeys& keys,
                                                bool initiator) {
    SkTransforms c;
    const auto& e = *algs.encryption;
    const core::SecretBytes& ek_out = initiator ? keys.sk_ei : keys.sk_er;
    const core::SecretBytes& ek_in = initiator ? keys.sk_er : keys.sk_ei;
    if (e.aead) {
        // RFC 5282 §7.1: the salt is the last bytes of SK_e.
        auto out = crypto::Aead::create(e.aead_alg, ek_out.view().subspan(0, e.key_len), e.icv_len);
        auto in = crypto::Aead::create(e.aead_alg, ek_in.view().subspan(0, e.key_len), e.icv_len);
        if (!out) return core::fail(out.error());
        if (!in) return core::fail(in.error());
        c.aead_out.emplace(std::move(out).value());
        c.aead_in.emplace(std::move(in).value());
        c.salt_out = core::SecretBytes(ek_out.view().subspan(e.key_len));
        c.salt_in = core::SecretBytes(ek_in.view().subspan(e.key_len));
        c.iv_len = 8;  // RFC 5282 §3.1, RFC 7634 §3
        c.icv_len = e.icv_len;
        c.block_len = 1;
    } else {
        if (algs.integrity == nullptr) return core::fail(core::Error::UnsupportedAlgorithm);
        auto out = crypto::BlockCipher::create(e.cipher_alg, ek_out);
        auto in = crypto::BlockCipher::create(e.cipher_alg, ek_in);
        if (!out) return core::fail(out.error());
        if (!in) return core::fail(in.error());
        auto mout = crypto::Mac::create(algs.integrity->mac, initiator ? keys.sk_ai : keys.sk_ar);
        auto min = crypto::Mac::create(algs.integrity->mac, initiator ? keys.sk_ar : keys.sk_ai);
        if (!mout) return core::fail(mout.error());
        if (!min) return core::fail(min.error());
        c.iv_len = out->iv_len();
        c.block_len = out->block_size();
        c.cipher_out.emplace(std::move(out).value());
        c.cipher_in.emplace(std::move(in).value());
        c.mac_out.emplace(std::move(mout).value());
        c.mac_in.emplace(std::move(min).value());
        c.icv_len = algs.integrity->icv_len;
    }
    return c;
}

core::Result<SkCrypto> SkCrypto::create(const NegotiatedIke& algs, const IkeKeys& keys, bool initiator) {
    auto t = SkTransforms::create(algs, keys, initiator);
    if (!t) return core::fail(t.error());
    SkCrypto c;
    c.t_ = std::move(t).value();
    return c;
}

std::size_t SkCrypto::padded_length(std::size_t n) const noexcept {
    // RFC 7296 §3.14: payloads | padding | pad length fills whole blocks.
    return n + 1 + (t_.block_len - (n + 1) % t_.block_len) % t_.block_len;
}

core::Result<core::Bytes> SkCrypto::seal(Header h, const std::vector<RawPayload>& payloads,
                                         crypto::RandomSource& rng) {
    core::Bytes out;
    core::Writer w(out);
    h.next = PayloadType::SK;
    h.length = 0;  // patched below
    encode_header(w, h);
    // RFC 7296 §3.14: the SK payload's Next Payload names the first inner payload.
    w.u8(static_cast<std::uint8_t>(payloads.empty() ? PayloadType::None : payloads.front().type));
    w.u8(0);
    w.u16(0);  // patched below
    const std::size_t iv_at = w.size();
    w.zeros(t_.iv_len);
    const std::size_t inner_at = w.size();
    encode_chain(w, payloads);
    const std::size_t inner = w.size() - inner_at;
    const std::size_t pad = padded_length(inner) - inner - 1;
    w.zeros(pad);  // the padding bytes are zero here
    w.u8(static_cast<std::uint8_t>(pad));
    w.zeros(t_.icv_len);
    w.patch_u16(kHeaderLength + 2, static_cast<std::uint16_t>(w.size() - kHeaderLength));
    w.patch_u32(24, static_cast<std::uint32_t>(w.size()));
    if (auto st = w.status(); !st) return core::fail(st.error());
    if (auto st = seal_region(out, iv_at, rng); !st) return core::fail(st.error());
    return out;
}

core::Status SkCrypto::seal_region(core::MutableByteView message, std::size_t iv_at,
                                   crypto::RandomSource& rng) {
    const std::size_t ct_at = iv_at + t_.iv_len;
    if (message.size() < ct_at + t_.icv_len) return core::fail(core::Error::InvalidInputLength);
    const std::size_t ct_len = message.size() - ct_at - t_.icv_len;
    if (ct_len == 0 || ct_len % t_.block_len != 0) return core::fail(core::Error::InvalidInputLength);
    const core::MutableByteView iv = message.subspan(iv_at, t_.iv_len);
    if (auto st = rng.fill(iv); !st) return st;
    const core::MutableByteView ct = message.subspan(ct_at, ct_len);
    const core::MutableByteView icv = message.subspan(ct_at + ct_len, t_.icv_len);
    if (t_.aead_out) {
        // RFC 5282 §4: nonce = salt | IV; §5: the AAD is the IKE header and
        // the payload header (for SKF with Fragment Number and Total
        // Fragments, RFC 7383 §2.5), everything before the IV.
        std::array<std::uint8_t, crypto::kAeadNonceLength> nonce{};
        std::copy(t_.salt_out.view().begin(), t_.salt_out.view().end(), nonce.begin());
        std::copy(iv.begin(), iv.end(), nonce.begin() + 4);
        return t_.aead_out->seal(nonce, message.first(iv_at), ct, icv);
    }
    if (auto st = t_.cipher_out->encrypt(iv, ct); !st) return st;
    // RFC 7296 §3.14: the ICV covers the message from the header to the end
    // of the encrypted data.
    return t_.mac_out->compute(message.first(ct_at + ct_len), icv);
}

core::Result<core::Bytes, ParseError> SkCrypto::open_region(core::ByteView message, std::size_t iv_at) {
    const std::size_t ct_at = iv_at + t_.iv_len;
    if (message.size() < ct_at + t_.icv_len + 1) return core::fail(ParseError::InvalidSyntax);
    const std::size_t ct_len = message.size() - ct_at - t_.icv_len;
    if (ct_len % t_.block_len != 0) return core::fail(ParseError::InvalidSyntax);
    core::Bytes plain(message.begin() + static_cast<std::ptrdiff_t>(ct_at),
                      message.begin() + static_cast<std::ptrdiff_t>(ct_at + ct_len));
    const core::ByteView iv = message.subspan(iv_at, t_.iv_len);
    const core::ByteView icv = message.subspan(ct_at + ct_len, t_.icv_len);
    if (t_.aead_in) {
        std::array<std::uint8_t, crypto::kAeadNonceLength> nonce{};
        std::copy(t_.salt_in.view().begin(), t_.salt_in.view().end(), nonce.begin());
        std::copy(iv.begin(), iv.end(), nonce.begin() + 4);
        if (!t_.aead_in->open(nonce, message.first(iv_at), plain, icv)) {
            return core::fail(ParseError::IntegrityFailed);
        }
    } else {
        // RFC 7296 §3.14 (and RFC 7383 §2.6 for each fragment): check the
        // ICV before decrypting.
        if (!t_.mac_in->verify(message.first(ct_at + ct_len), icv))
            return core::fail(ParseError::IntegrityFailed);
        if (!t_.cipher_in->decrypt(iv, plain)) return core::fail(ParseError::InvalidSyntax);
    }
    const std::size_t pad = plain.back();
    if (pad + 1 > plain.size()) return core::fail(ParseError::InvalidSyntax);
    plain.resize(plain.size() - pad - 1);
    return plain;
}

core::Result<std::vector<RawPayload>, ParseError> SkCrypto::open(core::ByteView message,
                                                                 const SkPayload& sk) {
    // parse_message located the SK payload last: its body runs to the end.
    const std::size_t iv_at = sk.offset + 4;
    if (iv_at + sk.body.size() != message.size()) return core::fail(ParseError::InvalidSyntax);
    auto plain = open_region(message, iv_at);
    if (!plain) return core::fail(plain.error());
    return parse_chain(sk.first_inner, *plain);
}

}  // namespace strata::ike::v2
