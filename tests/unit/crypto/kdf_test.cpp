#include "crypto/kdf.hpp"

#include <string>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "crypto/hash.hpp"
#include "crypto/mac.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::ByteView;
using core::Error;

// evp_kdf runs one of libcrypto's own KDFs: an independent implementation
// to check ours against.
Bytes evp_kdf(const char* name, HashAlg hash, std::initializer_list<OSSL_PARAM> extra, std::size_t len) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, name, nullptr);
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    std::string md(hash_openssl_name(hash));
    std::vector<OSSL_PARAM> params{OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md.data(), 0)};
    params.insert(params.end(), extra.begin(), extra.end());
    params.push_back(OSSL_PARAM_construct_end());
    Bytes out(len);
    const int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params.data());
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    EXPECT_EQ(rc, 1) << name;
    return out;
}

OSSL_PARAM octets(const char* key, Bytes& b) {
    return OSSL_PARAM_construct_octet_string(key, b.data(), b.size());
}

Bytes pattern(std::size_t n, std::uint8_t start) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
    return b;
}

TEST(Kdf, HkdfMatchesLibcryptoHkdf) {
    for (HashAlg hash : {HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512}) {
        Bytes ikm = pattern(30, 1), salt = pattern(17, 50), info = pattern(9, 200);
        const std::size_t len = 3 * digest_length(hash) + 5;
        int mode = EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
        const Bytes want =
            evp_kdf("HKDF", hash,
                    {octets(OSSL_KDF_PARAM_KEY, ikm), octets(OSSL_KDF_PARAM_SALT, salt),
                     octets(OSSL_KDF_PARAM_INFO, info), OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode)},
                    len);
        auto prk = hkdf_extract(hash, salt, ikm);
        ASSERT_TRUE(prk);
        auto okm = hkdf_expand(hash, *prk, info, len);
        ASSERT_TRUE(okm);
        EXPECT_EQ(Bytes(okm->view().begin(), okm->view().end()), want) << hash_openssl_name(hash);
    }
}

TEST(Kdf, Tls12PrfMatchesLibcryptoTls1Prf) {
    for (HashAlg hash : {HashAlg::Sha256, HashAlg::Sha384}) {
        Bytes secret = pattern(48, 3), label{'k', 'e', 'y', ' ', 'e', 'x', 'p', 'a', 'n', 's', 'i', 'o', 'n'};
        Bytes seed = pattern(64, 90);
        Bytes full_seed = core::concat({label, seed});
        for (std::size_t len : {1u, 12u, 48u, 104u, 200u}) {
            const Bytes want =
                evp_kdf("TLS1-PRF", hash,
                        {octets(OSSL_KDF_PARAM_SECRET, secret), octets(OSSL_KDF_PARAM_SEED, full_seed)}, len);
            auto got = tls12_prf(hash, secret, "key expansion", seed, len);
            ASSERT_TRUE(got);
            EXPECT_EQ(Bytes(got->view().begin(), got->view().end()), want) << len;
        }
    }
}

TEST(Kdf, PrfPlusIsBoundedBy255Blocks) {
    const Bytes key(20, 1), seed(8, 2);
    EXPECT_TRUE(prf_plus(HashAlg::Sha1, key, seed, 255 * 20));
    auto r = prf_plus(HashAlg::Sha1, key, seed, 255 * 20 + 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Error::InvalidInputLength);
    auto h = hkdf_expand(HashAlg::Sha256, Bytes(32, 1), {}, 255 * 32 + 1);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error(), Error::InvalidInputLength);
}

// RFC 7296 §2.13: prf+ output is a prefix-stable stream; T1 = prf(K, S | 0x01).
TEST(Kdf, PrfPlusFirstBlockAndPrefixStability) {
    const Bytes key(32, 9), seed = pattern(40, 0);
    auto long_out = prf_plus(HashAlg::Sha256, key, seed, 100);
    auto short_out = prf_plus(HashAlg::Sha256, key, seed, 33);
    ASSERT_TRUE(long_out && short_out);
    EXPECT_TRUE(core::equal_public(long_out->view().first(33), short_out->view()));
    const Bytes t1 = hmac(HashAlg::Sha256, key, core::concat({seed, Bytes{1}})).value();
    EXPECT_TRUE(core::equal_public(long_out->view().first(32), t1));
}

TEST(Kdf, Ikev1ExtendKey) {
    const Bytes e = pattern(20, 7);
    auto same = ikev1_extend_key(HashAlg::Sha1, e, 16);  // long enough: leading bytes of SKEYID_e
    ASSERT_TRUE(same);
    EXPECT_TRUE(core::equal_public(same->view(), ByteView(e).first(16)));
    auto ka = ikev1_extend_key(HashAlg::Sha1, e, 45);  // RFC 2409 Appendix B
    ASSERT_TRUE(ka);
    const Bytes k1 = hmac(HashAlg::Sha1, e, Bytes{0}).value();
    const Bytes k2 = hmac(HashAlg::Sha1, e, k1).value();
    const Bytes k3 = hmac(HashAlg::Sha1, e, k2).value();
    const Bytes want = core::concat({k1, k2, ByteView(k3).first(5)});
    EXPECT_TRUE(core::equal_public(ka->view(), want));
}

TEST(Kdf, Ikev1SkeyidVariantsFollowTheirFormulas) {
    const Bytes ni = pattern(16, 1), nr = pattern(16, 100), gxy = pattern(32, 7), ci = pattern(8, 3),
                cr = pattern(8, 4);
    const Bytes ninr = core::concat({ni, nr});
    auto sig = ikev1_skeyid_sig(HashAlg::Sha256, ni, nr, gxy);
    ASSERT_TRUE(sig);
    EXPECT_TRUE(core::equal_public(sig->view(), hmac(HashAlg::Sha256, ninr, gxy).value()));
    auto pke = ikev1_skeyid_pke(HashAlg::Sha256, ni, nr, ci, cr);
    ASSERT_TRUE(pke);
    EXPECT_TRUE(core::equal_public(
        pke->view(),
        hmac(HashAlg::Sha256, digest(HashAlg::Sha256, ninr).value(), core::concat({ci, cr})).value()));
}

TEST(Kdf, Tls13HkdfLabelEncoding) {
    // RFC 8446 §7.1 / RFC 8448 §3: "tls13 key", empty context, length 16.
    auto info = tls13_hkdf_label("key", {}, 16);
    ASSERT_TRUE(info);
    EXPECT_EQ(core::to_hex(*info), "001009746c733133206b657900");
    auto too_long = tls13_hkdf_label(std::string(250, 'x'), {}, 16);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error(), Error::InvalidInputLength);
    auto ctx_long = tls13_hkdf_label("key", Bytes(256), 16);
    ASSERT_FALSE(ctx_long);
    EXPECT_EQ(ctx_long.error(), Error::InvalidInputLength);
}

TEST(Kdf, DeriveSecretIsExpandLabelAtHashLength) {
    const Bytes secret(48, 0x21), th(48, 0x42);
    auto a = tls13_derive_secret(HashAlg::Sha384, secret, "c hs traffic", th);
    auto b = tls13_expand_label(HashAlg::Sha384, secret, "c hs traffic", th, 48);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->size(), 48u);
    EXPECT_TRUE(core::equal_public(a->view(), b->view()));
}

TEST(Kdf, Ikev2ChildKeymatWithoutPfsIsPrfPlusOfNonces) {
    const Bytes skd(32, 5), ni = pattern(32, 0), nr = pattern(32, 64);
    auto a = ikev2_child_keymat(HashAlg::Sha256, skd, {}, ni, nr, 64);
    auto b = prf_plus(HashAlg::Sha256, skd, core::concat({ni, nr}), 64);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(core::equal_public(a->view(), b->view()));
}

}  // namespace
}  // namespace strata::crypto
