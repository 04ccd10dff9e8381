// ServicePair: two IkeServices (gateways C and D) wired back to back in
// memory, each with its own live Datapath. Each test file builds the two
// sides from its own configuration text and drives them by hand: deliver()
// hands the queued IKE datagrams over one at a time, advance() moves the
// clock and runs the daemon's lifetime ticker and the IKE timers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/ike_service.hpp"

namespace strata::gateway {

// examples_dir is where relative file names in a test's configuration resolve.
inline std::string examples_dir() { return std::string(STRATA_SOURCE_DIR) + "/examples/gateway"; }

// plans_of parses a configuration text and plans its peers; a refusal is a
// test failure (and gives no plans).
inline std::vector<PeerPlan> plans_of(const std::string& text) {
    auto cfg = parse_gateway_config(text, "gw.toml", examples_dir());
    if (!cfg) {
        ADD_FAILURE() << cfg.error().message;
        return {};
    }
    auto plans = plan_peers(*cfg);
    if (!plans) {
        ADD_FAILURE() << plans.error().message;
        return {};
    }
    return std::move(plans).value();
}

// PairMessage is one IKE datagram on its way to side `to`.
struct PairMessage {
    int to = 0;
    io::Endpoint local;   // at the receiver
    io::Endpoint remote;  // the sender
    core::Bytes data;
};

struct PairSide {
    Logger log{LogLevel::Error};
    std::shared_ptr<Datapath> dp;
    std::unique_ptr<IkeService> svc;
    std::vector<std::uint32_t> reqids;  // every child of every peer, in plan order
};

class ServicePair : public ::testing::Test {
protected:
    // make builds side i (0: C, 1: D): the peers' plans, a Datapath with
    // their policies, and an IkeService whose datagrams queue for the other side.
    void make(int i, const std::string& text) { make(i, plans_of(text)); }

    void make(int i, std::vector<PeerPlan> plans) {
        ASSERT_FALSE(plans.empty());
        PairSide& s = sides_[i];
        s.reqids.clear();
        std::vector<ipsec::Policy> pol;
        for (const auto& p : plans) {
            for (const auto& c : p.children) s.reqids.push_back(c.reqid);
            auto more = child_policies(p);
            pol.insert(pol.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
        }
        auto dp = Datapath::build(config::ManualKeying{}, nullptr, now_, std::move(pol));
        ASSERT_TRUE(dp.ok()) << dp.error().message;
        s.dp = std::move(dp).value();
        s.svc = std::make_unique<IkeService>(
            std::move(plans),
            [this, i](const io::Endpoint& local, const io::Endpoint& remote, core::ByteView data, bool raw) {
                if (!raw && remote.address != lost_)
                    queue_.push_back(
                        PairMessage{1 - i, remote, local, core::Bytes(data.begin(), data.end())});
                return true;
            },
            s.log);
        s.svc->set_datapath(s.dp.get());
    }

    // after_message runs after each delivered datagram (an invariant to keep).
    virtual void after_message() {}

    // deliver hands every queued datagram over, one at a time.
    void deliver() {
        for (int n = 0; !queue_.empty() && n < 100; ++n) {
            PairMessage m = std::move(queue_.front());
            queue_.pop_front();
            sides_[m.to].svc->receive(m.local, m.remote, core::ByteView(m.data.data(), m.data.size()), now_);
            after_message();
        }
        EXPECT_TRUE(queue_.empty());
    }

    // advance moves the clock, runs the daemon's lifetime ticker and the IKE
    // timers on both sides, and delivers what they sent.
    void advance(core::Duration d) {
        now_ += d;
        for (auto& s : sides_) {
            for (const auto& sa : s.dp->sad().all()) {
                const ipsec::LifetimeEvent e = sa->tick(now_);
                if (e != ipsec::LifetimeEvent::None)
                    s.svc->lifetime_tick(*sa, e == ipsec::LifetimeEvent::HardExpired, now_);
            }
            s.svc->on_timer(now_);
        }
        deliver();
    }

    // spis lists a side's SA SPIs (of one direction, or all).
    static std::set<std::uint32_t> spis(const PairSide& s,
                                        std::optional<ipsec::Direction> dir = std::nullopt) {
        std::set<std::uint32_t> out;
        for (const auto& sa : s.dp->sad().all()) {
            if (!dir || sa->config().direction == *dir) out.insert(sa->spi());
        }
        return out;
    }

    // out_spi is the ESP SA a side sends a child's traffic with (0: none).
    static std::uint32_t out_spi(const PairSide& s, std::uint32_t reqid) {
        auto sa = s.dp->sad().outbound(reqid, ipsec::Protocol::Esp);
        return sa ? sa->spi() : 0;
    }

    // lost_: datagrams to this address are dropped (a peer that never answers).
    std::optional<packet::IpAddress> lost_;
    core::Instant now_{std::chrono::hours(1)};
    std::deque<PairMessage> queue_;
    PairSide sides_[2];
};

}  // namespace strata::gateway
