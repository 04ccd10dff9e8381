// The raw cipher transforms of shared/vectors/esp_packets.json: AES-CBC
// (RFC 3602 §4), AES-GCM ciphertext||ICV (RFC 4106, draft-mcgrew-gcm-test-01)
// and ChaCha20-Poly1305 (RFC 7634 Appendices A and B).
#include <gtest/gtest.h>

#include "crypto/aead.hpp"
#include "crypto/cipher.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using core::ByteView;
using test::hex;

CipherAlg cbc_for_key(std::size_t key_len) {
    switch (key_len) {
        case 16: return CipherAlg::Aes128Cbc;
        case 24: return CipherAlg::Aes192Cbc;
        case 32: return CipherAlg::Aes256Cbc;
        default: throw std::runtime_error("bad AES key length");
    }
}

// check_cbc encrypts plaintext and decrypts ciphertext, both in place.
void check_cbc(const Bytes& key, const Bytes& iv, const Bytes& pt, const Bytes& ct) {
    auto c = BlockCipher::create(cbc_for_key(key.size()), key);
    ASSERT_TRUE(c);
    Bytes data = pt;
    ASSERT_TRUE(c->encrypt(iv, data));
    EXPECT_EQ(data, ct);
    ASSERT_TRUE(c->decrypt(iv, data));
    EXPECT_EQ(data, pt);
}

TEST(EspCipherVectors, Rfc3602RawAesCbc) {
    const auto j = test::load_vectors("esp_packets.json");
    const auto& cases = j.at("rfc3602_aes_cbc");
    ASSERT_EQ(cases.size(), 4u);
    for (const auto& c : cases) {
        SCOPED_TRACE("case " + c.at("case").dump());
        check_cbc(hex(c.at("key")), hex(c.at("iv")), hex(c.at("plaintext")), hex(c.at("ciphertext")));
    }
}

TEST(EspCipherVectors, Rfc3602EspPacketsCbcTransform) {
    const auto j = test::load_vectors("esp_packets.json");
    const auto& cases = j.at("rfc3602_esp_packets");
    ASSERT_EQ(cases.size(), 4u);
    for (const auto& c : cases) {
        SCOPED_TRACE("case " + c.at("case").dump());
        // The CBC transform of ESP: pre_encryption (payload | padding | pad length | next header).
        check_cbc(hex(c.at("key")), hex(c.at("iv")), hex(c.at("pre_encryption")), hex(c.at("ciphertext")));
    }
}

TEST(EspCipherVectors, AesGcmCiphertextAndIcv) {
    const auto j = test::load_vectors("esp_packets.json");
    const auto& cases = j.at("aes_gcm_esp");
    ASSERT_GT(cases.size(), 0u);
    std::size_t checked = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE("index " + c.at("index").dump());
        const Bytes key = hex(c.at("key")), nonce = hex(c.at("nonce")), aad = hex(c.at("aad"));
        const Bytes pt = hex(c.at("plaintext")), want = hex(c.at("ciphertext_and_icv"));
        const std::size_t icv = c.at("icv_length").get<std::size_t>();
        // RFC 4106 §4: nonce = salt | IV.
        EXPECT_EQ(nonce, core::concat({hex(c.at("salt")), hex(c.at("iv"))}));
        const AeadAlg alg = key.size() == 16   ? AeadAlg::Aes128Gcm
                            : key.size() == 24 ? AeadAlg::Aes192Gcm
                                               : AeadAlg::Aes256Gcm;
        auto aead = Aead::create(alg, key, icv);
        ASSERT_TRUE(aead);
        Bytes data = pt, tag(icv);
        ASSERT_TRUE(aead->seal(nonce, aad, data, tag));
        EXPECT_EQ(core::concat({data, tag}), want);
        ASSERT_TRUE(aead->open(nonce, aad, data, tag));
        EXPECT_EQ(data, pt);
        // and from the published bytes
        Bytes ct(want.begin(), want.end() - static_cast<std::ptrdiff_t>(icv));
        ASSERT_TRUE(aead->open(nonce, aad, ct, ByteView(want).last(icv)));
        EXPECT_EQ(ct, pt);
        ++checked;
    }
    EXPECT_EQ(checked, cases.size());
}

TEST(EspCipherVectors, ChaCha20Poly1305) {
    const auto j = test::load_vectors("esp_packets.json");
    const auto& cases = j.at("chacha20_poly1305");
    ASSERT_EQ(cases.size(), 2u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c.at("name").get<std::string>());
        const Bytes key = hex(c.at("key")), nonce = hex(c.at("nonce")), aad = hex(c.at("aad"));
        const Bytes pt = hex(c.at("plaintext")), ct = hex(c.at("ciphertext")), tag_want = hex(c.at("tag"));
        // RFC 7634 §2: KEYMAT = key | salt; nonce = salt | IV.
        EXPECT_EQ(hex(c.at("keymat")), core::concat({key, hex(c.at("salt"))}));
        EXPECT_EQ(nonce, core::concat({hex(c.at("salt")), hex(c.at("iv"))}));
        auto aead = Aead::create(AeadAlg::ChaCha20Poly1305, key, 16);
        ASSERT_TRUE(aead);
        Bytes data = pt, tag(16);
        ASSERT_TRUE(aead->seal(nonce, aad, data, tag));
        EXPECT_EQ(data, ct);
        EXPECT_EQ(tag, tag_want);
        Bytes back = ct;
        ASSERT_TRUE(aead->open(nonce, aad, back, tag_want));
        EXPECT_EQ(back, pt);
    }
}

}  // namespace
}  // namespace strata::crypto
