// Every case of shared/vectors/tls12_prf.json (RFC 5246 §5 PRF).
#include <gtest/gtest.h>

#include "crypto/kdf.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using test::hex;

HashAlg hash_of(const std::string& s) {
    if (s == "SHA-256") return HashAlg::Sha256;
    if (s == "SHA-384") return HashAlg::Sha384;
    throw std::runtime_error("unknown hash " + s);
}

TEST(Tls12PrfVectors, EveryCase) {
    const auto j = test::load_vectors("tls12_prf.json");
    const auto& cases = j.at("cases");
    ASSERT_GT(cases.size(), 0u);
    std::size_t checked = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.at("name").get<std::string>());
        const std::string label = c.at("label").get<std::string>();
        const Bytes seed = hex(c.at("seed"));
        // The seed order the file documents: client|server for the master
        // secret, server|client for key expansion (RFC 5246 §8.1, §6.3).
        if (label == "master secret") {
            EXPECT_EQ(seed, core::concat({hex(c.at("client_random")), hex(c.at("server_random"))}));
        } else if (label == "key expansion") {
            EXPECT_EQ(seed, core::concat({hex(c.at("server_random")), hex(c.at("client_random"))}));
        }
        const Bytes want = hex(c.at("output"));
        auto got = tls12_prf(hash_of(c.at("hash").get<std::string>()), hex(c.at("secret")), label, seed,
                             want.size());
        ASSERT_TRUE(got);
        EXPECT_EQ(Bytes(got->view().begin(), got->view().end()), want);
        ++checked;
    }
    EXPECT_EQ(checked, cases.size());
}

}  // namespace
}  // namespace strata::crypto
