#include "crypto/hash.hpp"

#include <string_view>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "core/hex.hpp"

namespace strata::crypto {
namespace {

core::ByteView ascii(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Hash, Lengths) {
    EXPECT_EQ(digest_length(HashAlg::Md5), 16u);
    EXPECT_EQ(digest_length(HashAlg::Sha1), 20u);
    EXPECT_EQ(digest_length(HashAlg::Sha224), 28u);
    EXPECT_EQ(digest_length(HashAlg::Sha256), 32u);
    EXPECT_EQ(digest_length(HashAlg::Sha384), 48u);
    EXPECT_EQ(digest_length(HashAlg::Sha512), 64u);
    EXPECT_EQ(hash_block_length(HashAlg::Sha256), 64u);
    EXPECT_EQ(hash_block_length(HashAlg::Sha512), 128u);
}

TEST(Hash, EveryAlgorithmIsFetchedAndMatchesItsLength) {
    for (HashAlg a :
         {HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha224, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512}) {
        ASSERT_NE(evp_md(a), nullptr) << hash_openssl_name(a);
        EXPECT_EQ(evp_md(a), evp_md(a));  // fetched once
        EXPECT_EQ(static_cast<std::size_t>(EVP_MD_get_size(evp_md(a))), digest_length(a));
    }
}

// FIPS 180-2 Appendix B.1 / RFC 1321 §A.5: digests of "abc".
TEST(Hash, KnownDigestsOfAbc) {
    EXPECT_EQ(core::to_hex(digest(HashAlg::Md5, ascii("abc")).value()), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(core::to_hex(digest(HashAlg::Sha1, ascii("abc")).value()),
              "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(core::to_hex(digest(HashAlg::Sha256, ascii("abc")).value()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, ShortOutputBuffer) {
    core::Bytes out(31);
    auto st = digest_into(HashAlg::Sha256, ascii("abc"), out);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), core::Error::BufferTooSmall);
}

TEST(Hash, IncrementalEqualsOneShotAndPeekDoesNotEnd) {
    auto h = Hasher::create(HashAlg::Sha384);
    ASSERT_TRUE(h);
    ASSERT_TRUE(h->update(ascii("hello ")));
    core::Bytes mid(48), end(48);
    ASSERT_TRUE(h->peek(mid));
    EXPECT_EQ(mid, digest(HashAlg::Sha384, ascii("hello ")).value());
    ASSERT_TRUE(h->update(ascii("world")));
    ASSERT_TRUE(h->finish(end));
    EXPECT_EQ(end, digest(HashAlg::Sha384, ascii("hello world")).value());
    // finish restarts the Hasher empty
    ASSERT_TRUE(h->finish(end));
    EXPECT_EQ(end, digest(HashAlg::Sha384, {}).value());
}

TEST(Hash, HasherMovesOwnership) {
    auto h = Hasher::create(HashAlg::Sha256);
    ASSERT_TRUE(h);
    Hasher a = std::move(h).value();
    Hasher b = std::move(a);
    core::Bytes out(32);
    EXPECT_TRUE(b.finish(out));
    EXPECT_FALSE(a.finish(out));  // NOLINT(bugprone-use-after-move): moved-from fails cleanly
}

}  // namespace
}  // namespace strata::crypto
