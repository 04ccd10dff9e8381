#include "ike/v1/client_id.hpp"

#include <array>

namespace strata::ike::v1 {

namespace {
using core::fail;

// prefix_length returns the prefix length of a range, or -1 if it is not a prefix.
int prefix_length(const ipsec::AddressRange& r) {
    const auto bits = static_cast<unsigned>(r.first.size() * 8);
    for (unsigned len = 0; len <= bits; ++len) {
        auto p = packet::IpPrefix::make(r.first, len);
        if (!p || !(p->address() == r.first)) continue;
        if (ipsec::AddressRange::from_prefix(*p) == r) return static_cast<int>(len);
    }
    return -1;
}

core::Bytes mask_bytes(unsigned len, std::size_t size) {
    core::Bytes m(size, 0);
    for (unsigned i = 0; i < len; ++i) m[i / 8] = static_cast<std::uint8_t>(m[i / 8] | (0x80u >> (i % 8)));
    return m;
}

// mask_length returns the length of a contiguous mask, or -1.
int mask_length(core::ByteView m) {
    int len = 0;
    bool zeros = false;
    for (std::uint8_t b : m) {
        for (int i = 7; i >= 0; --i) {
            const bool bit = ((b >> i) & 1) != 0;
            if (bit && zeros) return -1;
            if (bit) ++len;
            if (!bit) zeros = true;
        }
    }
    return len;
}
}  // namespace

IdPayload client_id(const TrafficSelector& ts) {
    IdPayload id;
    id.protocol = ts.protocol;
    // RFC 2407 §4.6.2: one port or zero; a range of ports cannot be said.
    id.port = ts.ports.first == ts.ports.last ? ts.ports.first : 0;
    const bool v4 = ts.addresses.first.is_v4();
    const auto first = ts.addresses.first.bytes();
    const int len = prefix_length(ts.addresses);
    if (ts.addresses.first == ts.addresses.last) {
        id.type = static_cast<std::uint8_t>(v4 ? IdType::Ipv4Addr : IdType::Ipv6Addr);
        id.data.assign(first.begin(), first.end());
    } else if (len >= 0) {
        id.type = static_cast<std::uint8_t>(v4 ? IdType::Ipv4AddrSubnet : IdType::Ipv6AddrSubnet);
        id.data.assign(first.begin(), first.end());
        const auto m = mask_bytes(static_cast<unsigned>(len), first.size());
        id.data.insert(id.data.end(), m.begin(), m.end());
    } else {
        id.type = static_cast<std::uint8_t>(v4 ? IdType::Ipv4AddrRange : IdType::Ipv6AddrRange);
        id.data.assign(first.begin(), first.end());
        const auto last = ts.addresses.last.bytes();
        id.data.insert(id.data.end(), last.begin(), last.end());
    }
    return id;
}

core::Result<TrafficSelector, Error> selector_of(const IdPayload& id) {
    TrafficSelector ts;
    ts.protocol = id.protocol;
    if (id.port != 0) ts.ports = ipsec::PortRange{id.port, id.port};
    const core::ByteView d(id.data);
    auto addr = [&](std::size_t at, std::size_t n) {
        return packet::IpAddress::from_bytes(d.subspan(at, n));
    };
    switch (static_cast<IdType>(id.type)) {
        case IdType::Ipv4Addr:
        case IdType::Ipv6Addr: {
            const std::size_t n = id.type == static_cast<std::uint8_t>(IdType::Ipv4Addr) ? 4 : 16;
            if (d.size() != n) return fail(Error::InvalidIdInformation);
            auto a = addr(0, n);
            if (!a) return fail(Error::InvalidIdInformation);
            ts.addresses = ipsec::AddressRange{*a, *a};
            return ts;
        }
        case IdType::Ipv4AddrSubnet:
        case IdType::Ipv6AddrSubnet: {
            const std::size_t n = id.type == static_cast<std::uint8_t>(IdType::Ipv4AddrSubnet) ? 4 : 16;
            if (d.size() != 2 * n) return fail(Error::InvalidIdInformation);
            const int len = mask_length(d.subspan(n, n));
            auto a = addr(0, n);
            if (len < 0 || !a) return fail(Error::InvalidIdInformation);
            auto p = packet::IpPrefix::make(*a, static_cast<unsigned>(len));
            if (!p) return fail(Error::InvalidIdInformation);
            ts.addresses = ipsec::AddressRange::from_prefix(*p);
            return ts;
        }
        case IdType::Ipv4AddrRange:
        case IdType::Ipv6AddrRange: {
            const std::size_t n = id.type == static_cast<std::uint8_t>(IdType::Ipv4AddrRange) ? 4 : 16;
            if (d.size() != 2 * n) return fail(Error::InvalidIdInformation);
            auto a = addr(0, n);
            auto b = addr(n, n);
            if (!a || !b || *b < *a) return fail(Error::InvalidIdInformation);
            ts.addresses = ipsec::AddressRange{*a, *b};
            return ts;
        }
        default: return fail(Error::InvalidIdInformation);
    }
}

IdPayload identity_payload(const Identity& id) {
    IdPayload p;
    p.type = static_cast<std::uint8_t>(id.type);  // ike::IdType shares RFC 2407's numbers
    p.data = id.data;
    return p;
}

core::Result<Identity, Error> identity_of(const IdPayload& id) {
    Identity out;
    switch (static_cast<IdType>(id.type)) {
        case IdType::Ipv4Addr:
            if (id.data.size() != 4) return fail(Error::InvalidIdInformation);
            out.type = ike::IdType::Ipv4;
            break;
        case IdType::Ipv6Addr:
            if (id.data.size() != 16) return fail(Error::InvalidIdInformation);
            out.type = ike::IdType::Ipv6;
            break;
        case IdType::Fqdn: out.type = ike::IdType::Fqdn; break;
        case IdType::UserFqdn: out.type = ike::IdType::Rfc822; break;
        case IdType::DerAsn1Dn: out.type = ike::IdType::DerAsn1Dn; break;
        case IdType::KeyId: out.type = ike::IdType::KeyId; break;
        default: return fail(Error::InvalidIdInformation);
    }
    // RFC 2407 §4.6.2: protocol and port are 0, or UDP and 500.
    if (!(id.protocol == 0 && id.port == 0) && !(id.protocol == 17 && (id.port == 500 || id.port == 0)))
        return fail(Error::InvalidIdInformation);
    out.data = id.data;
    return out;
}

}  // namespace strata::ike::v1
