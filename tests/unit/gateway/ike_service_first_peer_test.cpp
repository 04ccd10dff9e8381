// ike_service_first_peer_test.cpp: what the daemon's reload does for a
// gateway started without [peers]: an IkeService with no engines, given a
// new datapath generation with the first peer's policies and then the peer
// (add_peer), negotiates with a running gateway; removing that last peer
// sends DELETE and leaves an idle service that still takes datagrams.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "ike_service_pair.hpp"

namespace strata::gateway {
namespace {

std::string peer_text(const char* self, const char* other, const char* lan, const char* far,
                      const char* start) {
    return std::string("[gateway]\naddresses = [\"") + self + "\"]\n[peers.gw]\naddress = \"" + other +
           "\"\npsk = \"first-peer-psk-0123456789\"\n[peers.gw.children.net]\nlocal_ts = [\"" + lan +
           "\"]\nremote_ts = [\"" + far + "\"]\nstart_action = \"" + start + "\"\n";
}

class FirstPeer : public ServicePair {
protected:
    // make_empty builds side i as the daemon does at start without [peers]:
    // a service with no engines on a datapath with no IKE policies.
    void make_empty(int i) {
        PairSide& s = sides_[i];
        auto dp = Datapath::build(config::ManualKeying{}, nullptr, now_, {});
        ASSERT_TRUE(dp.ok()) << dp.error().message;
        s.dp = std::move(dp).value();
        s.svc = std::make_unique<IkeService>(
            std::vector<PeerPlan>{},
            [this, i](const io::Endpoint& local, const io::Endpoint& remote, core::ByteView data, bool raw) {
                if (!raw)
                    queue_.push_back(
                        PairMessage{1 - i, remote, local, core::Bytes(data.begin(), data.end())});
                return true;
            },
            s.log);
        s.svc->set_datapath(s.dp.get());
    }

    // reload_with gives side i a new datapath generation with plans'
    // policies and starts their engines, as Daemon::reload does.
    void reload_with(int i, std::vector<PeerPlan> plans) {
        PairSide& s = sides_[i];
        std::vector<ipsec::Policy> pol;
        for (const auto& p : plans) {
            auto more = child_policies(p);
            pol.insert(pol.end(), more.begin(), more.end());
        }
        auto dp = Datapath::build(config::ManualKeying{}, s.dp.get(), now_, std::move(pol));
        ASSERT_TRUE(dp.ok()) << dp.error().message;
        s.dp = std::move(dp).value();
        s.svc->set_datapath(s.dp.get());
        for (auto& p : plans) s.svc->add_peer(std::move(p), now_);
    }
};

TEST_F(FirstPeer, AddedToAnEmptyServiceNegotiatesAndRemovingItLeavesAnIdleService) {
    make(1, peer_text("198.51.100.2", "198.51.100.1", "203.0.113.0/24", "192.0.2.0/24", "none"));
    make_empty(0);
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 0U);
    // Nothing to negotiate with yet: D's attempt is counted, not answered.
    sides_[1].svc->initiate("gw", now_);
    deliver();
    EXPECT_EQ(sides_[0].svc->stats().unknown_peer, 1U);
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 0U);
    advance(std::chrono::seconds(60));  // D gives up its attempt

    reload_with(
        0, plans_of(peer_text("198.51.100.1", "198.51.100.2", "192.0.2.0/24", "203.0.113.0/24", "start")));
    deliver();  // start_action = start: C initiates at once
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 1U);
    EXPECT_EQ(sides_[1].svc->ike_sa_count(), 1U);
    ASSERT_EQ(spis(sides_[0]).size(), 2U);
    EXPECT_EQ(spis(sides_[0], ipsec::Direction::Inbound), spis(sides_[1], ipsec::Direction::Outbound));
    EXPECT_EQ(spis(sides_[0], ipsec::Direction::Outbound), spis(sides_[1], ipsec::Direction::Inbound));
    EXPECT_NE(out_spi(sides_[0], kFirstIkeReqid), 0U);

    // The last peer goes: DELETE, D drops its SAs, C's service stays, idle.
    ASSERT_TRUE(sides_[0].svc->remove_peer("gw", now_));
    deliver();
    EXPECT_TRUE(spis(sides_[0]).empty());
    EXPECT_TRUE(spis(sides_[1]).empty());
    EXPECT_EQ(sides_[0].svc->ike_sa_count(), 0U);
    EXPECT_EQ(sides_[1].svc->ike_sa_count(), 0U);
    const auto unknown = sides_[0].svc->stats().unknown_peer;
    sides_[1].svc->initiate("gw", now_);
    deliver();
    EXPECT_EQ(sides_[0].svc->stats().unknown_peer, unknown + 1);
}

}  // namespace
}  // namespace strata::gateway
