// skeyid_test.cpp: ike_kdf_sp800_135.json's IKEv1 pre-shared-key and
// signature cases through ike::v1::derive_phase1_psk / _signature (SKEYID,
// SKEYID_d, SKEYID_a, SKEYID_e).
#include <gtest/gtest.h>

#include <string>

#include "core/hex.hpp"
#include "crypto/mac.hpp"
#include "ike/v1/keys.hpp"
#include "vectors/vector_file.hpp"

namespace strata::ike::v1 {
namespace {

crypto::HashAlg hash_of(const std::string& name) {
    if (name == "SHA-1") return crypto::HashAlg::Sha1;
    if (name == "SHA2-224") return crypto::HashAlg::Sha224;
    if (name == "SHA2-256") return crypto::HashAlg::Sha256;
    if (name == "SHA2-384") return crypto::HashAlg::Sha384;
    if (name == "SHA2-512") return crypto::HashAlg::Sha512;
    throw std::runtime_error("unknown hash " + name);
}

std::string hex(core::ByteView b) { return core::to_hex(b); }

TEST(Ikev1Kdf, PskCasesDeriveEveryKey) {
    const auto doc = test::load_vectors("ike_kdf_sp800_135.json");
    int psk_cases = 0;
    int full_cases = 0;
    for (const auto& c : doc.at("ikev1")) {
        if (c.at("auth_method") != "psk") continue;
        ++psk_cases;
        SCOPED_TRACE(c.at("name").get<std::string>());
        const auto hash = hash_of(c.at("hash"));
        const auto psk = test::hex(c.at("pre_shared_key"));
        const auto ni = test::hex(c.at("ni"));
        const auto nr = test::hex(c.at("nr"));
        // Some NIST samples give SKEYID only (no g^xy, no cookies).
        const bool full = c.contains("skeyid_d");
        const auto gxy = full ? test::hex(c.at("g_xy")) : core::Bytes{};
        const auto cky_i = full ? test::hex(c.at("cky_i")) : core::Bytes(8, 0);
        const auto cky_r = full ? test::hex(c.at("cky_r")) : core::Bytes(8, 0);
        auto keys = derive_phase1_psk(hash, psk, ni, nr, gxy, cky_i, cky_r, 16);
        ASSERT_TRUE(keys.ok());
        EXPECT_EQ(hex(keys->skeyid), c.at("skeyid").get<std::string>());
        if (!full) continue;
        ++full_cases;
        EXPECT_EQ(hex(keys->skeyid_d), c.at("skeyid_d").get<std::string>());
        EXPECT_EQ(hex(keys->skeyid_a), c.at("skeyid_a").get<std::string>());
        EXPECT_EQ(hex(keys->skeyid_e), c.at("skeyid_e").get<std::string>());
        // Appendix B: a 16-byte key is the leading bytes of SKEYID_e (all
        // these hashes are at least 20 bytes long).
        EXPECT_EQ(hex(keys->enc_key), c.at("skeyid_e").get<std::string>().substr(0, 32));
    }
    EXPECT_GE(psk_cases, 5);
    EXPECT_GE(full_cases, 3);
}

// Signature authentication ("dsa" in SP 800-135: any signature method):
// SKEYID = prf(Ni_b | Nr_b, g^xy) through ike::v1::derive_phase1_signature.
TEST(Ikev1Kdf, SignatureCasesDeriveEveryKey) {
    const auto doc = test::load_vectors("ike_kdf_sp800_135.json");
    int cases = 0;
    for (const auto& c : doc.at("ikev1")) {
        if (c.at("auth_method") != "dsa") continue;
        SCOPED_TRACE(c.at("name").get<std::string>());
        const bool full = c.contains("skeyid_d");
        const auto cky_i = full ? test::hex(c.at("cky_i")) : core::Bytes(8, 0);
        const auto cky_r = full ? test::hex(c.at("cky_r")) : core::Bytes(8, 0);
        auto keys = derive_phase1_signature(hash_of(c.at("hash")), test::hex(c.at("ni")),
                                            test::hex(c.at("nr")), test::hex(c.at("g_xy")), cky_i, cky_r, 16);
        ASSERT_TRUE(keys.ok());
        EXPECT_EQ(hex(keys->skeyid), c.at("skeyid").get<std::string>());
        if (!full) continue;
        ++cases;
        EXPECT_EQ(hex(keys->skeyid_d), c.at("skeyid_d").get<std::string>());
        EXPECT_EQ(hex(keys->skeyid_a), c.at("skeyid_a").get<std::string>());
        EXPECT_EQ(hex(keys->skeyid_e), c.at("skeyid_e").get<std::string>());
    }
    EXPECT_GE(cases, 3);
}

// Appendix B extension: a key longer than SKEYID_e is K1 | K2 | ... with
// K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1); checked against the
// vector's SKEYID_e with HMAC computed independently by crypto::hmac.
TEST(Ikev1Kdf, AppendixBExtendsShortSkeyidE) {
    const auto doc = test::load_vectors("ike_kdf_sp800_135.json");
    for (const auto& c : doc.at("ikev1")) {
        if (c.at("auth_method") != "psk" || !c.contains("skeyid_d") || c.at("hash") != "SHA-1") continue;
        const auto e = test::hex(c.at("skeyid_e"));
        auto keys = derive_phase1_psk(crypto::HashAlg::Sha1, test::hex(c.at("pre_shared_key")),
                                      test::hex(c.at("ni")), test::hex(c.at("nr")), test::hex(c.at("g_xy")),
                                      test::hex(c.at("cky_i")), test::hex(c.at("cky_r")), 32);
        ASSERT_TRUE(keys.ok());
        ASSERT_EQ(keys->enc_key.size(), 32u);
        const core::Bytes zero{0};
        auto k1 = crypto::hmac(crypto::HashAlg::Sha1, e, zero);
        ASSERT_TRUE(k1.ok());
        auto k2 = crypto::hmac(crypto::HashAlg::Sha1, e, *k1);
        ASSERT_TRUE(k2.ok());
        core::Bytes want = *k1;
        want.insert(want.end(), k2->begin(), k2->end());
        want.resize(32);
        EXPECT_EQ(hex(keys->enc_key), hex(want));
        return;
    }
    FAIL() << "no full SHA-1 PSK case in the vector file";
}

}  // namespace
}  // namespace strata::ike::v1
