#include "ike/v1/keys.hpp"

#include <array>

#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"

namespace strata::ike::v1 {

namespace {
using core::fail;

std::array<std::uint8_t, 4> be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

core::Result<core::Bytes, Error> prf_bytes(crypto::HashAlg hash, core::ByteView key,
                                           std::initializer_list<core::ByteView> data) {
    auto r = crypto::prf(hash, key, data);
    if (!r) return fail(Error::Internal);
    return core::Bytes(r->view().begin(), r->view().end());
}
}  // namespace

core::Result<Phase1Keys, Error> derive_from_skeyid(crypto::HashAlg hash, core::SecretBytes skeyid,
                                                   core::ByteView g_xy, core::ByteView cky_i,
                                                   core::ByteView cky_r, std::size_t enc_key_len) {
    auto k = crypto::ikev1_derive_keys(hash, skeyid, g_xy, cky_i, cky_r);
    if (!k) return fail(Error::Internal);
    // RFC 2409 Appendix B: the cipher key is SKEYID_e, extended when short.
    auto enc = crypto::ikev1_extend_key(hash, k->skeyid_e, enc_key_len);
    if (!enc) return fail(Error::Internal);
    Phase1Keys out;
    out.skeyid = std::move(skeyid);
    out.skeyid_d = std::move(k->skeyid_d);
    out.skeyid_a = std::move(k->skeyid_a);
    out.skeyid_e = std::move(k->skeyid_e);
    out.enc_key = std::move(enc).value();
    return out;
}

core::Result<Phase1Keys, Error> derive_phase1_psk(crypto::HashAlg hash, core::ByteView psk,
                                                  core::ByteView ni_b, core::ByteView nr_b,
                                                  core::ByteView g_xy, core::ByteView cky_i,
                                                  core::ByteView cky_r, std::size_t enc_key_len) {
    // RFC 2409 §5: for pre-shared keys SKEYID = prf(pre-shared-key, Ni_b | Nr_b).
    auto skeyid = crypto::ikev1_skeyid_psk(hash, psk, ni_b, nr_b);
    if (!skeyid) return fail(Error::Internal);
    return derive_from_skeyid(hash, std::move(skeyid).value(), g_xy, cky_i, cky_r, enc_key_len);
}

core::Result<Phase1Keys, Error> derive_phase1_signature(crypto::HashAlg hash, core::ByteView ni_b,
                                                        core::ByteView nr_b, core::ByteView g_xy,
                                                        core::ByteView cky_i, core::ByteView cky_r,
                                                        std::size_t enc_key_len) {
    // RFC 2409 §5: for signatures SKEYID = prf(Ni_b | Nr_b, g^xy).
    auto skeyid = crypto::ikev1_skeyid_sig(hash, ni_b, nr_b, g_xy);
    if (!skeyid) return fail(Error::Internal);
    return derive_from_skeyid(hash, std::move(skeyid).value(), g_xy, cky_i, cky_r, enc_key_len);
}

core::Result<core::Bytes, Error> hash_i(crypto::HashAlg hash, core::ByteView skeyid, core::ByteView g_xi,
                                        core::ByteView g_xr, core::ByteView cky_i, core::ByteView cky_r,
                                        core::ByteView sai_b, core::ByteView idii_b) {
    return prf_bytes(hash, skeyid, {g_xi, g_xr, cky_i, cky_r, sai_b, idii_b});
}

core::Result<core::Bytes, Error> hash_r(crypto::HashAlg hash, core::ByteView skeyid, core::ByteView g_xi,
                                        core::ByteView g_xr, core::ByteView cky_i, core::ByteView cky_r,
                                        core::ByteView sai_b, core::ByteView idir_b) {
    return prf_bytes(hash, skeyid, {g_xr, g_xi, cky_r, cky_i, sai_b, idir_b});
}

core::Result<core::Bytes, Error> quick_hash1(crypto::HashAlg hash, core::ByteView skeyid_a, std::uint32_t mid,
                                             core::ByteView rest) {
    const auto m = be32(mid);
    return prf_bytes(hash, skeyid_a, {m, rest});
}

core::Result<core::Bytes, Error> quick_hash2(crypto::HashAlg hash, core::ByteView skeyid_a, std::uint32_t mid,
                                             core::ByteView ni_b, core::ByteView rest) {
    const auto m = be32(mid);
    return prf_bytes(hash, skeyid_a, {m, ni_b, rest});
}

core::Result<core::Bytes, Error> quick_hash3(crypto::HashAlg hash, core::ByteView skeyid_a, std::uint32_t mid,
                                             core::ByteView ni_b, core::ByteView nr_b) {
    const auto m = be32(mid);
    const std::array<std::uint8_t, 1> zero{0};
    return prf_bytes(hash, skeyid_a, {zero, m, ni_b, nr_b});
}

core::Result<core::SecretBytes, Error> quick_keymat(crypto::HashAlg hash, core::ByteView skeyid_d,
                                                    core::ByteView g_qm_xy, std::uint8_t protocol,
                                                    core::ByteView spi, core::ByteView ni_b,
                                                    core::ByteView nr_b, std::size_t length) {
    const std::array<std::uint8_t, 1> proto{protocol};
    core::SecretBytes out;
    core::SecretBytes prev;
    // RFC 2409 §5.5: expand by feeding each block back in front of the seed.
    while (out.size() < length) {
        auto k = prev.empty() ? crypto::prf(hash, skeyid_d, {g_qm_xy, proto, spi, ni_b, nr_b})
                              : crypto::prf(hash, skeyid_d, {prev.view(), g_qm_xy, proto, spi, ni_b, nr_b});
        if (!k) return fail(Error::Internal);
        out.append(k->view());
        prev = std::move(k).value();
    }
    out.resize(length);
    return out;
}

core::Result<core::Bytes, Error> initial_iv(crypto::HashAlg hash, core::ByteView g_xi, core::ByteView g_xr,
                                            std::size_t block_len) {
    core::Bytes in(g_xi.begin(), g_xi.end());
    in.insert(in.end(), g_xr.begin(), g_xr.end());
    auto d = crypto::digest(hash, in);
    if (!d || d->size() < block_len) return fail(Error::Internal);
    d->resize(block_len);
    return std::move(d).value();
}

core::Result<core::Bytes, Error> phase2_iv(crypto::HashAlg hash, core::ByteView phase1_last_block,
                                           std::uint32_t mid, std::size_t block_len) {
    core::Bytes in(phase1_last_block.begin(), phase1_last_block.end());
    const auto m = be32(mid);
    in.insert(in.end(), m.begin(), m.end());
    auto d = crypto::digest(hash, in);
    if (!d || d->size() < block_len) return fail(Error::Internal);
    d->resize(block_len);
    return std::move(d).value();
}

}  // namespace strata::ike::v1
