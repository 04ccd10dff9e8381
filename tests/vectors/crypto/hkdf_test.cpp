// Every case of shared/vectors/hkdf_rfc5869.json (RFC 5869 Appendix A).
#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using test::hex;

HashAlg hash_of(const std::string& s) {
    if (s == "SHA-256") return HashAlg::Sha256;
    if (s == "SHA-1") return HashAlg::Sha1;
    throw std::runtime_error("unknown hash " + s);
}

Bytes bytes(const core::SecretBytes& s) { return Bytes(s.view().begin(), s.view().end()); }

TEST(HkdfVectors, EveryCase) {
    const auto j = test::load_vectors("hkdf_rfc5869.json");
    const auto& cases = j.at("cases");
    ASSERT_GT(cases.size(), 0u);
    std::size_t checked = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.at("rfc").get<std::string>());
        const HashAlg h = hash_of(c.at("hash").get<std::string>());
        // salt null = not provided = HashLen zero octets (RFC 5869 §2.2).
        const Bytes salt = c.at("salt").is_null() ? Bytes(digest_length(h), 0) : hex(c.at("salt"));
        auto prk = hkdf_extract(h, salt, hex(c.at("ikm")));
        ASSERT_TRUE(prk);
        EXPECT_EQ(bytes(*prk), hex(c.at("prk")));
        auto okm = hkdf_expand(h, *prk, hex(c.at("info")), c.at("L").get<std::size_t>());
        ASSERT_TRUE(okm);
        EXPECT_EQ(bytes(*okm), hex(c.at("okm")));
        if (c.at("salt").is_null()) {  // and "not provided" as an empty salt gives the same PRK
            auto prk_empty = hkdf_extract(h, {}, hex(c.at("ikm")));
            ASSERT_TRUE(prk_empty);
            EXPECT_EQ(bytes(*prk_empty), hex(c.at("prk")));
        }
        ++checked;
    }
    EXPECT_EQ(checked, cases.size());
    EXPECT_GE(checked, 6u);
}

}  // namespace
}  // namespace strata::crypto
