// datapath.hpp: one generation of the gateway's SPD and SAD.
//
// The workers share one Datapath read-only; a reload builds a new one and
// the workers switch to it between batches. An SA whose configuration did
// not change is carried over as the same object, so its sequence counter
// and replay window continue (a restarted counter would make the peer drop
// every packet as a replay, RFC 4303 §3.4.3).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/manual_keying.hpp"
#include "core/clock.hpp"
#include "ipsec/sad.hpp"
#include "ipsec/spd.hpp"

namespace strata::gateway {

class Datapath {
public:
    // build installs the manual SAs and policies of mk (consumed) and the
    // extra policies (the IKE children's, ike_config.hpp). SAs equal to one
    // of `previous` are taken over from it.
    static core::Result<std::shared_ptr<Datapath>, config::ConfigError> build(
        config::ManualKeying mk, const Datapath* previous, core::Instant now,
        std::vector<ipsec::Policy> extra = {});

    // add_sa installs an SA negotiated by IKE while the workers run (the SAD
    // is safe to change under their lookups); name is for listings.
    core::Result<void, ipsec::SadError> add_sa(ipsec::SaPtr sa, const std::string& name);
    // remove_sa removes one; true if it was there.
    bool remove_sa(ipsec::Direction dir, const ipsec::SaKey& key);

    [[nodiscard]] const ipsec::Spd& spd() const noexcept { return spd_; }
    [[nodiscard]] const ipsec::Sad& sad() const noexcept { return sad_; }
    // name_of returns the configured name of an SA ("" if unknown).
    [[nodiscard]] std::string name_of(const ipsec::SecurityAssociation* sa) const;
    // carried_over counts the SAs taken over from the previous generation.
    [[nodiscard]] std::size_t carried_over() const noexcept { return carried_; }

private:
    Datapath() = default;
    ipsec::Spd spd_;
    ipsec::Sad sad_;
    mutable std::mutex names_mu_;  // add_sa/remove_sa on the main thread, name_of anywhere
    std::unordered_map<const ipsec::SecurityAssociation*, std::string> names_;
    std::size_t carried_ = 0;
};

// same_sa is true if an installed SA was created from a configuration equal
// to cfg (identity, algorithms, keys, options).
bool same_sa(const ipsec::SecurityAssociation& sa, const ipsec::SaConfig& cfg) noexcept;

}  // namespace strata::gateway
