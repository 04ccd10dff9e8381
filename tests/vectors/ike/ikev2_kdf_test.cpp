// IKEv2 key derivation and SK payload protection through ike/v2's own code:
// the SP 800-135 IKEv2 cases of ike_kdf_sp800_135.json and the RFC 7634
// Appendix B IKEv2 example of esp_packets.json.
#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"
#include "crypto/random.hpp"
#include "ike/v2/keys.hpp"
#include "ike/v2/message.hpp"
#include "vectors/vector_file.hpp"

namespace strata::ike::v2 {
namespace {

using test::hex;

const crypto::PrfInfo* prf_for(const std::string& acvp) {
    if (acvp == "SHA-1") return crypto::find_prf("prfsha1");
    if (acvp == "SHA2-256") return crypto::find_prf("prfsha256");
    if (acvp == "SHA2-384") return crypto::find_prf("prfsha384");
    if (acvp == "SHA2-512") return crypto::find_prf("prfsha512");
    return nullptr;
}

std::uint64_t u64(const core::Bytes& b) {
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    return v;
}

TEST(IkeV2Vectors, Sp800135KeyDerivation) {
    const auto j = test::load_vectors("ike_kdf_sp800_135.json");
    int ran = 0;
    for (const auto& c : j.at("ikev2")) {
        const auto* prf = prf_for(c.at("hash").get<std::string>());
        if (prf == nullptr) continue;  // SHA2-224 has no IKEv2 PRF transform
        SCOPED_TRACE(c.at("name").get<std::string>());
        const auto ni = hex(c.at("ni"));
        const auto nr = hex(c.at("nr"));
        const auto g_ir = hex(c.at("g_ir"));
        const auto dkm = hex(c.at("dkm"));
        const std::size_t hl = dkm.size();
        // The engine's split (SK_d | SK_ai | SK_ar | SK_ei | ...) is checked
        // with AES-GCM-128 (20-byte SK_e, no SK_a) against the DKM prefix.
        NegotiatedIke algs{crypto::find_encryption("aes128gcm16"), nullptr, prf, crypto::find_dh("ecp256")};
        const std::size_t need = ike_keymat_length(algs);
        auto keys = derive_ike_keys(algs, g_ir, ni, nr, u64(hex(c.at("spi_i"))), u64(hex(c.at("spi_r"))));
        ASSERT_TRUE(keys.ok());
        const std::size_t plen = crypto::digest_length(prf->hash);
        // SK_d is the first PRF-length bytes of DKM (§2.14).
        EXPECT_EQ(core::Bytes(keys->sk_d.view().begin(), keys->sk_d.view().end()),
                  core::Bytes(dkm.begin(), dkm.begin() + static_cast<std::ptrdiff_t>(plen)));
        if (need <= hl) {
            const core::Bytes sk_ei(dkm.begin() + static_cast<std::ptrdiff_t>(plen),
                                    dkm.begin() + static_cast<std::ptrdiff_t>(plen + 20));
            EXPECT_EQ(core::Bytes(keys->sk_ei.view().begin(), keys->sk_ei.view().end()), sk_ei);
        }
        // SKEYSEED itself.
        auto seed = crypto::ikev2_skeyseed(prf->hash, ni, nr, g_ir);
        ASSERT_TRUE(seed.ok());
        EXPECT_EQ(core::Bytes(seed->view().begin(), seed->view().end()), hex(c.at("skeyseed")));
        // CHILD SA keys with and without PFS (§2.17): KEYMAT split as the
        // engine splits it, for AES-CBC-128 + HMAC-SHA-256 (2 * (16 + 32) bytes).
        NegotiatedChild child{crypto::find_encryption("aes128"), crypto::find_integrity("sha256"), nullptr,
                              false};
        if (c.contains("dkm_child_sa")) {
            const auto dkm_child = hex(c.at("dkm_child_sa"));
            const auto dkm_child_dh = hex(c.at("dkm_child_sa_dh"));
            ASSERT_GE(dkm_child.size(), 96U);
            auto ck = derive_child_keys(*prf, keys->sk_d, child, {}, ni, nr);
            ASSERT_TRUE(ck.ok());
            EXPECT_EQ(core::Bytes(ck->encr_i.view().begin(), ck->encr_i.view().end()),
                      core::Bytes(dkm_child.begin(), dkm_child.begin() + 16));
            EXPECT_EQ(core::Bytes(ck->integ_r.view().begin(), ck->integ_r.view().end()),
                      core::Bytes(dkm_child.begin() + 64, dkm_child.begin() + 96));
            auto ckdh = derive_child_keys(*prf, keys->sk_d, child, hex(c.at("g_ir_new")), ni, nr);
            ASSERT_TRUE(ckdh.ok());
            EXPECT_EQ(core::Bytes(ckdh->encr_i.view().begin(), ckdh->encr_i.view().end()),
                      core::Bytes(dkm_child_dh.begin(), dkm_child_dh.begin() + 16));
        }
        // IKE SA rekey SKEYSEED (§2.18) through the engine's rekey path: SK_d
        // of the new SA is the first bytes of prf+(SKEYSEED(rekey), ...).
        auto rk = derive_ike_keys(algs, hex(c.at("g_ir_new")), ni, nr, u64(hex(c.at("spi_i"))),
                                  u64(hex(c.at("spi_r"))), keys->sk_d.view());
        ASSERT_TRUE(rk.ok());
        auto seed_rk = crypto::ikev2_skeyseed_rekey(prf->hash, keys->sk_d, hex(c.at("g_ir_new")), ni, nr);
        ASSERT_TRUE(seed_rk.ok());
        EXPECT_EQ(core::Bytes(seed_rk->view().begin(), seed_rk->view().end()), hex(c.at("skeyseed_rekey")));
        ++ran;
    }
    EXPECT_GE(ran, 1);
}

TEST(IkeV2Vectors, Rfc7634AppendixBSkPayload) {
    const auto j = test::load_vectors("esp_packets.json");
    const nlohmann::json* v = nullptr;
    for (const auto& c : j.at("chacha20_poly1305"))
        if (c.at("name").get<std::string>().find("IKEv2") != std::string::npos) v = &c;
    ASSERT_NE(v, nullptr);
    const auto keymat = hex(v->at("keymat"));
    const auto message = hex(v->at("ike_message"));
    // Both directions keyed with the same SK_e so that open() (responder
    // reading initiator traffic) and seal() (initiator) use this key.
    NegotiatedIke algs{crypto::find_encryption("chacha20poly1305"), nullptr, crypto::find_prf("prfsha256"),
                       crypto::find_dh("x25519")};
    ASSERT_NE(algs.encryption, nullptr);
    IkeKeys keys;
    keys.sk_ei = core::SecretBytes(keymat);
    keys.sk_er = core::SecretBytes(keymat);
    auto sk = SkCrypto::create(algs, keys, false);
    ASSERT_TRUE(sk.ok());
    auto parsed = parse_message(message);
    ASSERT_TRUE(parsed.ok());
    ASSERT_TRUE(parsed->sk.has_value());
    EXPECT_EQ(parsed->header.exchange, ExchangeType::Informational);
    EXPECT_EQ(parsed->header.message_id, 9U);
    auto inner = sk->open(message, *parsed->sk);
    ASSERT_TRUE(inner.ok()) << to_string(inner.error());
    ASSERT_EQ(inner->size(), 1U);
    EXPECT_EQ((*inner)[0].type, PayloadType::Notify);
    auto n = parse_notify((*inner)[0].body);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->type, NotifyType::SetWindowSize);
    EXPECT_EQ(n->data, (core::Bytes{0, 0, 0, 10}));
    // Sealing the same payload with the RFC's IV gives the RFC's bytes.
    auto sk2 = SkCrypto::create(algs, keys, true);
    ASSERT_TRUE(sk2.ok());
    crypto::ReplayRandom iv(hex(v->at("iv")));
    auto again = sk2->seal(parsed->header, *inner, iv);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, message);
    // One flipped tag bit: IntegrityFailed.
    auto bad = message;
    bad.back() ^= 1;
    auto pb = parse_message(bad);
    ASSERT_TRUE(pb.ok());
    auto r = sk->open(bad, *pb->sk);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), ParseError::IntegrityFailed);
}

}  // namespace
}  // namespace strata::ike::v2
