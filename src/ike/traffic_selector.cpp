#include "ike/traffic_selector.hpp"

#include <algorithm>

namespace strata::ike {

TrafficSelector from_prefix(const packet::IpPrefix& prefix) noexcept {
    return TrafficSelector{ipsec::AddressRange::from_prefix(prefix), 0, {}};
}

std::optional<std::vector<TrafficSelector>> parse_traffic_selectors(std::string_view text) {
    std::vector<TrafficSelector> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view one = text.substr(0, comma);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
        auto p = packet::IpPrefix::parse(one);
        if (!p) return std::nullopt;
        out.push_back(from_prefix(*p));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) noexcept {
    if (a.addresses.first.version() != b.addresses.first.version()) return std::nullopt;
    TrafficSelector r;
    r.addresses.first = std::max(a.addresses.first, b.addresses.first);
    r.addresses.last = std::min(a.addresses.last, b.addresses.last);
    if (r.addresses.last < r.addresses.first) return std::nullopt;
    if (a.protocol != 0 && b.protocol != 0 && a.protocol != b.protocol) return std::nullopt;
    r.protocol = a.protocol != 0 ? a.protocol : b.protocol;
    r.ports.first = std::max(a.ports.first, b.ports.first);
    r.ports.last = std::min(a.ports.last, b.ports.last);
    if (r.ports.last < r.ports.first) return std::nullopt;
    return r;
}

std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& offered,
                                    const std::vector<TrafficSelector>& configured) {
    std::vector<TrafficSelector> out;
    for (const auto& o : offered) {
        for (const auto& c : configured) {
            if (auto r = intersect(o, c); r && std::find(out.begin(), out.end(), *r) == out.end())
                out.push_back(*r);
        }
    }
    return out;
}

namespace {

// prefix_length returns L if [first, last] is exactly a /L prefix.
std::optional<unsigned> prefix_length(const ipsec::AddressRange& r) {
    const unsigned bits = r.first.is_v4() ? 32U : 128U;
    for (unsigned len = 0; len <= bits; ++len) {
        auto p = packet::IpPrefix::make(r.first, len);
        if (!p || p->address() != r.first) continue;
        if (ipsec::AddressRange::from_prefix(*p) == r) return len;
    }
    return std::nullopt;
}

}  // namespace

std::string to_string(const TrafficSelector& ts) {
    std::string s;
    if (auto len = prefix_length(ts.addresses)) {
        s = ts.addresses.first.to_string() + "/" + std::to_string(*len);
    } else {
        s = ts.addresses.to_string();
    }
    if (ts.protocol != 0 || !ts.ports.any()) {
        s += "[" + std::to_string(ts.protocol);
        if (!ts.ports.any()) s += "/" + std::to_string(ts.ports.first) + "-" + std::to_string(ts.ports.last);
        s += "]";
    }
    return s;
}

std::vector<ipsec::Selector> to_ipsec_selectors(const std::vector<TrafficSelector>& local,
                                                const std::vector<TrafficSelector>& remote) {
    std::vector<ipsec::Selector> out;
    for (const auto& l : local) {
        for (const auto& r : remote) {
            if (l.addresses.first.version() != r.addresses.first.version()) continue;
            ipsec::Selector s;
            s.local = l.addresses;
            s.remote = r.addresses;
            s.protocol = l.protocol != 0 ? l.protocol : r.protocol;
            s.local_ports = l.ports;
            s.remote_ports = r.ports;
            out.push_back(s);
        }
    }
    return out;
}

}  // namespace strata::ike
