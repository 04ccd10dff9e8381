// Tests of RFC 7427 signature AUTH data: AlgorithmIdentifiers, scheme
// choice, signing and verification over the signed octets of RFC 7296 §2.15.
#include "ike/v2/auth_signature.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "crypto/kdf.hpp"

namespace strata::ike::v2 {
namespace {

using crypto::SignatureAlg;

core::Bytes hex(std::string_view h) { return *core::from_hex(h); }

TEST(IkeV2AuthSignature, AlgorithmIdentifiersAreTheRfcEncodings) {
    // RFC 7427 Appendix A.1.2 (sha256WithRSAEncryption), A.3.1 (ecdsa-with-sha256),
    // RFC 8420 §2 (id-Ed25519).
    EXPECT_EQ(algorithm_identifier(SignatureAlg::RsaPkcs1Sha256), hex("300d06092a864886f70d01010b0500"));
    EXPECT_EQ(algorithm_identifier(SignatureAlg::EcdsaP256Sha256), hex("300a06082a8648ce3d040302"));
    EXPECT_EQ(algorithm_identifier(SignatureAlg::EcdsaP384Sha384), hex("300a06082a8648ce3d040303"));
    EXPECT_EQ(algorithm_identifier(SignatureAlg::Ed25519), hex("300506032b6570"));
    // RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 (RFC 7427 A.4.3's parameters).
    EXPECT_EQ(algorithm_identifier(SignatureAlg::RsaPssSha256),
              hex("304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d"
                  "010108300d06096086480165030402010500a203020120"));
}

TEST(IkeV2AuthSignature, EveryIdentifierParsesBack) {
    for (auto a : {SignatureAlg::RsaPkcs1Sha256, SignatureAlg::RsaPkcs1Sha384, SignatureAlg::RsaPkcs1Sha512,
                   SignatureAlg::RsaPssSha256, SignatureAlg::RsaPssSha384, SignatureAlg::RsaPssSha512,
                   SignatureAlg::EcdsaP256Sha256, SignatureAlg::EcdsaP384Sha384, SignatureAlg::Ed25519}) {
        auto p = parse_algorithm_identifier(algorithm_identifier(a));
        ASSERT_TRUE(p) << signature_name(a);
        EXPECT_EQ(*p, a);
    }
}

TEST(IkeV2AuthSignature, PssWithoutNullHashParametersIsAccepted) {
    // Hash AlgorithmIdentifiers with absent parameters (RFC 4055 §2.1 allows both).
    auto p = parse_algorithm_identifier(
        hex("303d06092a864886f70d01010a3030a00d300b0609608648016503040201a11a301806092a864886f70d010108300b"
            "0609608648016503040201a203020120"));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, SignatureAlg::RsaPssSha256);
}

TEST(IkeV2AuthSignature, UnsupportedAndMalformedIdentifiers) {
    // sha1WithRSAEncryption: not offered.
    auto sha1 = parse_algorithm_identifier(hex("300d06092a864886f70d0101050500"));
    ASSERT_FALSE(sha1);
    EXPECT_EQ(sha1.error(), core::Error::UnsupportedAlgorithm);
    // PSS with a salt shorter than the hash: crypto::verify would not check it.
    auto salt = parse_algorithm_identifier(
        hex("304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d"
            "010108300d06096086480165030402010500a203020114"));
    ASSERT_FALSE(salt);
    EXPECT_EQ(salt.error(), core::Error::UnsupportedAlgorithm);
    // Truncated, indefinite length, trailing bytes.
    EXPECT_FALSE(parse_algorithm_identifier(hex("300d06092a864886f70d01010b05")));
    EXPECT_FALSE(parse_algorithm_identifier(hex("308006082a8648ce3d0403020000")));
    EXPECT_FALSE(parse_algorithm_identifier(hex("300a06082a8648ce3d04030200")));
    EXPECT_FALSE(parse_algorithm_identifier({}));
}

TEST(IkeV2AuthSignature, HashAlgorithmsNotify) {
    EXPECT_EQ(encode_hash_algorithms(), hex("0002000300040005"));
    auto h = parse_hash_algorithms(hex("000100020007"));
    ASSERT_TRUE(h);
    EXPECT_EQ(*h, (std::vector<std::uint16_t>{1, 2, 7}));
    EXPECT_FALSE(parse_hash_algorithms(hex("00")));
    EXPECT_FALSE(parse_hash_algorithms({}));
}

TEST(IkeV2AuthSignature, ChooseSignatureFollowsThePeersHashes) {
    const std::vector<std::uint16_t> all{2, 3, 4, 5};
    EXPECT_EQ(choose_signature(crypto::KeyType::Rsa, all, true), SignatureAlg::RsaPssSha256);
    EXPECT_EQ(choose_signature(crypto::KeyType::Rsa, all, false), SignatureAlg::RsaPkcs1Sha256);
    EXPECT_EQ(choose_signature(crypto::KeyType::Rsa, {4}, true), SignatureAlg::RsaPssSha512);
    EXPECT_EQ(choose_signature(crypto::KeyType::EcP256, all, true), SignatureAlg::EcdsaP256Sha256);
    EXPECT_EQ(choose_signature(crypto::KeyType::EcP384, all, true), SignatureAlg::EcdsaP384Sha384);
    EXPECT_EQ(choose_signature(crypto::KeyType::Ed25519, all, true), SignatureAlg::Ed25519);
    EXPECT_FALSE(choose_signature(crypto::KeyType::Ed25519, {2}, true));
    EXPECT_FALSE(choose_signature(crypto::KeyType::EcP256, {}, true));
}

TEST(IkeV2AuthSignature, SignedOctetsAreMessageNonceAndMacedId) {
    const auto prf = crypto::find_prf("prfsha256");
    ASSERT_NE(prf, nullptr);
    const core::Bytes msg = hex("0102"), nonce = hex("0304"), skp = hex("aabbcc"), id = hex("02000000676f");
    auto o = signed_octets(*prf, msg, nonce, skp, id);
    ASSERT_TRUE(o);
    auto maced = crypto::prf(crypto::HashAlg::Sha256, skp, {id});
    core::Bytes want = hex("01020304");
    want.insert(want.end(), maced->view().begin(), maced->view().end());
    EXPECT_EQ(*o, want);
}

class SignVerify : public ::testing::TestWithParam<SignatureAlg> {};

TEST_P(SignVerify, SignsAndVerifiesAndRefusesTampering) {
    const SignatureAlg alg = GetParam();
    auto key = crypto::PrivateKey::generate(alg, 1024);  // RSA: small keys keep the test quick
    ASSERT_TRUE(key);
    auto pub = key->public_key();
    ASSERT_TRUE(pub);
    const core::Bytes octets = hex("00112233445566778899");
    auto auth = sign_digital_signature(*key, alg, octets);
    ASSERT_TRUE(auth);
    EXPECT_EQ((*auth)[0], algorithm_identifier(alg).size());
    auto ok = verify_digital_signature(*pub, *auth, octets);
    EXPECT_TRUE(ok.ok) << ok.reason;
    EXPECT_EQ(ok.alg, alg);
    core::Bytes other = octets;
    other[0] ^= 1;
    auto bad = verify_digital_signature(*pub, *auth, other);
    EXPECT_FALSE(bad.ok);
    EXPECT_NE(bad.reason.find("does not verify"), std::string::npos) << bad.reason;
    core::Bytes cut(auth->begin(), auth->begin() + 1 + static_cast<std::ptrdiff_t>((*auth)[0]));
    EXPECT_FALSE(verify_digital_signature(*pub, cut, octets).ok);
}

INSTANTIATE_TEST_SUITE_P(Schemes, SignVerify,
                         ::testing::Values(SignatureAlg::RsaPssSha256, SignatureAlg::RsaPkcs1Sha256,
                                           SignatureAlg::EcdsaP256Sha256, SignatureAlg::EcdsaP384Sha384,
                                           SignatureAlg::Ed25519));

TEST(IkeV2AuthSignature, SchemeThatDoesNotFitTheKeyIsRefused) {
    auto ec = crypto::PrivateKey::generate(SignatureAlg::EcdsaP256Sha256);
    auto ed = crypto::PrivateKey::generate(SignatureAlg::Ed25519);
    ASSERT_TRUE(ec && ed);
    auto auth = sign_digital_signature(*ec, SignatureAlg::EcdsaP256Sha256, hex("00"));
    ASSERT_TRUE(auth);
    auto r = verify_digital_signature(*ed->public_key(), *auth, hex("00"));
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("does not fit"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace strata::ike::v2
