// Every case of shared/vectors/hmac.json (RFC 2202, RFC 4231, RFC 4868).
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "crypto/mac.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using test::hex;

HashAlg hash_of(const std::string& alg) {
    static const std::map<std::string, HashAlg> kMap{
        {"HMAC-MD5", HashAlg::Md5},
        {"HMAC-SHA-1", HashAlg::Sha1},
        {"HMAC-SHA-224", HashAlg::Sha224},
        {"HMAC-SHA-256", HashAlg::Sha256},
        {"HMAC-SHA-384", HashAlg::Sha384},
        {"HMAC-SHA-512", HashAlg::Sha512},
        {"HMAC-SHA-256-128", HashAlg::Sha256},
    };
    return kMap.at(alg);  // throws (fails the test) on an algorithm we do not know
}

// mac_alg_for returns the IPsec MacAlg with this truncation, if there is one.
bool mac_alg_for(HashAlg h, std::size_t len, MacAlg& out) {
    static const std::map<std::pair<HashAlg, std::size_t>, MacAlg> kMap{
        {{HashAlg::Md5, 12}, MacAlg::HmacMd5_96},        {{HashAlg::Sha1, 12}, MacAlg::HmacSha1_96},
        {{HashAlg::Sha256, 16}, MacAlg::HmacSha256_128}, {{HashAlg::Sha384, 24}, MacAlg::HmacSha384_192},
        {{HashAlg::Sha512, 32}, MacAlg::HmacSha512_256}, {{HashAlg::Md5, 16}, MacAlg::HmacMd5},
        {{HashAlg::Sha1, 20}, MacAlg::HmacSha1},         {{HashAlg::Sha256, 32}, MacAlg::HmacSha256},
        {{HashAlg::Sha384, 48}, MacAlg::HmacSha384},     {{HashAlg::Sha512, 64}, MacAlg::HmacSha512},
    };
    auto it = kMap.find({h, len});
    if (it == kMap.end()) return false;
    out = it->second;
    return true;
}

Bytes prefix(const Bytes& b, std::size_t n) {
    return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(HmacVectors, EveryCase) {
    const auto j = test::load_vectors("hmac.json");
    const auto& cases = j.at("cases");
    ASSERT_GE(cases.size(), 39u);
    std::size_t checked = 0, truncated_checked = 0;
    for (const auto& c : cases) {
        const std::string alg = c.at("alg").get<std::string>();
        SCOPED_TRACE(alg + " case " + c.at("case").dump());
        const HashAlg h = hash_of(alg);
        const Bytes key = hex(c.at("key")), data = hex(c.at("data")), want = hex(c.at("mac"));
        // The full HMAC: compare all of it, or the RFC's truncation of it.
        const Bytes full = hmac(h, key, data).value();
        ASSERT_LE(want.size(), full.size());
        EXPECT_EQ(prefix(full, want.size()), want);
        if (c.contains("prf_hmac_sha_256")) {
            EXPECT_EQ(full, hex(c.at("prf_hmac_sha_256")));
        }
        // The keyed Mac with the matching truncation, compute and verify.
        MacAlg mac_alg{};
        if (mac_alg_for(h, want.size(), mac_alg)) {
            auto m = Mac::create(mac_alg, key);
            ASSERT_TRUE(m);
            Bytes out(m->output_len());
            ASSERT_TRUE(m->compute(data, out));
            EXPECT_EQ(out, want);
            EXPECT_TRUE(m->verify(data, want));
            if (want.size() < full.size()) ++truncated_checked;
        }
        // RFC 2403/2404 -96 truncations.
        if (c.contains("mac_96")) {
            const Bytes want96 = hex(c.at("mac_96"));
            MacAlg a96{};
            ASSERT_TRUE(mac_alg_for(h, 12, a96));
            auto m = Mac::create(a96, key);
            ASSERT_TRUE(m);
            Bytes out(12);
            ASSERT_TRUE(m->compute(data, out));
            EXPECT_EQ(out, want96);
            EXPECT_TRUE(m->verify(data, want96));
            ++truncated_checked;
        }
        ++checked;
    }
    EXPECT_EQ(checked, cases.size());
    EXPECT_GT(truncated_checked, 12u);
}

}  // namespace
}  // namespace strata::crypto
