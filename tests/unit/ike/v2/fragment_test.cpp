// Tests of IKE fragmentation (RFC 7383): SKF fragments sealed by one side
// open on the other, reassemble in any order, refuse tampering, and keep
// bounded state for hostile input.
#include "ike/v2/fragment.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace strata::ike::v2 {
namespace {

core::ByteView text(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Sides {
    NegotiatedIke algs;
    IkeKeys keys;
    std::optional<SkCrypto> i, r;  // one keyed SK transform set per side serves SK and SKF
};

Sides make_sides(const char* proposal) {
    Sides s;
    auto p = parse_proposals(proposal, ProposalUse::Ike);
    EXPECT_TRUE(p);
    s.algs.encryption = p->front().encryption.front();
    s.algs.prf = p->front().prf.front();
    s.algs.integrity = p->front().integrity.empty() ? nullptr : p->front().integrity.front();
    s.algs.dh = p->front().dh.front();
    const core::Bytes g(32, 0x42), ni(32, 1), nr(32, 2);
    auto k = derive_ike_keys(s.algs, g, ni, nr, 1, 2);
    EXPECT_TRUE(k);
    s.keys = std::move(k).value();
    auto i = SkCrypto::create(s.algs, s.keys, true);
    auto r = SkCrypto::create(s.algs, s.keys, false);
    EXPECT_TRUE(i && r);
    s.i.emplace(std::move(i).value());
    s.r.emplace(std::move(r).value());
    return s;
}

std::vector<RawPayload> big_payloads() {
    std::vector<RawPayload> pl;
    pl.push_back(RawPayload{PayloadType::IDi, false, core::Bytes{2, 0, 0, 0, 'a', 'b'}});
    core::Bytes cert(3000);
    for (std::size_t n = 0; n < cert.size(); ++n) cert[n] = static_cast<std::uint8_t>(n * 7);
    pl.push_back(RawPayload{PayloadType::CERT, false, cert});
    pl.push_back(RawPayload{PayloadType::AUTH, false, core::Bytes(300, 0x55)});
    return pl;
}

Header auth_header() {
    Header h;
    h.spi_i = 1;
    h.spi_r = 2;
    h.exchange = ExchangeType::IkeAuth;
    h.flags = kFlagInitiator;
    h.message_id = 1;
    return h;
}

void expect_same(const std::vector<RawPayload>& a, const std::vector<RawPayload>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t n = 0; n < a.size(); ++n) {
        EXPECT_EQ(a[n].type, b[n].type);
        EXPECT_EQ(a[n].body, b[n].body);
    }
}

class Fragmenting : public ::testing::TestWithParam<const char*> {};

TEST_P(Fragmenting, FragmentsReassembleInAnyOrder) {
    auto s = make_sides(GetParam());
    crypto::SeededRandom rng(text("frag"));
    const auto pl = big_payloads();
    const std::size_t limit = fragment_datagram_limit(0, false, true);  // IPv4, port 4500
    EXPECT_EQ(limit, 576U - 20 - 8 - 4);
    auto frags = fragment_message(*s.i, auth_header(), pl, limit, rng);
    ASSERT_TRUE(frags);
    ASSERT_GE(frags->size(), 6U);
    for (const auto& f : *frags) EXPECT_LE(f.size(), limit);
    std::reverse(frags->begin(), frags->end());
    Reassembly re;
    std::optional<std::vector<RawPayload>> whole;
    for (std::size_t n = 0; n < frags->size(); ++n) {
        auto m = parse_message((*frags)[n]);
        ASSERT_TRUE(m);
        ASSERT_TRUE(is_fragment(*m));
        EXPECT_EQ(m->header.message_id, 1U);
        auto f = open_fragment_payload(*s.r, (*frags)[n], *m);
        ASSERT_TRUE(f) << to_string(f.error());
        auto r = re.add(m->header.message_id, std::move(f).value());
        ASSERT_TRUE(r);
        if (n + 1 < frags->size()) {
            EXPECT_FALSE(r->has_value());
            // A duplicate of a kept fragment changes nothing.
            auto again = open_fragment_payload(*s.r, (*frags)[n], *m);
            ASSERT_TRUE(again);
            auto d = re.add(1, std::move(again).value());
            ASSERT_TRUE(d);
            EXPECT_FALSE(d->has_value());
        } else {
            whole = std::move(r).value();
        }
    }
    ASSERT_TRUE(whole.has_value());
    expect_same(*whole, pl);
    EXPECT_EQ(re.pending(), 0U);
}

INSTANTIATE_TEST_SUITE_P(Transforms, Fragmenting,
                         ::testing::Values("aes128gcm16-prfsha256-x25519", "aes256-sha256-ecp256",
                                           "chacha20poly1305-prfsha256-x25519"));

TEST(IkeV2Fragment, TamperedFragmentFailsItsIcv) {
    auto s = make_sides("aes256-sha256-ecp256");
    crypto::SeededRandom rng(text("frag"));
    auto frags = fragment_message(*s.i, auth_header(), big_payloads(), 1000, rng);
    ASSERT_TRUE(frags);
    core::Bytes bad = (*frags)[1];
    bad[bad.size() / 2] ^= 0x80;
    auto m = parse_message(bad);
    ASSERT_TRUE(m);
    auto f = open_fragment_payload(*s.r, bad, *m);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error(), ParseError::IntegrityFailed);
    // The sender's own direction keys do not open its fragments.
    auto m0 = parse_message((*frags)[0]);
    ASSERT_TRUE(m0);
    auto own = open_fragment_payload(*s.i, (*frags)[0], *m0);
    EXPECT_FALSE(own);
}

TEST(IkeV2Fragment, OneTransformSetSealsAndOpensSkAndSkf) {
    for (const char* proposal : {"aes128gcm16-prfsha256-x25519", "aes256-sha256-ecp256"}) {
        auto s = make_sides(proposal);
        crypto::SeededRandom rng(text("both"));
        const auto pl = big_payloads();
        // SK and SKF messages from the same SkCrypto, interleaved, open on
        // the peer's one SkCrypto.
        auto whole = s.i->seal(auth_header(), pl, rng);
        auto frags = fragment_message(*s.i, auth_header(), pl, 1000, rng);
        auto whole2 = s.i->seal(auth_header(), pl, rng);
        ASSERT_TRUE(whole && frags && whole2);
        EXPECT_NE(*whole, *whole2);  // fresh IVs
        for (const auto* w : {&*whole, &*whole2}) {
            auto m = parse_message(*w);
            ASSERT_TRUE(m && m->sk);
            auto inner = s.r->open(*w, *m->sk);
            ASSERT_TRUE(inner) << proposal;
            expect_same(*inner, pl);
        }
        Reassembly re;
        std::optional<std::vector<RawPayload>> got;
        for (const auto& f : *frags) {
            auto m = parse_message(f);
            ASSERT_TRUE(m);
            auto opened = open_fragment_payload(*s.r, f, *m);
            ASSERT_TRUE(opened) << proposal;
            auto r = re.add(1, std::move(opened).value());
            ASSERT_TRUE(r);
            if (r->has_value()) got = std::move(*r);
        }
        ASSERT_TRUE(got.has_value());
        expect_same(*got, pl);
    }
}

TEST(IkeV2Fragment, SkfHeaderIsAuthenticated) {
    // RFC 7383 §2.5: Fragment Number and Total Fragments are in the AAD (AEAD)
    // or under the ICV (CBC + HMAC): changing them fails the fragment's ICV.
    for (const char* proposal : {"aes128gcm16-prfsha256-x25519", "aes256-sha256-ecp256"}) {
        auto s = make_sides(proposal);
        crypto::SeededRandom rng(text("hdr"));
        auto frags = fragment_message(*s.i, auth_header(), big_payloads(), 1000, rng);
        ASSERT_TRUE(frags && frags->size() >= 3);
        core::Bytes bad = (*frags)[1];
        bad[kHeaderLength + 5] = 3;  // Fragment Number 2 -> 3
        auto m = parse_message(bad);
        ASSERT_TRUE(m);
        auto f = open_fragment_payload(*s.r, bad, *m);
        ASSERT_FALSE(f) << proposal;
        EXPECT_EQ(f.error(), ParseError::IntegrityFailed);
        // A fragment too short for IV and ICV (lengths made consistent so
        // it parses) is refused before any decryption.
        const std::size_t keep = kHeaderLength + 8 + s.r->iv_len();
        core::Bytes cut((*frags)[1].begin(), (*frags)[1].begin() + static_cast<std::ptrdiff_t>(keep));
        ASSERT_LT(keep, 256U);
        cut[24] = cut[25] = cut[26] = 0;  // IKE header Length
        cut[27] = static_cast<std::uint8_t>(keep);
        cut[kHeaderLength + 2] = 0;  // SKF payload length
        cut[kHeaderLength + 3] = static_cast<std::uint8_t>(keep - kHeaderLength);
        auto mc = parse_message(cut);
        ASSERT_TRUE(mc);
        auto short_one = open_fragment_payload(*s.r, cut, *mc);
        ASSERT_FALSE(short_one);
        EXPECT_EQ(short_one.error(), ParseError::InvalidSyntax);
    }
}

TEST(IkeV2Fragment, LargerTotalRestartsSmallerIsDropped) {
    Reassembly re;
    auto frag = [](std::uint16_t n, std::uint16_t t) {
        return Fragment{n, t, n == 1 ? PayloadType::Notify : PayloadType::None, core::Bytes(10, 1)};
    };
    ASSERT_TRUE(re.add(3, frag(1, 2)));
    EXPECT_EQ(re.pending(), 1U);
    auto smaller = re.add(3, frag(1, 1));
    ASSERT_TRUE(smaller);
    EXPECT_FALSE(smaller->has_value());
    EXPECT_EQ(re.pending(), 1U);
    ASSERT_TRUE(re.add(3, frag(2, 3)));  // restart with 3
    EXPECT_EQ(re.pending(), 1U);
    auto stale = re.add(2, frag(1, 3));  // older message ID
    ASSERT_TRUE(stale);
    EXPECT_EQ(re.pending(), 1U);
    EXPECT_FALSE(re.add(3, frag(4, 3)));
    EXPECT_FALSE(re.add(3, frag(0, 3)));
    EXPECT_FALSE(re.add(3, frag(1, static_cast<std::uint16_t>(kMaxFragments + 1))));
}

TEST(IkeV2Fragment, MemoryIsBounded) {
    Reassembly re;
    const std::size_t each = kMaxReassembled / 4 + 1;
    for (std::uint16_t n = 1; n <= 3; ++n)
        ASSERT_TRUE(re.add(9, Fragment{n, 8, PayloadType::None, core::Bytes(each)}));
    auto over = re.add(9, Fragment{4, 8, PayloadType::None, core::Bytes(each)});
    EXPECT_FALSE(over);
    EXPECT_EQ(re.pending(), 0U);
    EXPECT_EQ(re.bytes(), 0U);
}

TEST(IkeV2Fragment, TooSmallALimitIsRefused) {
    auto s = make_sides("aes128gcm16-prfsha256-x25519");
    crypto::SeededRandom rng(text("frag"));
    EXPECT_FALSE(fragment_message(*s.i, auth_header(), big_payloads(), 40, rng));
    EXPECT_FALSE(fragment_message(*s.i, auth_header(), big_payloads(), 80,
                                  rng));  // would need more than kMaxFragments
}

}  // namespace
}  // namespace strata::ike::v2
