#include "gateway/datapath.hpp"

#include "crypto/constant_time.hpp"

namespace strata::gateway {

namespace {

bool same_lifetimes(const ipsec::Lifetimes& a, const ipsec::Lifetimes& b) noexcept {
    auto eq = [](const ipsec::LifetimeLimits& x, const ipsec::LifetimeLimits& y) {
        return x.bytes == y.bytes && x.packets == y.packets && x.time == y.time;
    };
    return eq(a.soft, b.soft) && eq(a.hard, b.hard);
}

// warm_up runs one lookup per direction and IP version: the SPD builds its
// probe tables lazily on the first lookup after a change, and that first
// lookup must happen here, before several workers read the SPD at once.
void warm_up(const ipsec::Spd& spd) {
    for (auto dir : {ipsec::Direction::Outbound, ipsec::Direction::Inbound}) {
        ipsec::PacketFields v4;
        v4.src = packet::IpAddress::v4(0x7f000001);
        v4.dst = v4.src;
        (void)spd.lookup(v4, dir);
        ipsec::PacketFields v6;
        v6.src = packet::IpAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        v6.dst = v6.src;
        (void)spd.lookup(v6, dir);
    }
}

}  // namespace

bool same_sa(const ipsec::SecurityAssociation& sa, const ipsec::SaConfig& cfg) noexcept {
    const ipsec::SaConfig& c = sa.config();
    return c.spi == cfg.spi && c.reqid == cfg.reqid && c.direction == cfg.direction &&
           c.protocol == cfg.protocol && c.mode == cfg.mode && c.src == cfg.src && c.dst == cfg.dst &&
           c.encryption == cfg.encryption && c.integrity == cfg.integrity && c.esn == cfg.esn &&
           c.replay_window == cfg.replay_window && c.udp_encap == cfg.udp_encap &&
           c.tunnel_ttl == cfg.tunnel_ttl && c.copy_dscp == cfg.copy_dscp && c.copy_ecn == cfg.copy_ecn &&
           c.selectors == cfg.selectors && same_lifetimes(c.lifetimes, cfg.lifetimes) &&
           crypto::constant_time_equal(c.encryption_key.view(), cfg.encryption_key.view()) &&
           crypto::constant_time_equal(c.integrity_key.view(), cfg.integrity_key.view());
}

std::string Datapath::name_of(const ipsec::SecurityAssociation* sa) const {
    std::lock_guard<std::mutex> g(names_mu_);
    auto it = names_.find(sa);
    return it == names_.end() ? std::string() : it->second;
}

core::Result<void, ipsec::SadError> Datapath::add_sa(ipsec::SaPtr sa, const std::string& name) {
    const ipsec::SecurityAssociation* raw = sa.get();
    if (auto r = sad_.install(std::move(sa)); !r) return r;
    std::lock_guard<std::mutex> g(names_mu_);
    names_[raw] = name;
    return {};
}

bool Datapath::remove_sa(ipsec::Direction dir, const ipsec::SaKey& key) {
    ipsec::SaPtr keep;  // the name goes with the SA
    if (dir == ipsec::Direction::Inbound) {
        keep = sad_.inbound(key);
    } else {
        for (const auto& sa : sad_.all()) {
            if (sa->config().direction == dir && ipsec::key_of(*sa) == key) keep = sa;
        }
    }
    if (!sad_.remove(dir, key)) return false;
    if (keep) {
        std::lock_guard<std::mutex> g(names_mu_);
        names_.erase(keep.get());
    }
    return true;
}

core::Result<std::shared_ptr<Datapath>, config::ConfigError> Datapath::build(
    config::ManualKeying mk, const Datapath* previous, core::Instant now, std::vector<ipsec::Policy> extra) {
    std::shared_ptr<Datapath> dp(new Datapath());
    std::vector<ipsec::SaPtr> old;
    if (previous != nullptr) old = previous->sad_.all();
    for (std::size_t i = 0; i < mk.sas.size(); ++i) {
        const std::string& name = mk.sa_names[i];
        ipsec::SaPtr sa;
        for (const auto& o : old) {
            if (same_sa(*o, mk.sas[i])) {
                sa = o;
                ++dp->carried_;
                break;
            }
        }
        if (!sa) {
            auto created = ipsec::SecurityAssociation::create(std::move(mk.sas[i]), now);
            if (!created)
                return core::fail(config::ConfigError{
                    "sa '" + name + "': " + std::string(ipsec::to_string(created.error()))});
            sa = std::move(created).value();
        }
        const ipsec::SecurityAssociation* raw = sa.get();
        auto r = dp->sad_.install(std::move(sa));
        if (!r)
            return core::fail(
                config::ConfigError{"sa '" + name + "': " + std::string(ipsec::to_string(r.error()))});
        dp->names_[raw] = name;
    }
    for (auto& p : mk.policies) {
        const std::string name = p.name;
        auto r = dp->spd_.add(std::move(p));
        if (!r)
            return core::fail(
                config::ConfigError{"policy '" + name + "': " + std::string(ipsec::to_string(r.error()))});
    }
    for (auto& p : extra) {
        const std::string name = p.name;
        auto r = dp->spd_.add(std::move(p));
        if (!r)
            return core::fail(
                config::ConfigError{"policy '" + name + "': " + std::string(ipsec::to_string(r.error()))});
    }
    warm_up(dp->spd_);
    return dp;
}

}  // namespace strata::gateway
