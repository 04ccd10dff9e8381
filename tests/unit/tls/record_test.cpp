#include "tls/record.hpp"

#include <gtest/gtest.h>

#include "crypto/random.hpp"

namespace strata::tls {
namespace {

using core::Bytes;

Bytes filled(std::size_t n, std::uint8_t seed = 1) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
    return b;
}

Record read_one(core::ByteView wire, std::size_t max = kMaxTls12CiphertextLength) {
    RecordReader r(max);
    r.feed(wire);
    auto out = r.next();
    EXPECT_TRUE(out);
    EXPECT_TRUE(out->complete());
    EXPECT_EQ(r.buffered(), 0U);
    return std::move(out->record);
}

// ---- RecordReader ----

TEST(RecordReader, NeedMoreIsAValue) {
    RecordReader r;
    auto a = r.next();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->need_more, 5U);
    r.feed(Bytes{22, 3, 3, 0});
    EXPECT_EQ(r.next()->need_more, 1U);
    r.feed(Bytes{4, 1, 2});
    EXPECT_EQ(r.next()->need_more, 2U);
    r.feed(Bytes{3, 4, 23, 3});  // completes one record and starts another
    auto rec = r.next();
    ASSERT_TRUE(rec);
    const Record& got = rec->record;
    EXPECT_EQ(got.type, ContentType::Handshake);
    EXPECT_EQ(got.version, kTls12);
    EXPECT_EQ(got.fragment, (Bytes{1, 2, 3, 4}));
    EXPECT_EQ(r.buffered(), 2U);
    EXPECT_EQ(r.next()->need_more, 3U);
}

TEST(RecordReader, ByteAtATime) {
    Bytes wire;
    ASSERT_TRUE(write_plaintext_records(ContentType::ApplicationData, kTls12, filled(40000), wire));
    RecordReader r(kMaxPlaintextLength);
    Bytes joined;
    for (std::uint8_t b : wire) {
        r.feed(core::ByteView(&b, 1));
        auto out = r.next();
        ASSERT_TRUE(out);
        if (auto* rec = (out->complete() ? &out->record : nullptr)) {
            EXPECT_LE(rec->fragment.size(), kMaxPlaintextLength);
            joined.insert(joined.end(), rec->fragment.begin(), rec->fragment.end());
        }
    }
    EXPECT_EQ(joined, filled(40000));
}

TEST(RecordReader, HeaderChecks) {
    struct Case {
        Bytes wire;
        Error e;
    };
    const Case cases[] = {
        {{24, 3, 3, 0, 1, 0}, Error::UnknownContentType},  // heartbeat: not ours
        {{0, 3, 3, 0, 1, 0}, Error::UnknownContentType},
        {{22, 2, 0, 0, 1, 0}, Error::BadRecordVersion},   // SSL 2-style
        {{22, 3, 3, 0x40, 0x01}, Error::RecordOverflow},  // 2^14 + 1 before keys
        {{22, 3, 3, 0, 0}, Error::EmptyRecord},
        {{21, 3, 3, 0, 0}, Error::EmptyRecord},
    };
    for (const Case& c : cases) {
        RecordReader r;
        r.feed(c.wire);
        auto out = r.next();
        ASSERT_FALSE(out);
        EXPECT_EQ(out.error(), c.e);
        // Sticky: feeding more does not revive the stream.
        r.feed(Bytes{22, 3, 3, 0, 1, 0});
        EXPECT_EQ(r.next().error(), c.e);
    }
    // Empty application data is allowed; 2^14 exactly is allowed.
    RecordReader ok;
    ok.feed(Bytes{23, 3, 3, 0, 0});
    EXPECT_TRUE(ok.next()->record.fragment.empty());
    RecordReader limit(kMaxTls13CiphertextLength);
    Bytes big = {23, 3, 3, 0x41, 0x00};  // 2^14 + 256
    big.resize(5 + kMaxTls13CiphertextLength);
    limit.feed(big);
    EXPECT_TRUE(limit.next());
    limit.feed(Bytes{23, 3, 3, 0x41, 0x01});
    EXPECT_EQ(limit.next().error(), Error::RecordOverflow);
}

TEST(RecordWriter, Fragments) {
    Bytes out;
    ASSERT_TRUE(
        write_plaintext_records(ContentType::Handshake, kTls10, filled(kMaxPlaintextLength + 1), out));
    ASSERT_EQ(out.size(), 2 * kRecordHeaderLength + kMaxPlaintextLength + 1);
    EXPECT_EQ(out[0], 22);
    EXPECT_EQ(out[1], 3);
    EXPECT_EQ(out[2], 1);
    EXPECT_EQ(out[3], 0x40);
    EXPECT_EQ(out[4], 0x00);
    const std::size_t second = kRecordHeaderLength + kMaxPlaintextLength;
    EXPECT_EQ(out[second + 3], 0);
    EXPECT_EQ(out[second + 4], 1);
    Bytes small;
    ASSERT_TRUE(write_plaintext_records(ContentType::Handshake, kTls12, filled(10), small, 4));
    EXPECT_EQ(small.size(), 3 * kRecordHeaderLength + 10);
    Bytes none;
    ASSERT_TRUE(write_plaintext_records(ContentType::Handshake, kTls12, {}, none));
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(write_plaintext_records(ContentType::Handshake, kTls12, filled(1), none, 0).error(),
              Error::InternalError);
}

// ---- TLS 1.3 ----

RecordProtection p13(crypto::AeadAlg alg = crypto::AeadAlg::Aes128Gcm) {
    auto p = RecordProtection::tls13(alg, filled(crypto::aead_key_length(alg), 9), filled(12, 3));
    EXPECT_TRUE(p);
    return std::move(p).value();
}

TEST(Tls13Protection, RoundTripWithPadding) {
    for (auto alg :
         {crypto::AeadAlg::Aes128Gcm, crypto::AeadAlg::Aes256Gcm, crypto::AeadAlg::ChaCha20Poly1305}) {
        RecordProtection w = p13(alg), r = p13(alg);
        for (std::size_t pad : {0U, 1U, 17U}) {
            const Bytes content = filled(100 + pad);
            Bytes wire;
            ASSERT_TRUE(w.seal(ContentType::Handshake, content, wire, pad));
            EXPECT_EQ(wire.size(), kRecordHeaderLength + content.size() + 1 + pad + kTlsAeadTagLength);
            EXPECT_EQ(wire[0], 23);  // opaque_type
            Record rec = read_one(wire);
            ASSERT_TRUE(r.open(rec));
            EXPECT_EQ(rec.type, ContentType::Handshake);
            EXPECT_EQ(rec.fragment, content);
        }
        EXPECT_EQ(w.sequence(), 3U);
        EXPECT_EQ(r.sequence(), 3U);
    }
}

TEST(Tls13Protection, Limits) {
    RecordProtection w = p13();
    Bytes wire;
    EXPECT_EQ(w.seal(ContentType::ApplicationData, filled(kMaxPlaintextLength + 1), wire).error(),
              Error::RecordOverflow);
    // 2^14 content + 1 type + 240 padding + 16 tag = 2^14 + 257: one too many.
    EXPECT_EQ(w.seal(ContentType::ApplicationData, filled(kMaxPlaintextLength), wire, 240).error(),
              Error::RecordOverflow);
    EXPECT_TRUE(wire.empty());
    EXPECT_EQ(w.sequence(), 0U);
    ASSERT_TRUE(w.seal(ContentType::ApplicationData, filled(kMaxPlaintextLength), wire, 239));
    RecordProtection r = p13();
    Record rec = read_one(wire, kMaxTls13CiphertextLength);
    ASSERT_TRUE(r.open(rec));
    // An over-long ciphertext is record_overflow before any decryption.
    Record big{ContentType::ApplicationData, kTls12, filled(kMaxTls13CiphertextLength + 1)};
    EXPECT_EQ(r.open(big).error(), Error::RecordOverflow);
}

TEST(Tls13Protection, FullFragmentOpens) {
    RecordProtection w = p13(), r = p13();
    Bytes wire;
    ASSERT_TRUE(w.seal(ContentType::ApplicationData, filled(kMaxPlaintextLength), wire));
    Record rec = read_one(wire, kMaxTls13CiphertextLength);
    ASSERT_TRUE(r.open(rec));
    EXPECT_EQ(rec.fragment.size(), kMaxPlaintextLength);
}

TEST(Tls13Protection, TamperIsBadRecordMac) {
    RecordProtection w = p13();
    Bytes wire;
    ASSERT_TRUE(w.seal(ContentType::ApplicationData, filled(50), wire));
    for (std::size_t i = 0; i < wire.size(); ++i) {
        Bytes bad = wire;
        bad[i] ^= 0x01;
        RecordProtection r = p13();
        RecordReader reader(kMaxTls13CiphertextLength);
        reader.feed(bad);
        auto out = reader.next();
        if (!out || !out->complete()) continue;  // a header flip the reader refuses
        Record rec = std::move(out->record);
        auto s = r.open(rec);
        ASSERT_FALSE(s) << i;
        EXPECT_TRUE(s.error() == Error::BadRecordMac || s.error() == Error::NotProtected) << i;
    }
    // The wrong sequence number fails too.
    RecordProtection r = p13();
    Bytes first;
    ASSERT_TRUE(p13().seal(ContentType::ApplicationData, filled(5), first));
    Record skip = read_one(first);
    ASSERT_TRUE(r.open(skip));
    Record again = read_one(first);
    EXPECT_EQ(r.open(again).error(), Error::BadRecordMac);
}

TEST(Tls13Protection, InnerTypeRules) {
    struct Case {
        ContentType t;
        Bytes content;
        std::size_t pad;
        std::optional<Error> e;
    };
    // All-zero inner plaintext cannot be produced by seal (the type byte is
    // non-zero), so it is built by sealing Invalid (0) as the "type".
    const Case cases[] = {
        {ContentType::Invalid, {}, 5, Error::NoContentType},
        {ContentType::ChangeCipherSpec, {1}, 0, Error::UnexpectedMessage},
        {ContentType::Handshake, {}, 3, Error::EmptyRecord},
        {ContentType::ApplicationData, {}, 3, std::nullopt},
        {static_cast<ContentType>(99), {1}, 0, Error::UnknownContentType},
    };
    for (const Case& c : cases) {
        RecordProtection w = p13(), r = p13();
        Bytes wire;
        ASSERT_TRUE(w.seal(c.t, c.content, wire, c.pad));
        Record rec = read_one(wire);
        auto s = r.open(rec);
        if (c.e) {
            ASSERT_FALSE(s);
            EXPECT_EQ(s.error(), *c.e);
        } else {
            EXPECT_TRUE(s);
        }
    }
    // A record whose outer type is not application_data is not protected.
    RecordProtection r = p13();
    Record hs{ContentType::Handshake, kTls12, filled(40)};
    EXPECT_EQ(r.open(hs).error(), Error::NotProtected);
    Record tiny{ContentType::ApplicationData, kTls12, filled(16)};
    EXPECT_EQ(r.open(tiny).error(), Error::BadRecordMac);
}

TEST(Tls13Protection, SealAllFragments) {
    RecordProtection w = p13(), r = p13();
    Bytes wire;
    const Bytes data = filled(2 * kMaxPlaintextLength + 5);
    ASSERT_TRUE(w.seal_all(ContentType::ApplicationData, data, wire));
    EXPECT_EQ(w.sequence(), 3U);
    RecordReader reader(kMaxTls13CiphertextLength);
    reader.feed(wire);
    Bytes joined;
    for (;;) {
        auto out = reader.next();
        ASSERT_TRUE(out);
        auto* rec = (out->complete() ? &out->record : nullptr);
        if (rec == nullptr) break;
        ASSERT_TRUE(r.open(*rec));
        joined.insert(joined.end(), rec->fragment.begin(), rec->fragment.end());
    }
    EXPECT_EQ(joined, data);
}

TEST(Tls13Protection, BadKeys) {
    EXPECT_EQ(RecordProtection::tls13(crypto::AeadAlg::Aes128Gcm, filled(15), filled(12)).error(),
              Error::Crypto);
    EXPECT_EQ(RecordProtection::tls13(crypto::AeadAlg::Aes128Gcm, filled(16), filled(8)).error(),
              Error::Crypto);
}

// ---- TLS 1.2 AEAD ----

TEST(Tls12AeadProtection, GcmExplicitNonceAndRoundTrip) {
    auto w = RecordProtection::tls12_aead(crypto::AeadAlg::Aes128Gcm, filled(16), filled(4));
    auto r = RecordProtection::tls12_aead(crypto::AeadAlg::Aes128Gcm, filled(16), filled(4));
    ASSERT_TRUE(w && r);
    for (std::uint64_t i = 0; i < 3; ++i) {
        Bytes wire;
        const Bytes content = filled(30 + i);
        ASSERT_TRUE(w->seal(ContentType::ApplicationData, content, wire));
        // RFC 5288 §3: explicit nonce (here the sequence number) | ciphertext | tag.
        ASSERT_EQ(wire.size(), kRecordHeaderLength + 8 + content.size() + 16);
        EXPECT_EQ(wire[kRecordHeaderLength + 7], i);
        Record rec = read_one(wire);
        ASSERT_TRUE(r->open(rec));
        EXPECT_EQ(rec.type, ContentType::ApplicationData);
        EXPECT_EQ(rec.fragment, content);
    }
    Bytes wire;
    ASSERT_TRUE(w->seal(ContentType::Handshake, filled(10), wire));
    wire[3 + 5 + 8] ^= 0x80;
    Record rec = read_one(wire);
    EXPECT_EQ(r->open(rec).error(), Error::BadRecordMac);
}

TEST(Tls12AeadProtection, ChaChaImplicitNonce) {
    auto w = RecordProtection::tls12_aead(crypto::AeadAlg::ChaCha20Poly1305, filled(32), filled(12));
    auto r = RecordProtection::tls12_aead(crypto::AeadAlg::ChaCha20Poly1305, filled(32), filled(12));
    ASSERT_TRUE(w && r);
    Bytes wire;
    ASSERT_TRUE(w->seal(ContentType::Alert, Bytes{1, 0}, wire));
    EXPECT_EQ(wire.size(), kRecordHeaderLength + 2 + 16);  // RFC 7905 §2: no explicit nonce
    Record rec = read_one(wire);
    ASSERT_TRUE(r->open(rec));
    EXPECT_EQ(rec.type, ContentType::Alert);
    EXPECT_EQ(rec.fragment, (Bytes{1, 0}));
    // Type and version are authenticated (RFC 5246 §6.2.3.3).
    Bytes wire2;
    ASSERT_TRUE(w->seal(ContentType::Alert, Bytes{1, 0}, wire2));
    wire2[0] = 23;
    Record rec2 = read_one(wire2);
    EXPECT_EQ(r->open(rec2).error(), Error::BadRecordMac);
    EXPECT_FALSE(RecordProtection::tls12_aead(crypto::AeadAlg::ChaCha20Poly1305, filled(32), filled(4)));
    EXPECT_FALSE(RecordProtection::tls12_aead(crypto::AeadAlg::Aes128Gcm, filled(16), filled(12)));
    Bytes out;
    EXPECT_EQ(w->seal(ContentType::Alert, Bytes{1, 0}, out, 1).error(), Error::InternalError);
}

// ---- TLS 1.2 CBC ----

struct CbcPair {
    RecordProtection w, r;
};

CbcPair cbc(bool etm, crypto::CipherAlg c = crypto::CipherAlg::Aes128Cbc,
            crypto::MacAlg m = crypto::MacAlg::HmacSha1) {
    static crypto::SeededRandom rng(Bytes{1, 2, 3});
    const Bytes ek = filled(crypto::cipher_key_length(c), 5);
    const Bytes mk = filled(crypto::mac_output_length(m), 6);
    auto w = RecordProtection::tls12_cbc(c, m, ek, mk, etm, rng);
    auto r = RecordProtection::tls12_cbc(c, m, ek, mk, etm, rng);
    EXPECT_TRUE(w && r);
    return CbcPair{std::move(w).value(), std::move(r).value()};
}

TEST(Tls12CbcProtection, RoundTripEveryPaddingLength) {
    for (bool etm : {false, true}) {
        for (auto [c, m] : {std::pair{crypto::CipherAlg::Aes128Cbc, crypto::MacAlg::HmacSha1},
                            std::pair{crypto::CipherAlg::Aes256Cbc, crypto::MacAlg::HmacSha256},
                            std::pair{crypto::CipherAlg::Aes256Cbc, crypto::MacAlg::HmacSha384}}) {
            CbcPair p = cbc(etm, c, m);
            for (std::size_t n = 0; n < 40; ++n) {
                Bytes wire;
                const Bytes content = filled(n, static_cast<std::uint8_t>(n));
                ASSERT_TRUE(p.w.seal(ContentType::ApplicationData, content, wire));
                const std::size_t frag = wire.size() - kRecordHeaderLength;
                const std::size_t mac = crypto::mac_output_length(m);
                EXPECT_EQ((frag - (etm ? mac : 0)) % 16, 0U);
                Record rec = read_one(wire);
                ASSERT_TRUE(p.r.open(rec)) << etm << " " << n;
                EXPECT_EQ(rec.fragment, content);
            }
        }
    }
}

// Decrypt by hand: IV | CBC(content | MAC | padding) with a valid padding.
TEST(Tls12CbcProtection, MacThenEncryptLayout) {
    CbcPair p = cbc(false);
    Bytes wire;
    const Bytes content = filled(7);
    ASSERT_TRUE(p.w.seal(ContentType::ApplicationData, content, wire));
    auto cipher = crypto::BlockCipher::create(crypto::CipherAlg::Aes128Cbc, filled(16, 5));
    ASSERT_TRUE(cipher);
    const core::ByteView iv = core::ByteView(wire).subspan(5, 16);
    Bytes body(wire.begin() + 21, wire.end());
    ASSERT_TRUE(cipher->decrypt(iv, body));
    ASSERT_EQ(body.size(), 32U);  // 7 + 20 + 5 padding
    EXPECT_EQ(Bytes(body.begin(), body.begin() + 7), content);
    for (std::size_t i = 27; i < 32; ++i) EXPECT_EQ(body[i], 4);
    // The MAC is HMAC(seq | type | version | length | content).
    const Bytes mac_in = {0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, 0, 7, 1, 8, 15, 22, 29, 36, 43};
    auto expect = crypto::hmac(crypto::HashAlg::Sha1, filled(20, 6), mac_in);
    ASSERT_TRUE(expect);
    EXPECT_EQ(Bytes(body.begin() + 7, body.begin() + 27), *expect);
}

// Every single-bit flip of the ciphertext (padding, MAC, content or IV) is
// the same bad_record_mac.
TEST(Tls12CbcProtection, TamperIsAlwaysBadRecordMac) {
    for (bool etm : {false, true}) {
        Bytes wire;
        CbcPair p = cbc(etm);
        ASSERT_TRUE(p.w.seal(ContentType::ApplicationData, filled(33), wire));
        for (std::size_t i = kRecordHeaderLength; i < wire.size(); ++i) {
            CbcPair q = cbc(etm);
            Bytes bad = wire;
            bad[i] ^= 0x10;
            Record rec = read_one(bad);
            // q.r is at sequence 0, as p.r would be.
            auto s = q.r.open(rec);
            ASSERT_FALSE(s) << etm << " " << i;
            EXPECT_EQ(s.error(), Error::BadRecordMac);
        }
    }
}

TEST(Tls12CbcProtection, ShortOrMisalignedIsBadRecordMac) {
    for (bool etm : {false, true}) {
        CbcPair p = cbc(etm);
        for (std::size_t n : {0U, 15U, 16U, 17U, 31U, 33U}) {
            Record rec{ContentType::ApplicationData, kTls12, filled(n)};
            auto s = p.r.open(rec);
            ASSERT_FALSE(s);
            EXPECT_EQ(s.error(), Error::BadRecordMac) << n;
        }
    }
}

}  // namespace
}  // namespace strata::tls

namespace strata::tls {
namespace {

// A peer's TLSInnerPlaintext with 2^14 + 1 content bytes, sealed by hand with
// the RFC 8446 §5.3 nonce (sequence 0: the iv itself).
TEST(Tls13Protection, OverlongInnerPlaintextIsRecordOverflow) {
    const Bytes key = filled(16, 9), iv = filled(12, 3);
    auto aead = crypto::Aead::create(crypto::AeadAlg::Aes128Gcm, key, 16);
    ASSERT_TRUE(aead);
    Bytes inner = filled(kMaxPlaintextLength + 1);
    inner.push_back(23);
    const std::size_t len = inner.size() + 16;
    const Bytes header = {23, 3, 3, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
    Bytes tag(16);
    ASSERT_TRUE(aead->seal(iv, header, inner, tag));
    Record rec{ContentType::ApplicationData, kTls12, inner};
    rec.fragment.insert(rec.fragment.end(), tag.begin(), tag.end());
    auto r = RecordProtection::tls13(crypto::AeadAlg::Aes128Gcm, key, iv);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->open(rec).error(), Error::RecordOverflow);
}

}  // namespace
}  // namespace strata::tls
