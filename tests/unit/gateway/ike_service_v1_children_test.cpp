// Two IkeServices (gateways C and D, IKEv1 PSK) back to back in memory with
// several children per peer: an IPv4 and an IPv6 child, and a child with two
// local and two remote subnets. Each (child, local subnet, remote subnet) is
// a quick mode of its own under the one ISAKMP SA (RFC 2409 §5.5), with its
// own reqid so its SPD entries find its SAs; rekeys keep each SA's
// selectors; an acquire asks for the missing pair with a quick mode.
#include <map>
#include <set>
#include <string>

#include "ike_service_pair.hpp"

namespace strata::gateway {
namespace {

struct Child {
    std::string name;
    std::string local;  // TOML array body, C's point of view
    std::string remote;
    std::string start_c;
    std::string start_d;
};

// config: one IKEv1 peer with the given children, from side C or D.
std::string config(bool c_side, const std::vector<Child>& children) {
    const std::string self = c_side ? "198.51.100.1" : "198.51.100.2";
    const std::string peer = c_side ? "gw-d" : "gw-c";
    const std::string peer_addr = c_side ? "198.51.100.2" : "198.51.100.1";
    std::string t = "[gateway]\naddresses = [\"" + self + "\"]\n[peers." + peer + "]\naddress = \"" +
                    peer_addr +
                    "\"\nversion = 1\nproposals = [\"aes128-sha256-modp2048\"]\n"
                    "psk = \"unit-test-psk-0123456789\"\n";
    for (const auto& c : children) {
        t += "[peers." + peer + ".children." + c.name + "]\nlocal_ts = [" + (c_side ? c.local : c.remote) +
             "]\nremote_ts = [" + (c_side ? c.remote : c.local) +
             "]\nesp_proposals = [\"aes128-sha256-modp2048\"]\nstart_action = \"" +
             (c_side ? c.start_c : c.start_d) + "\"\n";
    }
    return t;
}

const Child kNet4{"net4", "\"192.0.2.0/24\"", "\"203.0.113.0/24\"", "start", "none"};
const Child kNet6{"net6", "\"2001:db8:1::/64\"", "\"2001:db8:2::/64\"", "start", "none"};
// Two local and two remote subnets: four quick modes.
const Child kMany{"many", "\"10.1.0.0/16\", \"10.2.0.0/16\"", "\"10.3.0.0/16\", \"10.4.0.0/16\"", "start",
                  "none"};

class V1Children : public ServicePair {
protected:
    void build(const std::vector<Child>& children) {
        make(0, config(true, children));
        make(1, config(false, children));
    }

    // listed: name -> (local_ts, remote_ts) of one side's CHILD SAs, and
    // checks that they all hang under one ISAKMP SA.
    std::map<std::string, std::pair<std::string, std::string>> listed(int i) {
        std::map<std::string, std::pair<std::string, std::string>> out;
        const auto ikes = sides_[i].svc->ike_sas(now_);  // kept: the loop walks into it
        EXPECT_EQ(ikes.size(), 1U);
        if (ikes.empty()) return out;
        EXPECT_EQ(ikes[0]["keying"], "IKEv1");
        for (const auto& c : ikes[0]["children"]) {
            if (c["replaced"].get<bool>()) continue;
            out[c["name"].get<std::string>()] = {c["local_ts"].get<std::string>(),
                                                 c["remote_ts"].get<std::string>()};
        }
        return out;
    }

    // expect_covered: for every reqid of both sides, the side sends with an
    // SA the other side has inbound (or, if `up` is false for it, with none).
    void expect_covered(const std::set<std::size_t>& down = {}) {
        for (int i = 0; i < 2; ++i) {
            const PairSide& s = sides_[i];
            std::set<std::uint32_t> used;
            for (std::size_t k = 0; k < s.reqids.size(); ++k) {
                const std::uint32_t o = out_spi(s, s.reqids[k]);
                if (down.count(k) != 0) {
                    EXPECT_EQ(o, 0U) << "side " << i << " child " << k;
                    continue;
                }
                EXPECT_NE(o, 0U) << "side " << i << " child " << k;
                EXPECT_EQ(spis(sides_[1 - i], ipsec::Direction::Inbound).count(o), 1U)
                    << "side " << i << " child " << k;
                EXPECT_TRUE(used.insert(o).second) << "two children share SA " << o;
            }
        }
    }
};

TEST_F(V1Children, PlanHasAQuickModePerSubnetPair) {
    const auto plans = plans_of(config(true, {kNet4, kNet6, kMany}));
    ASSERT_EQ(plans.size(), 1U);
    const PeerPlan& p = plans[0];
    std::vector<std::string> names;
    std::set<std::uint32_t> reqids;
    std::map<std::string, const ChildPlan*> by_name;
    for (const auto& c : p.children) {
        names.push_back(c.name);
        reqids.insert(c.reqid);
        by_name[c.name] = &c;
        EXPECT_EQ(c.config.local_ts.size(), 1U);
        EXPECT_EQ(c.config.remote_ts.size(), 1U);
    }
    // In the file's order; local_ts-major within a child.
    EXPECT_EQ(names,
              (std::vector<std::string>{"net4", "net6", "many.1x1", "many.1x2", "many.2x1", "many.2x2"}));
    EXPECT_EQ(reqids.size(), 6U);
    const ChildPlan& m12 = *by_name.at("many.1x2");
    EXPECT_EQ(m12.config.name, "many");
    EXPECT_EQ(m12.config.local_ts[0].to_string(), "10.1.0.0/16");
    EXPECT_EQ(m12.config.remote_ts[0].to_string(), "10.4.0.0/16");
    // The engine: the first pair in the connection's own fields, the others as ChildSpecs.
    ASSERT_EQ(p.v1.connections.size(), 1U);
    const ike::v1::Connection& conn = p.v1.connections[0];
    EXPECT_EQ(conn.base.child_name, "net4");
    EXPECT_EQ(conn.base.child_reqid, p.children[0].reqid);
    ASSERT_EQ(conn.base.local_ts.size(), 1U);
    ASSERT_EQ(conn.more_children.size(), 5U);
    EXPECT_EQ(conn.more_children[0].name, "net6");
    EXPECT_EQ(ike::to_string(*conn.more_children[0].local_ts), "2001:db8:1::/64");
    EXPECT_EQ(conn.more_children[2].name, "many.1x2");
    EXPECT_EQ(conn.more_children[2].reqid, m12.reqid);
    EXPECT_EQ(ike::to_string(*conn.more_children[2].remote_ts), "10.4.0.0/16");
    // Each pair's SPD entries carry its own reqid.
    std::set<std::uint32_t> pol_reqids;
    for (const auto& pol : child_policies(p)) pol_reqids.insert(pol.protect.reqid);
    EXPECT_EQ(pol_reqids, reqids);
}

TEST(V1ChildrenExample, TheExamplePlansAQuickModePerPair) {
    auto cfg = load_gateway_config(examples_dir() + "/ikev1-two-children.toml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto plans = plan_peers(*cfg);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    ASSERT_EQ(plans->size(), 1U);
    std::set<std::string> names;
    for (const auto& c : plans->front().children) names.insert(c.name);
    EXPECT_EQ(names, (std::set<std::string>{"lab.1x1", "lab.2x1", "net4", "net6"}));
}

TEST_F(V1Children, IpV4AndIpV6ChildrenUnderOneIsakmpSa) {
    build({kNet4, kNet6});
    for (const auto& s : sides_) ASSERT_EQ(s.reqids.size(), 2U);
    sides_[0].svc->start(now_);
    deliver();
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(sides_[i].svc->ike_sa_count(), 1U);
        EXPECT_EQ(sides_[i].svc->child_count(), 2U);
        const std::string peer = i == 0 ? "gw-d" : "gw-c";
        const auto l = listed(i);
        ASSERT_EQ(l.size(), 2U);
        EXPECT_EQ(l.at(peer + "/net4").first, i == 0 ? "192.0.2.0/24" : "203.0.113.0/24");
        EXPECT_EQ(l.at(peer + "/net6").second, i == 0 ? "2001:db8:2::/64" : "2001:db8:1::/64");
    }
    expect_covered();
}

TEST_F(V1Children, SeveralSubnetsAreOneSaPairPerPair) {
    build({kMany});
    for (const auto& s : sides_) ASSERT_EQ(s.reqids.size(), 4U);
    // D initiates this time, asking for every pair of "many" by the child's
    // name (its start_action is none, so the peer alone would bring up the first).
    const auto r = sides_[1].svc->initiate("many", now_);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_NE(r.message.find("many.2x2"), std::string::npos) << r.message;
    deliver();
    for (int i = 0; i < 2; ++i) EXPECT_EQ(sides_[i].svc->child_count(), 4U);
    const auto l = listed(0);
    ASSERT_EQ(l.size(), 4U);
    EXPECT_EQ(l.at("gw-d/many.1x2"), (std::pair<std::string, std::string>{"10.1.0.0/16", "10.4.0.0/16"}));
    EXPECT_EQ(l.at("gw-d/many.2x1"), (std::pair<std::string, std::string>{"10.2.0.0/16", "10.3.0.0/16"}));
    expect_covered();
}

TEST_F(V1Children, RekeysKeepEachSasSelectors) {
    build({kNet4, kMany});
    sides_[0].svc->start(now_);
    deliver();
    const auto before = listed(0);
    ASSERT_EQ(before.size(), 5U);
    const PairSide& c = sides_[0];
    std::map<std::uint32_t, std::uint32_t> out_before;
    for (auto r : c.reqids) out_before[r] = out_spi(c, r);
    // D (the responder of the ISAKMP SA) rekeys one pair by its name...
    auto r = sides_[1].svc->rekey("many.2x1", now_);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_NE(r.message.find("1 CHILD SA"), std::string::npos) << r.message;
    deliver();
    advance(IkeService::kRetireGrace + std::chrono::seconds(1));
    std::size_t changed = 0;
    for (auto q : c.reqids) changed += out_spi(c, q) != out_before[q] ? 1 : 0;
    EXPECT_EQ(changed, 1U);
    // ... and C every pair of "many" by the child's name.
    r = sides_[0].svc->rekey("gw-d/many", now_);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_NE(r.message.find("4 CHILD SA"), std::string::npos) << r.message;
    deliver();
    advance(IkeService::kRetireGrace + std::chrono::seconds(1));
    changed = 0;
    for (auto q : c.reqids) changed += out_spi(c, q) != out_before[q] ? 1 : 0;
    EXPECT_EQ(changed, 4U);  // net4 kept its SA
    EXPECT_EQ(listed(0), before);
    EXPECT_EQ(listed(1).size(), 5U);
    for (auto& s : sides_) EXPECT_EQ(s.svc->child_count(), 5U);
    expect_covered();
    EXPECT_FALSE(sides_[0].svc->rekey("many.3x1", now_).ok);
}

TEST_F(V1Children, AcquireAsksForTheMissingPairWithAQuickMode) {
    // C starts net4 only; D traps net6 and asks for it under the ISAKMP SA C set up.
    Child v6 = kNet6;
    v6.start_c = "none";
    v6.start_d = "trap";
    build({kNet4, v6});
    sides_[0].svc->start(now_);
    deliver();
    expect_covered({1});
    const std::uint32_t reqid6 = sides_[1].reqids[1];
    sides_[1].svc->datapath_event(
        InboxEvent{ipsec::EventKind::Acquire, reqid6, 0, ipsec::Direction::Outbound}, now_);
    deliver();
    expect_covered();
    for (auto& s : sides_) EXPECT_EQ(s.svc->ike_sa_count(), 1U);
    // A second acquire while the SA is up asks for nothing.
    const std::size_t before = sides_[1].svc->stats().datagrams_out;
    sides_[1].svc->datapath_event(
        InboxEvent{ipsec::EventKind::Acquire, reqid6, 0, ipsec::Direction::Outbound}, now_);
    EXPECT_EQ(sides_[1].svc->stats().datagrams_out, before);
}

}  // namespace
}  // namespace strata::gateway
