#include "crypto/kdf.hpp"

#include <algorithm>
#include <array>

#include "core/writer.hpp"
#include "crypto/hash.hpp"
#include "crypto/mac.hpp"

namespace strata::crypto {

using core::ByteView;
using core::Error;
using core::fail;
using core::SecretBytes;

namespace {

ByteView ascii(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// mac_parts writes HMAC(key of mac, p1 | p2 | ...) into out (full length).
core::Status mac_parts(Mac& mac, std::initializer_list<ByteView> parts, core::MutableByteView out) noexcept {
    if (auto st = mac.init(); !st) return st;
    for (ByteView p : parts) {
        if (auto st = mac.update(p); !st) return st;
    }
    return mac.final(out);
}

core::Result<SecretBytes> mac_to_secret(Mac& mac, std::initializer_list<ByteView> parts) {
    SecretBytes out(mac.output_len());
    if (auto st = mac_parts(mac, parts, out.mutable_view()); !st) return fail(st.error());
    return out;
}

// expand is the loop shared by prf+ (RFC 7296 §2.13) and HKDF-Expand
// (RFC 5869 §2.3), which are the same construction:
// T(0) = empty, T(n) = HMAC(K, T(n-1) | seed | n), n = 1..255.
core::Result<SecretBytes> expand(HashAlg hash, ByteView key, std::initializer_list<ByteView> seed,
                                 std::size_t length) {
    auto mac = Mac::create_hmac(hash, key);
    if (!mac) return fail(mac.error());
    const std::size_t hl = mac->output_len();
    if (length > 255 * hl) return fail(Error::InvalidInputLength);
    SecretBytes out(length);
    std::array<std::uint8_t, kMaxDigestLength> t{};
    std::size_t t_len = 0;
    std::size_t done = 0;
    for (std::uint8_t n = 1; done < length; ++n) {
        const std::uint8_t counter[1] = {n};
        bool ok = mac->init().ok() && mac->update(ByteView(t.data(), t_len)).ok();
        for (ByteView s : seed) ok = ok && mac->update(s).ok();
        ok = ok && mac->update(counter).ok() && mac->final(t).ok();
        if (!ok) {
            core::wipe(t);
            return fail(Error::CryptoFailure);
        }
        t_len = hl;
        const std::size_t take = std::min(hl, length - done);
        std::copy_n(t.begin(), take, out.data() + done);
        done += take;
    }
    core::wipe(t);
    return out;
}

core::Result<SecretBytes> prf_with_key_parts(HashAlg hash, std::initializer_list<ByteView> key_parts,
                                             std::initializer_list<ByteView> data) {
    SecretBytes key;
    for (ByteView p : key_parts) key.append(p);
    return prf(hash, key, data);
}

}  // namespace

core::Result<SecretBytes> prf(HashAlg hash, ByteView key, std::initializer_list<ByteView> data) {
    auto mac = Mac::create_hmac(hash, key);
    if (!mac) return fail(mac.error());
    return mac_to_secret(*mac, data);
}

core::Result<SecretBytes> prf_plus(HashAlg hash, ByteView key, ByteView seed, std::size_t length) {
    return expand(hash, key, {seed}, length);
}

// ---- IKEv1, RFC 2409 §5 ----

core::Result<SecretBytes> ikev1_skeyid_psk(HashAlg hash, ByteView psk, ByteView ni, ByteView nr) {
    return prf(hash, psk, {ni, nr});  // SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
}

core::Result<SecretBytes> ikev1_skeyid_sig(HashAlg hash, ByteView ni, ByteView nr, ByteView g_xy) {
    return prf_with_key_parts(hash, {ni, nr}, {g_xy});  // SKEYID = prf(Ni_b | Nr_b, g^xy)
}

core::Result<SecretBytes> ikev1_skeyid_pke(HashAlg hash, ByteView ni, ByteView nr, ByteView cky_i,
                                           ByteView cky_r) {
    // SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)
    auto h = Hasher::create(hash);
    if (!h) return fail(h.error());
    std::array<std::uint8_t, kMaxDigestLength> key{};
    if (!h->update(ni).ok() || !h->update(nr).ok() || !h->finish(key).ok()) return fail(Error::CryptoFailure);
    return prf(hash, ByteView(key.data(), h->length()), {cky_i, cky_r});
}

core::Result<Ikev1Keys> ikev1_derive_keys(HashAlg hash, ByteView skeyid, ByteView g_xy, ByteView cky_i,
                                          ByteView cky_r) {
    auto mac = Mac::create_hmac(hash, skeyid);
    if (!mac) return fail(mac.error());
    static constexpr std::uint8_t k0[1] = {0}, k1[1] = {1}, k2[1] = {2};
    auto d = mac_to_secret(*mac, {g_xy, cky_i, cky_r, k0});  // SKEYID_d
    if (!d) return fail(d.error());
    auto a = mac_to_secret(*mac, {d->view(), g_xy, cky_i, cky_r, k1});  // SKEYID_a
    if (!a) return fail(a.error());
    auto e = mac_to_secret(*mac, {a->view(), g_xy, cky_i, cky_r, k2});  // SKEYID_e
    if (!e) return fail(e.error());
    return Ikev1Keys{std::move(d).value(), std::move(a).value(), std::move(e).value()};
}

core::Result<SecretBytes> ikev1_extend_key(HashAlg hash, ByteView skeyid_e, std::size_t length) {
    if (length <= skeyid_e.size()) return SecretBytes(skeyid_e.first(length));
    // RFC 2409 Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1).
    auto mac = Mac::create_hmac(hash, skeyid_e);
    if (!mac) return fail(mac.error());
    const std::size_t hl = mac->output_len();
    SecretBytes out(length);
    std::array<std::uint8_t, kMaxDigestLength> k{};
    std::size_t k_len = 0;
    static constexpr std::uint8_t kZero[1] = {0};
    for (std::size_t done = 0; done < length;) {
        const ByteView prev = k_len == 0 ? ByteView(kZero) : ByteView(k.data(), k_len);
        if (!mac_parts(*mac, {prev}, k).ok()) {  // prev is consumed before k is overwritten
            core::wipe(k);
            return fail(Error::CryptoFailure);
        }
        k_len = hl;
        const std::size_t take = std::min(hl, length - done);
        std::copy_n(k.begin(), take, out.data() + done);
        done += take;
    }
    core::wipe(k);
    return out;
}

// ---- IKEv2, RFC 7296 ----

core::Result<SecretBytes> ikev2_skeyseed(HashAlg hash, ByteView ni, ByteView nr, ByteView g_ir) {
    return prf_with_key_parts(hash, {ni, nr}, {g_ir});  // §2.14: SKEYSEED = prf(Ni | Nr, g^ir)
}

core::Result<SecretBytes> ikev2_ike_keymat(HashAlg hash, ByteView skeyseed, ByteView ni, ByteView nr,
                                           ByteView spi_i, ByteView spi_r, std::size_t length) {
    return expand(hash, skeyseed, {ni, nr, spi_i, spi_r}, length);  // §2.14
}

core::Result<SecretBytes> ikev2_child_keymat(HashAlg hash, ByteView sk_d, ByteView g_ir_new, ByteView ni,
                                             ByteView nr, std::size_t length) {
    return expand(hash, sk_d, {g_ir_new, ni, nr}, length);  // §2.17
}

core::Result<SecretBytes> ikev2_skeyseed_rekey(HashAlg hash, ByteView sk_d_old, ByteView g_ir_new,
                                               ByteView ni, ByteView nr) {
    return prf(hash, sk_d_old, {g_ir_new, ni, nr});  // §2.18
}

// ---- TLS 1.2, RFC 5246 §5 ----

core::Result<SecretBytes> tls12_prf(HashAlg hash, ByteView secret, std::string_view label, ByteView seed,
                                    std::size_t length) {
    // P_hash(secret, seed') with seed' = label | seed:
    // A(0) = seed', A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) | seed') for i = 1, 2, ...
    auto mac = Mac::create_hmac(hash, secret);
    if (!mac) return fail(mac.error());
    const std::size_t hl = mac->output_len();
    SecretBytes out(length);
    std::array<std::uint8_t, kMaxDigestLength> a{};
    std::array<std::uint8_t, kMaxDigestLength> block{};
    bool ok = mac_parts(*mac, {ascii(label), seed}, a).ok();  // A(1)
    for (std::size_t done = 0; ok && done < length;) {
        const ByteView a_view(a.data(), hl);
        ok = mac_parts(*mac, {a_view, ascii(label), seed}, block).ok();
        const std::size_t take = std::min(hl, length - done);
        if (ok) std::copy_n(block.begin(), take, out.data() + done);
        done += take;
        if (ok && done < length) ok = mac_parts(*mac, {a_view}, a).ok();  // A(i+1)
    }
    core::wipe(a);
    core::wipe(block);
    if (!ok) return fail(Error::CryptoFailure);
    return out;
}

// ---- HKDF, RFC 5869; TLS 1.3, RFC 8446 §7.1 ----

core::Result<SecretBytes> hkdf_extract(HashAlg hash, ByteView salt, ByteView ikm) {
    return prf(hash, salt, {ikm});  // §2.2: PRK = HMAC-Hash(salt, IKM)
}

core::Result<SecretBytes> hkdf_expand(HashAlg hash, ByteView prk, ByteView info, std::size_t length) {
    return expand(hash, prk, {info}, length);
}

core::Result<core::Bytes> tls13_hkdf_label(std::string_view label, ByteView context, std::uint16_t length) {
    static constexpr std::string_view kPrefix = "tls13 ";
    // opaque label<7..255>; opaque context<0..255>
    if (kPrefix.size() + label.size() > 255 || context.size() > 255) return fail(Error::InvalidInputLength);
    core::Bytes out;
    core::Writer w(out);
    w.u16(length);
    const auto label_scope = w.open_length(1);
    w.bytes(ascii(kPrefix));
    w.bytes(ascii(label));
    w.close_length(label_scope);
    const auto context_scope = w.open_length(1);
    w.bytes(context);
    w.close_length(context_scope);
    if (auto st = w.status(); !st) return fail(st.error());
    return out;
}

core::Result<SecretBytes> tls13_expand_label(HashAlg hash, ByteView secret, std::string_view label,
                                             ByteView context, std::uint16_t length) {
    auto info = tls13_hkdf_label(label, context, length);
    if (!info) return fail(info.error());
    return hkdf_expand(hash, secret, *info, length);
}

core::Result<SecretBytes> tls13_derive_secret(HashAlg hash, ByteView secret, std::string_view label,
                                              ByteView transcript_hash) {
    return tls13_expand_label(hash, secret, label, transcript_hash,
                              static_cast<std::uint16_t>(digest_length(hash)));
}

}  // namespace strata::crypto
