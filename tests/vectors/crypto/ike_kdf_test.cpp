// Every case of shared/vectors/ike_kdf_sp800_135.json: the IKEv1 (RFC 2409 §5)
// and IKEv2 (RFC 7296 §2.13-2.18) derivations, by the formulas the file states.
#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using test::hex;

HashAlg hash_of(const std::string& s) {
    if (s == "SHA-1") return HashAlg::Sha1;
    if (s == "SHA2-224") return HashAlg::Sha224;
    if (s == "SHA2-256") return HashAlg::Sha256;
    if (s == "SHA2-384") return HashAlg::Sha384;
    if (s == "SHA2-512") return HashAlg::Sha512;
    throw std::runtime_error("unknown hash " + s);
}

Bytes bytes(const core::SecretBytes& s) { return Bytes(s.view().begin(), s.view().end()); }

std::size_t octets(const nlohmann::json& bits) {
    const auto n = bits.get<std::size_t>();
    if (n % 8 != 0) throw std::runtime_error("non-octet length");
    return n / 8;
}

TEST(IkeKdfVectors, EveryIkev1Case) {
    const auto j = test::load_vectors("ike_kdf_sp800_135.json");
    const auto& cases = j.at("ikev1");
    ASSERT_GT(cases.size(), 0u);
    std::size_t checked = 0, derived = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.at("name").get<std::string>());
        const HashAlg h = hash_of(c.at("hash").get<std::string>());
        const std::string method = c.at("auth_method").get<std::string>();
        const Bytes ni = hex(c.at("ni")), nr = hex(c.at("nr"));
        core::Result<core::SecretBytes> skeyid = core::fail(core::Error::UnsupportedAlgorithm);
        if (method == "psk") {
            skeyid = ikev1_skeyid_psk(h, hex(c.at("pre_shared_key")), ni, nr);
        } else if (method == "dsa") {
            skeyid = ikev1_skeyid_sig(h, ni, nr, hex(c.at("g_xy")));
        } else if (method == "pke") {
            skeyid = ikev1_skeyid_pke(h, ni, nr, hex(c.at("cky_i")), hex(c.at("cky_r")));
        } else {
            FAIL() << "unknown auth_method " << method;
        }
        ASSERT_TRUE(skeyid);
        EXPECT_EQ(bytes(*skeyid), hex(c.at("skeyid")));
        if (c.contains("skeyid_d")) {
            auto keys =
                ikev1_derive_keys(h, *skeyid, hex(c.at("g_xy")), hex(c.at("cky_i")), hex(c.at("cky_r")));
            ASSERT_TRUE(keys);
            EXPECT_EQ(bytes(keys->skeyid_d), hex(c.at("skeyid_d")));
            EXPECT_EQ(bytes(keys->skeyid_a), hex(c.at("skeyid_a")));
            EXPECT_EQ(bytes(keys->skeyid_e), hex(c.at("skeyid_e")));
            ++derived;
        }
        ++checked;
    }
    EXPECT_EQ(checked, cases.size());
    EXPECT_GT(derived, 0u);
}

TEST(IkeKdfVectors, EveryIkev2Case) {
    const auto j = test::load_vectors("ike_kdf_sp800_135.json");
    const auto& cases = j.at("ikev2");
    ASSERT_GT(cases.size(), 0u);
    std::size_t checked = 0, child = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.at("name").get<std::string>());
        const HashAlg h = hash_of(c.at("hash").get<std::string>());
        const Bytes ni = hex(c.at("ni")), nr = hex(c.at("nr")), g_new = hex(c.at("g_ir_new"));
        // SKEYSEED = prf(Ni | Nr, g^ir)
        auto skeyseed = ikev2_skeyseed(h, ni, nr, hex(c.at("g_ir")));
        ASSERT_TRUE(skeyseed);
        EXPECT_EQ(bytes(*skeyseed), hex(c.at("skeyseed")));
        // DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        auto dkm = ikev2_ike_keymat(h, *skeyseed, ni, nr, hex(c.at("spi_i")), hex(c.at("spi_r")),
                                    octets(c.at("dkm_length_bits")));
        ASSERT_TRUE(dkm);
        EXPECT_EQ(bytes(*dkm), hex(c.at("dkm")));
        // SK_d = the first HashLen octets of DKM
        const core::ByteView sk_d = dkm->view().first(digest_length(h));
        if (c.contains("dkm_child_sa")) {
            auto k = ikev2_child_keymat(h, sk_d, {}, ni, nr, octets(c.at("dkm_child_length_bits")));
            ASSERT_TRUE(k);
            EXPECT_EQ(bytes(*k), hex(c.at("dkm_child_sa")));
            ++child;
        }
        if (c.contains("dkm_child_sa_dh")) {
            auto k = ikev2_child_keymat(h, sk_d, g_new, ni, nr, octets(c.at("dkm_child_length_bits")));
            ASSERT_TRUE(k);
            EXPECT_EQ(bytes(*k), hex(c.at("dkm_child_sa_dh")));
        }
        auto rekey = ikev2_skeyseed_rekey(h, sk_d, g_new, ni, nr);
        ASSERT_TRUE(rekey);
        EXPECT_EQ(bytes(*rekey), hex(c.at("skeyseed_rekey")));
        ++checked;
    }
    EXPECT_EQ(checked, cases.size());
    EXPECT_GT(child, 0u);
}

}  // namespace
}  // namespace strata::crypto
