// IKE fragmentation between two engines (RFC 7383): certificates make
// IKE_AUTH larger than the IPv4 default limit, so both directions go as
// SKF fragments; a lost fragment is recovered by retransmission.
#include <gtest/gtest.h>

#include "ike/v2/message.hpp"
#include "unit/ike/v2/auth_pair.hpp"

namespace strata::ike::v2::test {
namespace {

struct Certs {
    Pki pki = Pki::make(crypto::SignatureAlg::RsaPssSha256);
    Pki::Leaf c = pki.issue(crypto::SignatureAlg::RsaPssSha256, "gw-c.example.org", {"gw-c.example.org"});
    Pki::Leaf d = pki.issue(crypto::SignatureAlg::RsaPssSha256, "gw-d.example.org", {"gw-d.example.org"}, {},
                            false, std::chrono::hours(-24), 3);
};

Certs& certs() {
    static Certs c;  // RSA keys take a while to make: once for the file
    return c;
}

AuthPair make_pair(bool frag_a = true, bool frag_b = true) {
    auto ca = conn("198.51.100.1", "198.51.100.2", "gw-c.example.org", "gw-d.example.org", "192.0.2.0/24",
                   "203.0.113.0/24");
    auto cb = conn("198.51.100.2", "198.51.100.1", "gw-d.example.org", "gw-c.example.org", "203.0.113.0/24",
                   "192.0.2.0/24");
    use_cert(ca, certs().c, certs().pki.ca);
    use_cert(cb, certs().d, certs().pki.ca);
    ca.fragmentation = frag_a;
    cb.fragmentation = frag_b;
    return AuthPair(std::move(ca), std::move(cb));
}

bool is_skf(const Datagram& d) {
    return d.data.size() > 16 && d.data[16] == static_cast<std::uint8_t>(PayloadType::SKF);
}

std::uint16_t fragment_number(const Datagram& d) {
    return static_cast<std::uint16_t>((d.data[32] << 8) | d.data[33]);
}

TEST(IkeV2FragmentEngine, IkeAuthBothWaysAsFragments) {
    auto p = make_pair();
    std::size_t skf_to_b = 0, skf_to_a = 0, largest = 0;
    p.filter = [&](const Datagram& d, bool to_b) {
        if (is_skf(d)) (to_b ? skf_to_b : skf_to_a) += 1;
        largest = std::max(largest, d.data.size());
        return true;
    };
    p.establish();
    ASSERT_EQ(events_of<IkeSaUp>(p.events_a).size(), 1U);
    ASSERT_EQ(events_of<ChildSaUp>(p.events_b).size(), 1U);
    EXPECT_GE(skf_to_b, 2U);
    EXPECT_GE(skf_to_a, 2U);
    EXPECT_LE(largest, 576U - 28U);  // IPv4 default: 576 less IP and UDP headers
}

TEST(IkeV2FragmentEngine, NoFragmentsUnlessBothAnnounceSupport) {
    auto p = make_pair(true, false);
    std::size_t skf = 0;
    p.filter = [&](const Datagram& d, bool) {
        skf += is_skf(d) ? 1 : 0;
        return true;
    };
    p.establish();
    ASSERT_EQ(events_of<IkeSaUp>(p.events_a).size(), 1U);
    EXPECT_EQ(skf, 0U);
}

TEST(IkeV2FragmentEngine, LostRequestFragmentIsRetransmitted) {
    auto p = make_pair();
    bool dropped = false;
    p.filter = [&](const Datagram& d, bool to_b) {
        if (to_b && is_skf(d) && fragment_number(d) == 2 && !dropped) {
            dropped = true;
            return false;
        }
        return true;
    };
    p.establish();
    EXPECT_TRUE(dropped);
    EXPECT_TRUE(events_of<IkeSaUp>(p.events_a).empty());
    p.timers();  // the initiator resends every fragment of IKE_AUTH
    ASSERT_EQ(events_of<IkeSaUp>(p.events_a).size(), 1U);
    ASSERT_EQ(events_of<IkeSaUp>(p.events_b).size(), 1U);
}

TEST(IkeV2FragmentEngine, LostResponseFragmentIsRecoveredOnce) {
    auto p = make_pair();
    bool dropped = false;
    std::size_t to_a_after = 0;
    p.filter = [&](const Datagram& d, bool to_b) {
        if (!to_b && is_skf(d) && fragment_number(d) == 2 && !dropped) {
            dropped = true;
            return false;
        }
        if (!to_b && dropped) ++to_a_after;
        return true;
    };
    p.establish();
    EXPECT_TRUE(dropped);
    ASSERT_EQ(events_of<IkeSaUp>(p.events_b).size(), 1U);
    EXPECT_TRUE(events_of<IkeSaUp>(p.events_a).empty());
    const std::size_t before = to_a_after;
    p.timers();  // the initiator retransmits; the responder answers with all fragments, once
    ASSERT_EQ(events_of<IkeSaUp>(p.events_a).size(), 1U);
    EXPECT_EQ(p.b->stats().retransmits_answered, 1U);
    EXPECT_GT(to_a_after, before);
}

TEST(IkeV2FragmentEngine, TamperedFragmentIsDroppedAndCounted) {
    auto p = make_pair();
    bool done = false;
    p.filter = [&](const Datagram& d, bool to_b) {
        if (to_b && is_skf(d) && fragment_number(d) == 1 && !done) {
            done = true;
            Datagram bad = d;
            bad.data[bad.data.size() - 3] ^= 1;
            p.take_b(p.b->receive(AuthPair::flip(bad), p.clock.now()));
        }
        return true;
    };
    p.establish();
    EXPECT_EQ(p.b->stats().integrity_failed, 1U);
    ASSERT_EQ(events_of<IkeSaUp>(p.events_a).size(), 1U);
}

}  // namespace
}  // namespace strata::ike::v2::test
