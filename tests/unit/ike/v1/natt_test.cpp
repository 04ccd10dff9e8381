// natt_test.cpp: NAT traversal for IKEv1 (RFC 3947, RFC 3948): NAT-D hashes,
// the UDP-encapsulated modes, and two engines with a NAT between them.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/hex.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/natt.hpp"
#include "ike/v1/transforms.hpp"
#include "unit/ike/v1/harness.hpp"

namespace strata::ike::v1 {
namespace {

using test::ip;
using test::kA;
using test::kB;
using test::make_connection;
using test::Pair;

constexpr const char* kNetA = "203.0.113.0/25";
constexpr const char* kNetB = "203.0.113.128/25";
// The NAT in front of A: its public address and the ports it maps 500/4500 to.
constexpr const char* kNatPublic = "203.0.113.200";
constexpr std::uint16_t kNat500 = 31000;
constexpr std::uint16_t kNat4500 = 31001;

const Cookie kCkyI{1, 2, 3, 4, 5, 6, 7, 8};
const Cookie kCkyR{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};

TEST(Ikev1Natt, NatDHashIsTheNegotiatedHashOverCookiesAddressAndPort) {
    // Reference values: hashlib over CKY-I | CKY-R | 198.51.100.2 | port.
    auto h = natd_hash(crypto::HashAlg::Sha1, kCkyI, kCkyR, Endpoint{ip("198.51.100.2"), 4500});
    ASSERT_TRUE(h);
    EXPECT_EQ(core::to_hex(*h), "f574d2c866f7fa5e231217325d5dcde42e7be277");
    auto h2 = natd_hash(crypto::HashAlg::Sha256, kCkyI, kCkyR, Endpoint{ip("198.51.100.2"), 500});
    ASSERT_TRUE(h2);
    EXPECT_EQ(core::to_hex(*h2), "76bba38322f06c32ea483c8f968582812134f72fdb6ecd97f8201b6567c1ee6b");
    // The vendor ID is MD5("RFC 3947").
    EXPECT_EQ(core::to_hex(core::ByteView(kNattVendorId, 16)), "4a131c81070358455c5728f20e95452f");
}

TEST(Ikev1Natt, CheckNatDTellsWhichSideWasRewritten) {
    const Endpoint me{ip(kB), 500};
    const Endpoint peer{ip(kA), 500};
    const auto hm = *natd_hash(crypto::HashAlg::Sha1, kCkyI, kCkyR, me);
    const auto hp = *natd_hash(crypto::HashAlg::Sha1, kCkyI, kCkyR, peer);
    const auto other = *natd_hash(crypto::HashAlg::Sha1, kCkyI, kCkyR, Endpoint{ip(kA), 1234});
    auto none = check_natd(crypto::HashAlg::Sha1, kCkyI, kCkyR, {hm, hp}, me, peer);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->local);
    EXPECT_FALSE(none->remote);
    auto peer_nat = check_natd(crypto::HashAlg::Sha1, kCkyI, kCkyR, {hm, other}, me, peer);
    ASSERT_TRUE(peer_nat);
    EXPECT_FALSE(peer_nat->local);
    EXPECT_TRUE(peer_nat->remote);
    // Several source hashes (a multi-homed sender): one match is enough.
    auto multi = check_natd(crypto::HashAlg::Sha1, kCkyI, kCkyR, {other, other, hp}, me, peer);
    ASSERT_TRUE(multi);
    EXPECT_TRUE(multi->local);
    EXPECT_FALSE(multi->remote);
    auto short_list = check_natd(crypto::HashAlg::Sha1, kCkyI, kCkyR, {hm}, me, peer);
    ASSERT_FALSE(short_list);
    EXPECT_EQ(short_list.error(), Error::PayloadMalformed);
}

TEST(Ikev1Natt, UdpEncapsulatedModesRoundTrip) {
    Phase2Offer offer;
    offer.proposals = *parse_proposals("aes128-sha256", ProposalUse::Esp);
    offer.udp_encap = true;
    const SaPayload sa = phase2_sa(offer, 0x01020304);
    ASSERT_EQ(sa.proposals.size(), 1u);
    const Transform& t = sa.proposals[0].transforms.at(0);
    const Attribute* mode = t.find(static_cast<std::uint16_t>(Phase2Attr::EncapsulationMode));
    ASSERT_NE(mode, nullptr);
    EXPECT_EQ(mode->value, kEncapUdpTunnel);  // RFC 3947 §5.1
    auto c = read_phase2_transform(sa.proposals[0].protocol, t);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->udp_encap);
    EXPECT_EQ(c->mode, ipsec::Mode::Tunnel);
    // The draft value older peers send is read the same way.
    Transform draft = t;
    for (auto& a : draft.attributes)
        if (a.type == static_cast<std::uint16_t>(Phase2Attr::EncapsulationMode))
            a.value = kEncapUdpTransportDraft;
    auto d = read_phase2_transform(sa.proposals[0].protocol, draft);
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->udp_encap);
    EXPECT_EQ(d->mode, ipsec::Mode::Transport);
    // A responder without a NAT does not accept an encapsulated offer, and back.
    Phase2Offer plain = offer;
    plain.udp_encap = false;
    auto refused = select_phase2(sa, plain, 0x0a0b0c0d);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), Error::NoProposalChosen);
    auto chosen = select_phase2(sa, offer, 0x0a0b0c0d);
    ASSERT_TRUE(chosen);
    EXPECT_TRUE(chosen->choice.udp_encap);
}

// payload_types lists the payload types of a plain (unencrypted) message.
std::vector<PayloadType> payload_types(const core::Bytes& msg) {
    std::vector<PayloadType> v;
    auto h = parse_header(msg);
    if (!h || h->encrypted()) return v;
    auto chain = parse_chain(h->next, core::ByteView(msg).subspan(kHeaderLength), false);
    if (!chain) return v;
    for (const auto& p : *chain) v.push_back(p.type);
    return v;
}

std::size_t count_of(const std::vector<PayloadType>& v, PayloadType t) {
    return static_cast<std::size_t>(std::count(v.begin(), v.end(), t));
}

TEST(Ikev1Natt, InitiatorBehindANatMovesTo4500AndEncapsulatesEsp) {
    // B knows A by the NAT's public address (and its identity); A knows B directly.
    auto cb =
        make_connection(kB, kNatPublic, "aes128-sha256-modp2048", "aes128-sha256-modp2048", kNetB, kNetA);
    cb.base.remote_id = *parse_identity(kA);
    Pair p(make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256-modp2048", kNetA, kNetB),
           std::move(cb));
    p.rewrite = [](Datagram& d, bool to_b) {
        if (to_b) {  // outbound through the NAT: the source changes
            d.local = Endpoint{ip(kNatPublic), d.local.port == 4500 ? kNat4500 : kNat500};
        } else {  // inbound: the NAT maps the public port back
            d.remote = Endpoint{ip(kA), d.remote.port == kNat4500 ? std::uint16_t{4500} : std::uint16_t{500}};
        }
    };
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.b.count<IkeSaUp>(), 1u);
    const IkeSaUp& ua = *p.a.last<IkeSaUp>();
    const IkeSaUp& ub = *p.b.last<IkeSaUp>();
    EXPECT_TRUE(ua.nat_local);
    EXPECT_FALSE(ua.nat_remote);
    EXPECT_FALSE(ub.nat_local);
    EXPECT_TRUE(ub.nat_remote);
    EXPECT_EQ(ua.local.port, 4500);
    EXPECT_EQ(ua.remote.port, 4500);
    EXPECT_EQ(ub.local.port, 4500);
    EXPECT_EQ(ub.remote, (Endpoint{ip(kNatPublic), kNat4500}));
    // MM1/MM2 announce RFC 3947, MM3/MM4 carry two NAT-D each, all on 500;
    // MM5 onwards on 4500.
    ASSERT_GE(p.sent.size(), 9u);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_TRUE(p.sent[i].local.port == 500 || p.sent[i].remote.port == 500) << i;
        const auto types = payload_types(p.sent[i].data);
        if (i < 2) {
            EXPECT_EQ(count_of(types, PayloadType::VendorId), 2u) << i;
        } else {
            EXPECT_EQ(count_of(types, PayloadType::NatD), 2u) << i;
        }
    }
    for (std::size_t i = 4; i < p.sent.size(); ++i)
        EXPECT_TRUE(p.sent[i].local.port == 4500 || p.sent[i].local.port == kNat4500) << i;
    // Quick mode chose UDP-encapsulated tunnel mode; both SAs say so.
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    const auto& ka = p.a.last<ChildSaUp>()->child;
    const auto& kb = p.b.last<ChildSaUp>()->child;
    ASSERT_TRUE(ka.udp_encap);
    ASSERT_TRUE(kb.udp_encap);
    EXPECT_EQ(*ka.udp_encap, (ipsec::UdpEncapsulation{4500, 4500}));
    EXPECT_EQ(*kb.udp_encap, (ipsec::UdpEncapsulation{4500, kNat4500}));
    EXPECT_EQ(ka.spi_in, kb.spi_out);
    EXPECT_EQ(ka.encryption_key_in.view().size(), 16u);
    EXPECT_TRUE(core::equal_public(ka.encryption_key_in.view(), kb.encryption_key_out.view()));
    // DELETE still reaches the peer over 4500 through the NAT.
    p.take(p.a.engine->delete_ike("lan", p.now), true);
    p.pump();
    EXPECT_EQ(p.b.count<IkeSaDown>(), 1u);
    EXPECT_EQ(p.b.count<ChildSaDown>(), 1u);
    EXPECT_TRUE(p.b.engine->ike_sas().empty());
}

TEST(Ikev1Natt, ResponderBehindANatIsFollowedTo4500) {
    // B behind a NAT; A talks to B's public address.
    auto ca = make_connection(kA, kNatPublic, "3des-sha1-modp1024", "3des-sha1-modp1024", kNetA, kNetB);
    ca.base.remote_id = *parse_identity(kB);
    Pair p(std::move(ca), make_connection(kB, kA, "3des-sha1-modp1024", "3des-sha1-modp1024", kNetB, kNetA));
    p.rewrite = [](Datagram& d, bool to_b) {
        if (to_b) {  // inbound to B: the destination is mapped to B's real address
            d.remote = Endpoint{ip(kB), d.remote.port};
        } else {  // outbound from B: its source becomes the public address
            d.local = Endpoint{ip(kNatPublic), d.local.port};
        }
    };
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<IkeSaUp>(), 1u);
    ASSERT_EQ(p.b.count<IkeSaUp>(), 1u);
    EXPECT_TRUE(p.a.last<IkeSaUp>()->nat_remote);
    EXPECT_TRUE(p.b.last<IkeSaUp>()->nat_local);
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    EXPECT_TRUE(p.a.last<ChildSaUp>()->child.udp_encap.has_value());
    EXPECT_TRUE(p.b.last<ChildSaUp>()->child.udp_encap.has_value());
    EXPECT_NE(p.a.last<ChildSaUp>()->child.algorithms.dh, nullptr);  // PFS in quick mode
}

TEST(Ikev1Natt, ForcedEncapsulationClaimsANatWithoutOne) {
    auto ca = make_connection(kA, kB, "aes256-sha256-modp2048", "aes128-sha256", kNetA, kNetB);
    ca.base.force_encap = true;  // strongSwan's encap = yes
    Pair p(std::move(ca), make_connection(kB, kA, "aes256-sha256-modp2048", "aes128-sha256", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.b.count<IkeSaUp>(), 1u);
    EXPECT_TRUE(p.a.last<IkeSaUp>()->nat_local);
    EXPECT_TRUE(p.b.last<IkeSaUp>()->nat_remote);
    EXPECT_EQ(p.b.last<IkeSaUp>()->remote, (Endpoint{ip(kA), 4500}));
    ASSERT_EQ(p.b.count<ChildSaUp>(), 1u);
    EXPECT_EQ(*p.b.last<ChildSaUp>()->child.udp_encap, (ipsec::UdpEncapsulation{4500, 4500}));
    // A rekey of the IPsec SA keeps the encapsulation.
    const std::uint32_t spi = p.a.last<ChildSaUp>()->child.spi_in;
    p.take(p.a.engine->rekey_child(spi, p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaRekeyed>(), 1u);
    EXPECT_TRUE(p.a.last<ChildSaRekeyed>()->child.udp_encap.has_value());
}

TEST(Ikev1Natt, NoNatMeansNoEncapsulationAndPort500) {
    Pair p(make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB),
           make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    EXPECT_FALSE(p.a.last<IkeSaUp>()->nat_local);
    EXPECT_FALSE(p.a.last<IkeSaUp>()->nat_remote);
    EXPECT_EQ(p.a.last<IkeSaUp>()->local.port, 500);
    EXPECT_FALSE(p.a.last<ChildSaUp>()->child.udp_encap.has_value());
    for (const auto& d : p.sent) EXPECT_EQ(d.local.port, 500);
}

TEST(Ikev1Natt, APeerWithoutNatTraversalGetsNoNatD) {
    auto ca = make_connection(kA, kB, "aes128-sha256-modp2048", "aes128-sha256", kNetA, kNetB);
    ca.base.force_encap = true;
    auto cb = make_connection(kB, kA, "aes128-sha256-modp2048", "aes128-sha256", kNetB, kNetA);
    cb.nat_traversal = false;
    Pair p(std::move(ca), std::move(cb));
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    ASSERT_EQ(p.a.count<ChildSaUp>(), 1u);
    for (const auto& d : p.sent) EXPECT_EQ(count_of(payload_types(d.data), PayloadType::NatD), 0u);
    EXPECT_FALSE(p.a.last<ChildSaUp>()->child.udp_encap.has_value());
}

}  // namespace
}  // namespace strata::ike::v1
