#include "ipsec/spd.hpp"

#include <algorithm>
#include <array>
#include <functional>
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

// PrefixKey is one prefix of the remote address: its value (host bits zero)
// and its length.
struct PrefixKey {
    u128 value = 0;
    unsigned len = 0;
    friend bool operator==(const PrefixKey&, const PrefixKey&) = default;
};

struct PrefixKeyHash {
    std::size_t operator()(const PrefixKey& k) const noexcept {
        const auto lo = static_cast<std::uint64_t>(k.value);
        const auto hi = static_cast<std::uint64_t>(k.value >> 64);
        return static_cast<std::size_t>((lo * 0x9e3779b97f4a7c15ULL) ^ (hi * 0xc2b2ae3d27d4eb4fULL) ^ k.len);
    }
};

struct Entry {
    Policy policy;
    std::uint64_t order = 0;
    std::vector<PrefixKey> prefixes;  // where the index holds this entry
    [[nodiscard]] bool before(const Entry& o) const noexcept {
        return policy.priority != o.policy.priority ? policy.priority < o.policy.priority : order < o.order;
    }
};

u128 mask_of(unsigned len, unsigned bits) noexcept {
    if (len == 0) return 0;
    const u128 all = bits == 128 ? ~u128{0} : (u128{1} << bits) - 1;
    return all & ~((u128{1} << (bits - len)) - 1);
}

// Table indexes policies by the prefixes their remote range splits into: one
// hash map from prefix to the policies there (best first), and the set of
// prefix lengths in use. A lookup probes one map entry per length in use, so
// its cost follows how many different lengths the policies have, not how
// many policies there are.
struct Table {
    explicit Table(unsigned address_bits) : bits(address_bits) {}
    unsigned bits;
    std::unordered_map<PrefixKey, std::vector<const Entry*>, PrefixKeyHash> prefixes;
    std::array<std::uint32_t, 129> length_uses{};
    std::vector<unsigned> lengths;  // lengths with length_uses > 0, longest first

    // Flat is the lookup copy of `prefixes`: open addressing in one array, the
    // best policy of each prefix stored in its slot, so a probe costs one
    // cache line (plus the policy itself) even with 100,000 policies. It is
    // rebuilt on the first lookup after a change.
    struct Slot {
        u128 value = 0;
        std::uint32_t len = 0;
        std::uint32_t used = 0;
        const Entry* first = nullptr;                    // best policy of the prefix
        const std::vector<const Entry*>* all = nullptr;  // every policy of it, best first
        Selector first_selector;                         // a copy of first's, on the same lines
    };
    mutable std::vector<Slot> flat;
    mutable std::size_t flat_mask = 0;
    mutable bool dirty = true;

    void rebuild() const {
        std::size_t cap = 16;
        while (cap < prefixes.size() * 2) cap <<= 1;
        flat.assign(cap, Slot{});
        flat_mask = cap - 1;
        for (const auto& [k, list] : prefixes) {
            std::size_t i = PrefixKeyHash{}(k)&flat_mask;
            while (flat[i].used != 0) i = (i + 1) & flat_mask;
            flat[i] = Slot{k.value, k.len, 1, list.front(), &list, list.front()->policy.selector};
        }
        dirty = false;
    }

    const Slot* find(const PrefixKey& k) const noexcept {
        if (dirty) rebuild();
        for (std::size_t i = PrefixKeyHash{}(k)&flat_mask;; i = (i + 1) & flat_mask) {
            const Slot& sl = flat[i];
            if (sl.used == 0) return nullptr;
            if (sl.value == k.value && sl.len == k.len) return &sl;
        }
    }

    void add(const PrefixKey& k, const Entry* e) {
        dirty = true;
        auto& list = prefixes[k];
        list.insert(std::upper_bound(list.begin(), list.end(), e,
                                     [](const Entry* a, const Entry* b) { return a->before(*b); }),
                    e);
        if (length_uses[k.len]++ == 0) {
            lengths.insert(std::upper_bound(lengths.begin(), lengths.end(), k.len, std::greater<>()), k.len);
        }
    }
    void erase(const PrefixKey& k, const Entry* e) {
        dirty = true;
        auto it = prefixes.find(k);
        std::erase(it->second, e);
        if (it->second.empty()) prefixes.erase(it);
        if (--length_uses[k.len] == 0) std::erase(lengths, k.len);
    }
};

}  // namespace

struct Spd::Index {
    std::unordered_map<std::uint32_t, std::unique_ptr<Entry>> by_id;
    Table v4{32};
    Table v6{128};

    Table& table(packet::IpVersion v) { return v == packet::IpVersion::V4 ? v4 : v6; }
    const Table& table(packet::IpVersion v) const { return v == packet::IpVersion::V4 ? v4 : v6; }

    void insert(std::unique_ptr<Entry> e) {
        const AddressRange& r = e->policy.selector.remote;
        Table& t = table(r.first.version());
        for (const Prefix& p : split_range(to_u128(r.first), to_u128(r.last), t.bits)) {
            const PrefixKey k{p.value, p.len};
            t.add(k, e.get());
            e->prefixes.push_back(k);
        }
        const std::uint32_t id = e->policy.id;
        by_id.emplace(id, std::move(e));
    }

    void erase(std::uint32_t id) {
        auto it = by_id.find(id);
        Table& t = table(it->second->policy.selector.remote.first.version());
        for (const PrefixKey& k : it->second->prefixes) t.erase(k, it->second.get());
        by_id.erase(it);
    }

    const Policy* lookup(const PacketFields& f, Direction dir) const noexcept {
        const packet::IpAddress& remote = dir == Direction::Outbound ? f.dst : f.src;
        const Table& t = table(remote.version());
        const u128 addr = to_u128(remote);
        const Entry* best = nullptr;
        for (unsigned len : t.lengths) {
            const Table::Slot* sl = t.find(PrefixKey{addr & mask_of(len, t.bits), len});
            if (sl == nullptr) continue;
            if (best != nullptr && !sl->first->before(*best)) continue;  // nothing here beats best
            if (matches(sl->first_selector, f, dir)) {
                best = sl->first;
                continue;
            }
            for (const Entry* e : *sl->all) {
                if (best != nullptr && !e->before(*best)) break;  // the rest come later still
                if (matches(e->policy.selector, f, dir)) {
                    best = e;
                    break;
                }
            }
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
