#include "ipsec/spd.hpp"

#include <algorithm>
#include <unordered_map>

namespace strata::ipsec {

namespace {

__extension__ typedef unsigned __int128 u128;  // NOLINT(modernize-use-using): __extension__ needs typedef

u128 to_u128(const packet::IpAddress& a) noexcept {
    u128 v = 0;
    for (std::uint8_t b : a.bytes()) v = (v << 8) | b;
    return v;
}

// Prefix is a value's top `len` bits, of an address `bits` wide.
struct Prefix {
    u128 value;
    unsigned len;
};

// split_range returns the fewest prefixes whose union is [lo, hi].
std::vector<Prefix> split_range(u128 lo, u128 hi, unsigned bits) {
    std::vector<Prefix> out;
    while (true) {
        unsigned k = 0;  // the block size is 2^k
        while (k < bits) {
            const unsigned next = k + 1;
            const u128 mask = next == 128 ? ~u128{0} : (u128{1} << next) - 1;  // 2^next - 1
            if ((lo & mask) != 0) break;  // lo not aligned to a bigger block
            if (hi - lo < mask) break;    // a bigger block overshoots hi
            ++k;
        }
        out.push_back({lo, bits - k});
        const u128 last = k == 128 ? ~u128{0} : lo + ((u128{1} << k) - 1);
        if (last >= hi) break;
        lo = last + 1;
    }
    return out;
}

struct Entry {
    Policy policy;
    std::uint64_t order = 0;
    std::vector<std::uint32_t> nodes;  // trie nodes holding this entry
    [[nodiscard]] bool before(const Entry& o) const noexcept {
        return policy.priority != o.policy.priority ? policy.priority < o.policy.priority : order < o.order;
    }
};

struct Node {
    std::int32_t child[2] = {-1, -1};
    std::vector<const Entry*> entries;  // sorted: best first
};

struct Trie {
    unsigned bits = 32;
    std::vector<Node> nodes{Node{}};

    std::uint32_t node_for(const Prefix& p) {
        std::uint32_t n = 0;
        for (unsigned i = 0; i < p.len; ++i) {
            const auto bit = static_cast<unsigned>((p.value >> (bits - 1 - i)) & 1U);
            if (nodes[n].child[bit] < 0) {
                nodes[n].child[bit] = static_cast<std::int32_t>(nodes.size());
                nodes.emplace_back();
            }
            n = static_cast<std::uint32_t>(nodes[n].child[bit]);
        }
        return n;
    }
};

}  // namespace

struct Spd::Index {
    std::unordered_map<std::uint32_t, std::unique_ptr<Entry>> by_id;
    Trie v4{32};
    Trie v6{128};

    Trie& trie(packet::IpVersion v) { return v == packet::IpVersion::V4 ? v4 : v6; }
    const Trie& trie(packet::IpVersion v) const { return v == packet::IpVersion::V4 ? v4 : v6; }

    void insert(std::unique_ptr<Entry> e) {
        const AddressRange& r = e->policy.selector.remote;
        Trie& t = trie(r.first.version());
        for (const Prefix& p : split_range(to_u128(r.first), to_u128(r.last), t.bits)) {
            const std::uint32_t n = t.node_for(p);
            auto& list = t.nodes[n].entries;
            const Entry* raw = e.get();
            list.insert(std::upper_bound(list.begin(), list.end(), raw,
                                         [](const Entry* a, const Entry* b) { return a->before(*b); }),
                        raw);
            e->nodes.push_back(n);
        }
        const std::uint32_t id = e->policy.id;
        by_id.emplace(id, std::move(e));
    }

    void erase(std::uint32_t id) {
        auto it = by_id.find(id);
        Trie& t = trie(it->second->policy.selector.remote.first.version());
        for (std::uint32_t n : it->second->nodes) std::erase(t.nodes[n].entries, it->second.get());
        by_id.erase(it);
    }

    const Policy* lookup(const PacketFields& f, Direction dir) const noexcept {
        const packet::IpAddress& remote = dir == Direction::Outbound ? f.dst : f.src;
        const Trie& t = trie(remote.version());
        const u128 addr = to_u128(remote);
        const Entry* best = nullptr;
        std::int32_t n = 0;
        for (unsigned depth = 0; n >= 0; ++depth) {
            for (const Entry* e : t.nodes[static_cast<std::size_t>(n)].entries) {
                if (best != nullptr && !e->before(*best)) break;  // the rest are later still
                if (matches(e->policy.selector, f, dir)) {
                    best = e;
                    break;
                }
            }
            if (depth == t.bits) break;
            const auto bit = static_cast<unsigned>((addr >> (t.bits - 1 - depth)) & 1U);
            n = t.nodes[static_cast<std::size_t>(n)].child[bit];
        }
        return best != nullptr ? &best->policy : nullptr;
    }
};

std::string_view to_string(Action a) noexcept {
    switch (a) {
        case Action::Protect: return "protect";
        case Action::Bypass: return "bypass";
        case Action::Discard: return "discard";
    }
    return "unknown";
}

std::string_view to_string(SpdError e) noexcept {
    switch (e) {
        case SpdError::DuplicateId: return "DuplicateId";
        case SpdError::MixedAddressFamilies: return "MixedAddressFamilies";
        case SpdError::EmptyTemplate: return "EmptyTemplate";
        case SpdError::NoSuchPolicy: return "NoSuchPolicy";
    }
    return "Unknown";
}

Spd::Spd() : in_(std::make_unique<Index>()), out_(std::make_unique<Index>()) {}
Spd::~Spd() = default;
Spd::Spd(Spd&&) noexcept = default;
Spd& Spd::operator=(Spd&&) noexcept = default;

core::Result<std::uint32_t, SpdError> Spd::add(Policy p) {
    using core::fail;
    const Selector& s = p.selector;
    if (s.local.first.version() != s.local.last.version() ||
        s.remote.first.version() != s.remote.last.version() ||
        s.local.first.version() != s.remote.first.version()) {
        return fail(SpdError::MixedAddressFamilies);
    }
    if (p.action == Action::Protect && p.protect.protocols.empty()) return fail(SpdError::EmptyTemplate);
    if (p.id == 0) {
        while (find(next_id_) != nullptr) ++next_id_;
        p.id = next_id_++;
    } else if (find(p.id) != nullptr) {
        return fail(SpdError::DuplicateId);
    }
    const std::uint32_t id = p.id;
    auto e = std::make_unique<Entry>();
    e->order = next_order_++;
    e->policy = std::move(p);
    (e->policy.direction == Direction::Inbound ? *in_ : *out_).insert(std::move(e));
    return id;
}

core::Result<void, SpdError> Spd::remove(std::uint32_t id) {
    for (Index* idx : {in_.get(), out_.get()}) {
        if (idx->by_id.contains(id)) {
            idx->erase(id);
            return {};
        }
    }
    return core::fail(SpdError::NoSuchPolicy);
}

const Policy* Spd::lookup(const PacketFields& f, Direction dir) const noexcept {
    return (dir == Direction::Inbound ? *in_ : *out_).lookup(f, dir);
}

const Policy* Spd::find(std::uint32_t id) const noexcept {
    for (const Index* idx : {in_.get(), out_.get()}) {
        if (auto it = idx->by_id.find(id); it != idx->by_id.end()) return &it->second->policy;
    }
    return nullptr;
}

std::vector<const Policy*> Spd::policies(Direction dir) const {
    const Index& idx = dir == Direction::Inbound ? *in_ : *out_;
    std::vector<const Entry*> es;
    es.reserve(idx.by_id.size());
    for (const auto& [id, e] : idx.by_id) es.push_back(e.get());
    std::sort(es.begin(), es.end(), [](const Entry* a, const Entry* b) { return a->before(*b); });
    std::vector<const Policy*> out;
    out.reserve(es.size());
    for (const Entry* e : es) out.push_back(&e->policy);
    return out;
}

std::size_t Spd::size() const noexcept { return in_->by_id.size() + out_->by_id.size(); }

}  // namespace strata::ipsec
