#include "ipsec/sad.hpp"

#include <algorithm>
#include <mutex>

namespace strata::ipsec {

std::string_view to_string(SadError e) noexcept {
    switch (e) {
        case SadError::DuplicateSpi: return "DuplicateSpi";
        case SadError::NoSuchSa: return "NoSuchSa";
    }
    return "Unknown";
}

SaKey key_of(const SecurityAssociation& sa) noexcept {
    return {sa.spi(), sa.config().dst, sa.config().protocol};
}

core::Result<void, SadError> Sad::install(SaPtr sa) {
    std::unique_lock lock(mu_);
    const SaKey k = key_of(*sa);
    if (sa->config().direction == Direction::Inbound) {
        if (!in_.emplace(k, std::move(sa)).second) return core::fail(SadError::DuplicateSpi);
        return {};
    }
    auto& list = out_[sa->config().reqid];
    for (const auto& o : list) {
        if (key_of(*o) == k) return core::fail(SadError::DuplicateSpi);
    }
    list.push_back(std::move(sa));
    return {};
}

void Sad::replace(SaPtr sa) {
    std::unique_lock lock(mu_);
    const SaKey k = key_of(*sa);
    if (sa->config().direction == Direction::Inbound) {
        in_[k] = std::move(sa);
        return;
    }
    auto& list = out_[sa->config().reqid];
    std::erase_if(list, [&](const SaPtr& o) { return key_of(*o) == k; });
    list.push_back(std::move(sa));
}

core::Result<void, SadError> Sad::remove(Direction dir, const SaKey& key) {
    std::unique_lock lock(mu_);
    if (dir == Direction::Inbound) {
        if (in_.erase(key) == 0) return core::fail(SadError::NoSuchSa);
        return {};
    }
    std::size_t n = 0;
    for (auto& [reqid, list] : out_)
        n += std::erase_if(list, [&](const SaPtr& o) { return key_of(*o) == key; });
    if (n == 0) return core::fail(SadError::NoSuchSa);
    return {};
}

SaPtr Sad::inbound(const SaKey& key) const {
    std::shared_lock lock(mu_);
    auto it = in_.find(key);
    return it == in_.end() ? nullptr : it->second;
}

SaPtr Sad::outbound(std::uint32_t reqid, Protocol protocol) const {
    std::shared_lock lock(mu_);
    auto it = out_.find(reqid);
    if (it == out_.end()) return nullptr;
    // Newest first: during a rekey the new SA carries the traffic.
    const auto& list = it->second;
    const auto found = std::find_if(list.rbegin(), list.rend(), [&](const SaPtr& sa) {
        return sa->config().protocol == protocol && !sa->expired();
    });
    return found == list.rend() ? nullptr : *found;
}

std::vector<SaPtr> Sad::all() const {
    std::shared_lock lock(mu_);
    std::vector<SaPtr> v;
    v.reserve(in_.size() + out_.size());
    for (const auto& [k, sa] : in_) v.push_back(sa);
    for (const auto& [reqid, list] : out_) v.insert(v.end(), list.begin(), list.end());
    return v;
}

std::size_t Sad::size() const {
    std::shared_lock lock(mu_);
    std::size_t n = in_.size();
    for (const auto& [reqid, list] : out_) n += list.size();
    return n;
}
}  // namespace strata::ipsec
