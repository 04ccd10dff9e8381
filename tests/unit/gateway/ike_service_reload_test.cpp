// IkeService::remove_peer and add_peer, as a reload uses them: two services
// (gateways C and D, IKEv2 PSK) back to back in memory. Removing a peer
// sends DELETE, so the other side drops its SAs too; adding it again
// negotiates new SAs; a peer that stays keeps its SAs through the removal
// of another.
#include <set>
#include <string>

#include "ike_service_pair.hpp"

namespace strata::gateway {
namespace {

std::string peer_text(const std::string& self, const std::string& name, const std::string& addr,
                      const std::string& local_ts, const std::string& remote_ts, const std::string& start) {
    return "[peers." + name + "]\naddress = \"" + addr + "\"\npsk = \"unit-test-psk-0123456789\"\n" +
           "proposals = [\"aes256-sha256-ecp256\"]\nlocal_id = \"" + self + ".example.org\"\nremote_id = \"" +
           name + ".example.org\"\n[peers." + name + ".children.net]\nlocal_ts = [\"" + local_ts +
           "\"]\nremote_ts = [\"" + remote_ts +
           "\"]\nesp_proposals = [\"aes128gcm16-ecp256\"]\nstart_action = \"" + start + "\"\n";
}

class ServiceReload : public ServicePair {
protected:
    // C has gw-x (a peer that never answers, listed first) and gw-d; D has gw-c.
    void SetUp() override {
        lost_ = *packet::IpAddress::parse("198.51.100.9");
        const std::string c =
            "[gateway]\naddresses = [\"198.51.100.1\"]\n" +
            peer_text("gw-c", "gw-x", "198.51.100.9", "192.0.2.0/25", "198.18.0.0/24", "none") +
            peer_text("gw-c", "gw-d", "198.51.100.2", "192.0.2.0/24", "203.0.113.0/24", "start");
        const std::string d =
            "[gateway]\naddresses = [\"198.51.100.2\"]\n" +
            peer_text("gw-d", "gw-c", "198.51.100.1", "203.0.113.0/24", "192.0.2.0/24", "none");
        make(0, c);
        make(1, d);
    }

    // covered: each side's outbound SA for the C-D child is inbound at the other.
    void expect_covered(std::uint32_t c_reqid, std::uint32_t d_reqid) {
        auto c_out = sides_[0].dp->sad().outbound(c_reqid, ipsec::Protocol::Esp);
        auto d_out = sides_[1].dp->sad().outbound(d_reqid, ipsec::Protocol::Esp);
        ASSERT_NE(c_out, nullptr);
        ASSERT_NE(d_out, nullptr);
        EXPECT_EQ(spis(sides_[1]).count(c_out->spi()), 1U);
        EXPECT_EQ(spis(sides_[0]).count(d_out->spi()), 1U);
    }
};

TEST_F(ServiceReload, RemovingAPeerDeletesItsSasOnBothSidesAndAddingItNegotiatesNewOnes) {
    sides_[0].svc->start(now_);
    deliver();
    ASSERT_EQ(sides_[0].svc->ike_sa_count(), 1U);
    ASSERT_EQ(sides_[1].svc->ike_sa_count(), 1U);
    const std::uint32_t c_reqid = kFirstIkeReqid + 1;  // gw-d is C's second peer
    const std::uint32_t d_reqid = kFirstIkeReqid;
    expect_covered(c_reqid, d_reqid);
    const auto first = spis(sides_[0]);
    ASSERT_EQ(first.size(), 2U);

    ASSERT_TRUE(sides_[0].svc->remove_peer("gw-d", now_));
    EXPECT_FALSE(sides_[0].svc->remove_peer("gw-d", now_));
    EXPECT_TRUE(spis(sides_[0]).empty());
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 0U);
    EXPECT_EQ(sides_[0].svc->child_count(), 0U);
    deliver();  // the DELETE reaches D
    EXPECT_TRUE(spis(sides_[1]).empty()) << "D kept SAs after C's DELETE";
    EXPECT_EQ(sides_[1].svc->ike_sa_count(), 0U);
    EXPECT_FALSE(sides_[0].svc->initiate("gw-d", now_).ok);

    // Re-created (as for a changed PSK) with a fresh reqid: it initiates.
    auto plans =
        plans_of("[gateway]\naddresses = [\"198.51.100.1\"]\n" +
                 peer_text("gw-c", "gw-d", "198.51.100.2", "192.0.2.0/24", "203.0.113.0/24", "start"));
    plans.front().children.front().reqid = kFirstIkeReqid + 7;
    sides_[0].svc->add_peer(std::move(plans.front()), now_);
    deliver();
    ASSERT_EQ(sides_[0].svc->ike_sa_count(), 1U);
    ASSERT_EQ(sides_[1].svc->ike_sa_count(), 1U);
    expect_covered(kFirstIkeReqid + 7, d_reqid);
    const auto second = spis(sides_[0]);
    ASSERT_EQ(second.size(), 2U);
    for (auto spi : second) EXPECT_EQ(first.count(spi), 0U) << "SPI " << spi << " reused";
}

TEST_F(ServiceReload, RemovingAnotherPeerLeavesAnEstablishedOneUntouched) {
    sides_[0].svc->start(now_);
    deliver();
    const std::uint32_t c_reqid = kFirstIkeReqid + 1;
    expect_covered(c_reqid, kFirstIkeReqid);
    const auto before_c = spis(sides_[0]);
    const auto before_d = spis(sides_[1]);

    // gw-x was listed before gw-d: gw-d's SAs must follow it to index 0.
    ASSERT_TRUE(sides_[0].svc->remove_peer("gw-x", now_));
    deliver();
    EXPECT_EQ(spis(sides_[0]), before_c);
    EXPECT_EQ(spis(sides_[1]), before_d);
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 1U);
    // The remaining peer still works by name: a rekey replaces its pair.
    ASSERT_TRUE(sides_[0].svc->rekey("gw-d", now_).ok);
    deliver();
    expect_covered(c_reqid, kFirstIkeReqid);
    now_ += IkeService::kRetireGrace + std::chrono::seconds(1);
    for (auto& s : sides_) s.svc->on_timer(now_);
    deliver();
    const auto after = spis(sides_[0]);
    EXPECT_EQ(after.size(), 2U);
    for (auto spi : after) EXPECT_EQ(before_c.count(spi), 0U);
    EXPECT_TRUE(sides_[0].svc->terminate("gw-d", now_).ok);
}

}  // namespace
}  // namespace strata::gateway
