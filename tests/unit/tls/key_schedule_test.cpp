#include "tls/key_schedule.hpp"

#include <gtest/gtest.h>

#include "crypto/kdf.hpp"

namespace strata::tls {
namespace {

using core::Bytes;
constexpr crypto::HashAlg kHash = crypto::HashAlg::Sha256;

Bytes b(core::ByteView v) { return Bytes(v.begin(), v.end()); }

TEST(KeySchedule, StagesInOrderOnly) {
    auto ks = KeySchedule::create(kHash);
    ASSERT_TRUE(ks);
    EXPECT_EQ(ks->stage(), KeyStage::Early);
    EXPECT_EQ(to_string(ks->stage()), "early");
    const Bytes th(32, 1);
    EXPECT_EQ(ks->client_handshake_traffic_secret(th).error(), Error::InternalError);
    EXPECT_EQ(ks->enter_master().error(), Error::InternalError);
    ASSERT_TRUE(ks->enter_handshake(Bytes(32, 7)));
    EXPECT_EQ(ks->stage(), KeyStage::Handshake);
    EXPECT_EQ(ks->enter_handshake(Bytes(32, 7)).error(), Error::InternalError);
    EXPECT_EQ(ks->binder_key(true).error(), Error::InternalError);
    // A transcript hash of the wrong length is a misuse.
    EXPECT_EQ(ks->client_handshake_traffic_secret(Bytes(31, 1)).error(), Error::InternalError);
    ASSERT_TRUE(ks->client_handshake_traffic_secret(th));
    ASSERT_TRUE(ks->enter_master());
    EXPECT_EQ(ks->stage(), KeyStage::Master);
    ASSERT_TRUE(ks->resumption_master_secret(th));
}

TEST(KeySchedule, PskAndBinderKeysDiffer) {
    auto plain = KeySchedule::create(kHash);
    auto zero_psk = KeySchedule::create(kHash, Bytes(32, 0));
    auto psk = KeySchedule::create(kHash, Bytes(32, 9));
    ASSERT_TRUE(plain && zero_psk && psk);
    // RFC 8446 §7.1: no PSK means HashLen zeros.
    EXPECT_EQ(b(plain->secret()), b(zero_psk->secret()));
    EXPECT_NE(b(plain->secret()), b(psk->secret()));
    auto ext = psk->binder_key(false);
    auto res = psk->binder_key(true);
    ASSERT_TRUE(ext && res);
    EXPECT_NE(b(*ext), b(*res));
}

TEST(KeySchedule, Sha384Lengths) {
    auto ks = KeySchedule::create(crypto::HashAlg::Sha384);
    ASSERT_TRUE(ks);
    EXPECT_EQ(ks->secret().size(), 48U);
    auto keys = traffic_keys(crypto::HashAlg::Sha384, crypto::AeadAlg::Aes256Gcm, ks->secret());
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->key.size(), 32U);
    EXPECT_EQ(keys->iv.size(), 12U);
}

TEST(KeySchedule, KeyUpdateAndFinished) {
    const Bytes secret(32, 4);
    auto next = next_traffic_secret(kHash, secret);
    auto manual = crypto::tls13_expand_label(kHash, secret, "traffic upd", {}, 32);
    ASSERT_TRUE(next && manual);
    EXPECT_EQ(b(*next), b(*manual));
    const Bytes th(32, 2);
    auto vd = finished_verify_data(kHash, secret, th);
    ASSERT_TRUE(vd);
    EXPECT_TRUE(check_finished(kHash, secret, th, *vd));
    Bytes bad = *vd;
    bad[5] ^= 1;
    EXPECT_EQ(check_finished(kHash, secret, th, bad).error(), Error::DecryptError);
    EXPECT_EQ(check_finished(kHash, secret, th, core::ByteView(*vd).first(31)).error(), Error::DecryptError);
}

// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
// message_hash | 00 00 | HashLen | Hash(ClientHello1).
TEST(Transcript, HelloRetryRestart) {
    const Bytes ch1 = {1, 0, 0, 3, 0xaa, 0xbb, 0xcc};
    const Bytes hrr = {2, 0, 0, 1, 0x55};
    auto t = Transcript::create(kHash);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->add(ch1));
    ASSERT_TRUE(t->restart_after_hello_retry());
    ASSERT_TRUE(t->add(hrr));
    auto got = t->hash();
    ASSERT_TRUE(got);

    auto h1 = crypto::digest(kHash, ch1);
    ASSERT_TRUE(h1);
    Bytes manual = {254, 0, 0, 32};
    manual.insert(manual.end(), h1->begin(), h1->end());
    manual.insert(manual.end(), hrr.begin(), hrr.end());
    auto want = crypto::digest(kHash, manual);
    ASSERT_TRUE(want);
    EXPECT_EQ(*got, *want);
    EXPECT_EQ(t->alg(), kHash);
}

TEST(Transcript, HashIsRunning) {
    auto t = Transcript::create(kHash);
    ASSERT_TRUE(t);
    auto empty = t->hash();
    auto want_empty = crypto::digest(kHash, {});
    ASSERT_TRUE(empty && want_empty);
    EXPECT_EQ(*empty, *want_empty);
    ASSERT_TRUE(t->add(Bytes{1, 2}));
    ASSERT_TRUE(t->add(Bytes{3}));
    auto h = t->hash();
    auto want = crypto::digest(kHash, Bytes{1, 2, 3});
    ASSERT_TRUE(h && want);
    EXPECT_EQ(*h, *want);
}

}  // namespace
}  // namespace strata::tls
