#include "crypto/algorithm_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace strata::crypto {
namespace {

TEST(AlgorithmTable, LooksUpByKeywordAndIanaNumber) {
    const auto* gcm = find_encryption("aes128gcm16");
    ASSERT_NE(gcm, nullptr);
    EXPECT_EQ(gcm->ikev2_id, 20);  // ENCR_AES_GCM_16
    EXPECT_EQ(gcm->key_len, 16U);
    EXPECT_EQ(gcm->salt_len, 4U);
    EXPECT_EQ(find_encryption_ikev2(20, 256)->keyword, "aes256gcm16");
    EXPECT_EQ(find_encryption_ikev2(12, 128)->cipher_alg, CipherAlg::Aes128Cbc);
    EXPECT_EQ(find_encryption("aes128gcm128"), gcm);  // alias
    EXPECT_EQ(find_encryption_ikev2(12, 100), nullptr);
    EXPECT_TRUE(find_encryption("3des")->legacy);

    EXPECT_EQ(find_integrity("sha256")->ikev2_id, 12);  // AUTH_HMAC_SHA2_256_128
    EXPECT_EQ(find_integrity("sha256")->icv_len, 16U);
    EXPECT_EQ(find_integrity_ikev2(2)->mac, MacAlg::HmacSha1_96);
    EXPECT_EQ(find_prf("prfsha384")->ikev2_id, 6);
    EXPECT_EQ(find_prf_ikev2(5)->hash, HashAlg::Sha256);
    EXPECT_EQ(find_dh("curve25519")->group, DhGroup::X25519);
    EXPECT_EQ(find_dh(DhGroup::Ecp256)->tls_group, 23);
    EXPECT_EQ(find_dh_tls(0x001d)->keyword, "x25519");
    EXPECT_EQ(find_dh_tls(kNoId), nullptr);
    EXPECT_EQ(find_tls_cipher_suite(0x1301)->name, "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(find_signature_scheme(0x0807)->alg, SignatureAlg::Ed25519);
    EXPECT_EQ(find_signature_scheme(0x0000), nullptr);
}

TEST(AlgorithmTable, KeywordsAndIdsAreUnique) {
    std::set<std::string_view> kws;
    for (const auto& r : encryption_table()) EXPECT_TRUE(kws.insert(r.keyword).second) << r.keyword;
    for (const auto& r : integrity_table()) EXPECT_TRUE(kws.insert(r.keyword).second) << r.keyword;
    for (const auto& r : prf_table()) EXPECT_TRUE(kws.insert(r.keyword).second) << r.keyword;
    for (const auto& r : dh_table()) EXPECT_TRUE(kws.insert(r.keyword).second) << r.keyword;
    std::set<std::pair<int, int>> enc_ids;
    for (const auto& r : encryption_table()) EXPECT_TRUE(enc_ids.insert({r.ikev2_id, r.key_bits}).second);
    std::set<int> suites;
    for (const auto& r : tls_cipher_suite_table()) EXPECT_TRUE(suites.insert(r.id).second);
}

TEST(Proposal, ParsesStrongSwanStrings) {
    auto ike = parse_proposal("aes256gcm16-prfsha384-ecp384");
    ASSERT_TRUE(ike.ok());
    EXPECT_EQ(ike->encryption.at(0)->keyword, "aes256gcm16");
    EXPECT_EQ(ike->prf.at(0)->hash, HashAlg::Sha384);
    EXPECT_EQ(ike->dh.at(0)->group, DhGroup::Ecp384);

    auto cbc = parse_proposal("aes128-sha256-modp2048");
    ASSERT_TRUE(cbc.ok());
    EXPECT_EQ(cbc->integrity.at(0)->mac, MacAlg::HmacSha256_128);
    EXPECT_EQ(cbc->dh.at(0)->group, DhGroup::Modp2048);

    auto esp = parse_proposal("aes128gcm16-x25519-esn");
    ASSERT_TRUE(esp.ok());
    EXPECT_EQ(esp->esn.at(0), true);
}

TEST(Proposal, RefusesBadStrings) {
    std::string bad;
    EXPECT_EQ(parse_proposal("aes128-sha256-modp9999", &bad).error(), ProposalError::UnknownKeyword);
    EXPECT_EQ(bad, "modp9999");
    EXPECT_EQ(parse_proposal("").error(), ProposalError::Empty);
    EXPECT_EQ(parse_proposal("aes128--sha256").error(), ProposalError::Empty);
    EXPECT_EQ(parse_proposal("aes128-").error(), ProposalError::Empty);
    EXPECT_EQ(parse_proposal("sha256-modp2048").error(), ProposalError::MissingEncryption);
    EXPECT_EQ(parse_proposal("aes128gcm16-sha256").error(), ProposalError::AeadWithIntegrity);
}

}  // namespace
}  // namespace strata::crypto
