#include <set>

#include <gtest/gtest.h>

#include "crypto/algorithm_table.hpp"
#include "crypto/selftest.hpp"

namespace strata::crypto {
namespace {

TEST(SymmetricKats, AllPassAndCoverEveryAlgorithm) {
    const auto results = run_symmetric_kats();
    std::set<std::string> names;
    for (const KatResult& r : results) {
        EXPECT_TRUE(r.ok) << r.name << ": " << r.detail;
        names.insert(r.name);
    }
    // Every encryption algorithm the table offers has its own known-answer test.
    for (const auto& row : encryption_table())
        EXPECT_TRUE(names.count(std::string(row.keyword))) << row.keyword;
    for (const char* want : {"aes128gcm16",
                             "aes128gcm12",
                             "aes128gcm8",
                             "aes256gcm16",
                             "aes256gcm12",
                             "aes256gcm8",
                             "chacha20poly1305",
                             "aes128",
                             "aes192",
                             "aes256",
                             "3des",
                             "null",
                             "hmac-md5",
                             "hmac-md5-96",
                             "hmac-sha1",
                             "hmac-sha1-96",
                             "hmac-sha256",
                             "hmac-sha256-128",
                             "hmac-sha384",
                             "hmac-sha384-192",
                             "hmac-sha512",
                             "hmac-sha512-256",
                             "prfplus",
                             "ikev2-skeyseed",
                             "ikev1-skeyid",
                             "ikev1-skeyid-dae",
                             "ikev1-keyext",
                             "tls12-prf",
                             "hkdf",
                             "tls13-expand-label"}) {
        EXPECT_TRUE(names.count(want)) << "missing KAT " << want;
    }
}

}  // namespace
}  // namespace strata::crypto
