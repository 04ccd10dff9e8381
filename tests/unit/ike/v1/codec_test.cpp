// codec_test.cpp: the ISAKMP codec (header, chain, payloads, protection, cookies).
#include <gtest/gtest.h>

#include "crypto/kdf.hpp"
#include "crypto/random.hpp"
#include "ike/v1/cookie.hpp"
#include "ike/v1/keys.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/payload.hpp"
#include "ike/v1/protection.hpp"
#include "ike/v1/transforms.hpp"

namespace strata::ike::v1 {
namespace {

TEST(Ikev1Codec, SaPayloadRoundTripsWithBasicAndVariableAttributes) {
    SaPayload sa;
    Proposal p;
    p.protocol = static_cast<std::uint8_t>(ProtocolId::Esp);
    p.spi = {1, 2, 3, 4};
    Transform t;
    t.id = 12;
    t.attributes.push_back(Attribute::basic_of(4, 1));
    t.attributes.push_back(number_attribute(2, 86400));  // > 16 bits: variable
    p.transforms.push_back(t);
    t.number = 2;
    t.id = 3;
    p.transforms.push_back(t);
    sa.proposals.push_back(p);
    const core::Bytes body = encode_sa(sa);
    auto back = decode_sa(body);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, sa);
    EXPECT_FALSE(back->proposals[0].transforms[0].attributes[1].basic);
    EXPECT_EQ(back->proposals[0].transforms[0].attributes[1].number(), 86400u);
    // Every proposal and transform length counts its generic header.
    EXPECT_EQ(body[8 + 2] * 256 + body[8 + 3], static_cast<int>(body.size() - 8));
}

TEST(Ikev1Codec, SaPayloadErrorsAreTyped) {
    SaPayload sa;
    sa.proposals.push_back(Proposal{1, 1, {}, {Transform{1, 1, {}}}});
    core::Bytes body = encode_sa(sa);
    core::Bytes bad_doi = body;
    bad_doi[3] = 2;
    EXPECT_EQ(decode_sa(bad_doi).error(), Error::DoiNotSupported);
    core::Bytes bad_sit = body;
    bad_sit[7] = 2;
    EXPECT_EQ(decode_sa(bad_sit).error(), Error::SituationNotSupported);
    core::Bytes bad_count = body;
    bad_count[8 + 7] = 2;  // "# of transforms" says 2, one follows
    EXPECT_EQ(decode_sa(bad_count).error(), Error::BadProposalSyntax);
    core::Bytes cut(body.begin(), body.end() - 1);
    EXPECT_FALSE(decode_sa(cut).ok());
    EXPECT_EQ(notify_for(Error::BadProposalSyntax), NotifyType::BadProposalSyntax);
    EXPECT_EQ(notify_for(Error::Truncated), NotifyType::PayloadMalformed);
}

TEST(Ikev1Codec, HeaderChecksVersionFlagsAndLength) {
    Header h;
    h.initiator[0] = 1;
    h.exchange = static_cast<std::uint8_t>(ExchangeType::IdentityProtection);
    core::Bytes msg = build_plain(h, {OutPayload{PayloadType::VendorId, {1, 2, 3}}});
    auto ok = parse_header(msg);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->length, msg.size());
    auto chain = parse_chain(ok->next, core::ByteView(msg).subspan(kHeaderLength), false);
    ASSERT_TRUE(chain.ok());
    ASSERT_EQ(chain->size(), 1u);
    EXPECT_EQ(chain->front().body.size(), 3u);
    core::Bytes v2 = msg;
    v2[17] = 0x20;
    EXPECT_EQ(parse_header(v2).error(), Error::InvalidMajorVersion);
    core::Bytes flags = msg;
    flags[19] = 0x80;
    EXPECT_EQ(parse_header(flags).error(), Error::InvalidFlags);
    core::Bytes longer = msg;
    longer.push_back(0);
    EXPECT_EQ(parse_header(longer).error(), Error::BadLength);
    EXPECT_EQ(parse_header(core::ByteView(msg).first(27)).error(), Error::Truncated);
    // A payload type below 128 that ISAKMP does not define is refused.
    EXPECT_EQ(parse_chain(99, core::ByteView(msg).subspan(kHeaderLength), false).error(),
              Error::InvalidPayloadType);
    // Trailing bytes only in an encrypted body (padding).
    core::Bytes padded(msg.begin() + kHeaderLength, msg.end());
    padded.push_back(0);
    EXPECT_EQ(parse_chain(ok->next, padded, false).error(), Error::BadLength);
    EXPECT_TRUE(parse_chain(ok->next, padded, true).ok());
}

TEST(Ikev1Codec, ProtectionChainsIvsAndPads) {
    auto p = Protection::create(crypto::CipherAlg::Aes128Cbc, core::Bytes(16, 7));
    ASSERT_TRUE(p.ok());
    Header h;
    h.exchange = static_cast<std::uint8_t>(ExchangeType::QuickMode);
    h.next = static_cast<std::uint8_t>(PayloadType::Hash);
    const core::Bytes chain = encode_chain({OutPayload{PayloadType::Hash, core::Bytes(20, 9)}});
    const core::Bytes iv(16, 1);
    core::Bytes next_tx;
    auto msg = p->seal(h, chain, iv, next_tx);
    ASSERT_TRUE(msg.ok());
    EXPECT_EQ((msg->size() - kHeaderLength) % 16, 0u);
    EXPECT_TRUE(parse_header(*msg)->encrypted());
    EXPECT_TRUE(core::equal_public(next_tx, core::ByteView(*msg).last(16)));
    core::Bytes next_rx;
    auto plain = p->open(*msg, iv, next_rx);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(next_rx, next_tx);
    EXPECT_TRUE(core::equal_public(core::ByteView(*plain).first(chain.size()), chain));
    core::Bytes odd = *msg;
    odd.pop_back();
    EXPECT_EQ(p->open(odd, iv, next_rx).error(), Error::DecryptionFailed);
}

TEST(Ikev1Codec, QuickModeKeymatExpandsAsSection55Says) {
    const core::Bytes d(20, 3), ni(16, 4), nr(16, 5), spi{0, 0, 1, 0};
    auto k = quick_keymat(crypto::HashAlg::Sha1, d, {}, 3, spi, ni, nr, 56);
    ASSERT_TRUE(k.ok());
    auto k1 = crypto::prf(crypto::HashAlg::Sha1, d, {core::Bytes{3}, spi, ni, nr});
    auto k2 = crypto::prf(crypto::HashAlg::Sha1, d, {k1->view(), core::Bytes{3}, spi, ni, nr});
    ASSERT_TRUE(k1.ok() && k2.ok());
    EXPECT_TRUE(core::equal_public(k->view().first(20), k1->view()));
    EXPECT_TRUE(core::equal_public(k->view().subspan(20, 20), k2->view()));
    // With PFS g(qm)^xy goes in front of the protocol.
    const core::Bytes g(32, 6);
    auto kp = quick_keymat(crypto::HashAlg::Sha1, d, g, 3, spi, ni, nr, 20);
    auto kp1 = crypto::prf(crypto::HashAlg::Sha1, d, {g, core::Bytes{3}, spi, ni, nr});
    EXPECT_TRUE(core::equal_public(kp->view(), kp1->view()));
}

TEST(Ikev1Cookies, ResponderCookieVerifiesForTwoWindowsOnlyForThatPeer) {
    crypto::SeededRandom rng(core::Bytes{1});
    CookieJar jar(rng, std::chrono::seconds(60));
    const Endpoint peer{*packet::IpAddress::parse("192.0.2.1"), 500};
    const Endpoint other{*packet::IpAddress::parse("192.0.2.2"), 500};
    const Cookie ci{1, 2, 3, 4, 5, 6, 7, 8};
    core::Instant t{};
    t += std::chrono::seconds(1000);
    const Cookie cr = jar.responder_cookie(peer, ci, t);
    EXPECT_EQ(cr, jar.responder_cookie(peer, ci, t));  // retransmitted MM1, same answer
    EXPECT_TRUE(jar.verify_responder(peer, ci, cr, t));
    EXPECT_FALSE(jar.verify_responder(other, ci, cr, t));
    EXPECT_FALSE(jar.verify_responder(Endpoint{peer.address, 4500}, ci, cr, t));
    EXPECT_TRUE(jar.verify_responder(peer, ci, cr, t + std::chrono::seconds(60)));
    EXPECT_FALSE(jar.verify_responder(peer, ci, cr, t + std::chrono::seconds(200)));
    EXPECT_NE(jar.initiator_cookie(peer, t), jar.initiator_cookie(peer, t));
}

TEST(Ikev1Transforms, Phase1OfferAndSelection) {
    auto props = crypto::parse_proposal("aes256-prfsha256-modp2048");
    ASSERT_TRUE(props.ok());
    const SaPayload offer = phase1_offer({*props}, 28800);
    ASSERT_EQ(offer.proposals.size(), 1u);
    ASSERT_EQ(offer.proposals[0].transforms.size(), 1u);
    auto sel = select_phase1(offer, {*props});
    ASSERT_TRUE(sel.ok());
    EXPECT_EQ(sel->choice.encryption->keyword, "aes256");
    EXPECT_EQ(sel->choice.hash->keyword, "prfsha256");
    EXPECT_EQ(sel->choice.group->group, crypto::DhGroup::Modp2048);
    EXPECT_EQ(sel->choice.life_seconds, 28800u);
    auto other = crypto::parse_proposal("3des-prfsha1-modp1024");
    EXPECT_EQ(select_phase1(offer, {*other}).error(), Error::NoProposalChosen);
}

}  // namespace
}  // namespace strata::ike::v1
