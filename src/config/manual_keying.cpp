#include "config/manual_keying.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "config/toml_reader.hpp"
#include "core/hex.hpp"

namespace strata::config {

namespace {

using ipsec::Direction;

Direction direction(const toml::value& table) {
    const std::string d = need_string(table, "direction");
    if (d == "out") return Direction::Outbound;
    if (d == "in") return Direction::Inbound;
    refuse(table.at("direction"), "direction must be 'in' or 'out'");
}

ipsec::Mode mode(const toml::value& table, const std::string& key) {
    const std::string m = string_or(table, key, "tunnel");
    if (m == "tunnel") return ipsec::Mode::Tunnel;
    if (m == "transport") return ipsec::Mode::Transport;
    refuse(table.at(key), "mode must be 'tunnel' or 'transport'");
}

ipsec::Protocol protocol_of(const toml::value& at, const std::string& p) {
    if (p == "esp") return ipsec::Protocol::Esp;
    if (p == "ah") return ipsec::Protocol::Ah;
    refuse(at, "protocol must be 'esp' or 'ah'");
}

packet::IpAddress address(const toml::value& table, const std::string& key) {
    const std::string text = need_string(table, key);
    auto a = packet::IpAddress::parse(text);
    if (!a) refuse(table.at(key), "'" + text + "' is not an IP address");
    return *a;
}

ipsec::AddressRange range(const toml::value& table, const std::string& key) {
    const std::string text = need_string(table, key);
    const toml::value& at = table.at(key);
    if (text.find('/') != std::string::npos) {
        auto p = packet::IpPrefix::parse(text);
        if (!p) refuse(at, "'" + text + "' is not a prefix");
        return ipsec::AddressRange::from_prefix(*p);
    }
    // "first-last" (IPv6 addresses contain ':' but never '-').
    if (const auto dash = text.find('-'); dash != std::string::npos) {
        auto lo = packet::IpAddress::parse(text.substr(0, dash));
        auto hi = packet::IpAddress::parse(text.substr(dash + 1));
        if (!lo || !hi || lo->version() != hi->version() || *hi < *lo)
            refuse(at, "'" + text + "' is not a range");
        return {*lo, *hi};
    }
    auto a = packet::IpAddress::parse(text);
    if (!a) refuse(at, "'" + text + "' is not an address, prefix or range");
    return {*a, *a};
}

std::uint16_t port_number(const toml::value& at, std::string_view s) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v > 65535)
        refuse(at, "bad port '" + std::string(s) + "'");
    return static_cast<std::uint16_t>(v);
}

ipsec::PortRange ports(const toml::value& table, const std::string& key) {
    if (!table.contains(key)) return {};
    const toml::value& at = table.at(key);
    if (at.is_integer()) {
        const std::int64_t p = int_or(table, key, 0, 0, 65535);
        return {static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(p)};
    }
    const std::string text = need_string(table, key);
    if (text == "any") return {};
    const auto dash = text.find('-');
    if (dash == std::string::npos) {
        const std::uint16_t p = port_number(at, text);
        return {p, p};
    }
    const ipsec::PortRange r{port_number(at, std::string_view(text).substr(0, dash)),
                             port_number(at, std::string_view(text).substr(dash + 1))};
    if (r.last < r.first) refuse(at, "port range '" + text + "' runs backwards");
    return r;
}

std::uint8_t ip_protocol(const toml::value& table) {
    if (!table.contains("protocol")) return ipsec::kAnyProtocol;
    const toml::value& at = table.at("protocol");
    if (at.is_integer()) return static_cast<std::uint8_t>(int_or(table, "protocol", 0, 0, 255));
    const std::string p = need_string(table, "protocol");
    if (p == "any") return ipsec::kAnyProtocol;
    if (p == "icmp") return 1;
    if (p == "tcp") return 6;
    if (p == "udp") return 17;
    if (p == "sctp") return 132;
    if (p == "ipv6-icmp" || p == "icmpv6") return 58;
    refuse(at, "unknown protocol '" + p + "' (any, icmp, tcp, udp, sctp, ipv6-icmp or a number)");
}

core::SecretBytes key_bytes(const toml::value& table, const std::string& key) {
    if (!table.contains(key)) return {};
    std::string text = need_string(table, key);
    if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) text.erase(0, 2);
    auto b = core::from_hex(text);
    if (!b) refuse(table.at(key), "'" + key + "' is not hex");
    core::SecretBytes s{core::ByteView(*b)};
    core::wipe(*b);
    return s;
}

ipsec::LifetimeLimits limits(const toml::value& lt, const char* prefix) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const std::string p(prefix);
    ipsec::LifetimeLimits l;
    l.bytes = static_cast<std::uint64_t>(int_or(lt, p + "_bytes", 0, 0, kMax));
    l.packets = static_cast<std::uint64_t>(int_or(lt, p + "_packets", 0, 0, kMax));
    l.time = std::chrono::seconds(int_or(lt, p + "_seconds", 0, 0, kMax / 1'000'000'000));
    return l;
}

ipsec::SaConfig parse_sa(const toml::value& t) {
    ipsec::SaConfig c;
    c.spi =
        static_cast<std::uint32_t>(int_or(t, "spi", 0, 256, 0xffffffff));  // 1..255 reserved (RFC 4303 §2.1)
    if (!t.contains("spi")) refuse(t, "missing key 'spi'");
    c.direction = direction(t);
    c.protocol = protocol_of(t, string_or(t, "protocol", "esp"));
    c.mode = mode(t, "mode");
    c.src = address(t, "src");
    c.dst = address(t, "dst");
    if (t.contains("encryption")) {
        const std::string e = need_string(t, "encryption");
        c.encryption = crypto::find_encryption(e);
        if (c.encryption == nullptr) refuse(t.at("encryption"), "unknown encryption algorithm '" + e + "'");
    }
    if (t.contains("integrity")) {
        const std::string i = need_string(t, "integrity");
        c.integrity = crypto::find_integrity(i);
        if (c.integrity == nullptr) refuse(t.at("integrity"), "unknown integrity algorithm '" + i + "'");
    }
    c.encryption_key = key_bytes(t, "encryption_key");
    c.integrity_key = key_bytes(t, "integrity_key");
    c.esn = bool_or(t, "esn", false);
    c.replay_window =
        static_cast<std::uint32_t>(int_or(t, "replay_window", ipsec::ReplayWindow::kDefaultSize,
                                          ipsec::ReplayWindow::kMinSize, ipsec::ReplayWindow::kMaxSize));
    c.reqid = static_cast<std::uint32_t>(int_or(t, "reqid", 0, 0, 0xffffffff));
    c.tunnel_ttl = static_cast<std::uint8_t>(int_or(t, "tunnel_ttl", 64, 1, 255));
    // swanctl's copy_dscp (RFC 4301 §5.1.2.1) and copy_ecn (RFC 6040).
    const std::string dscp = string_or(t, "copy_dscp", "out");
    auto copy = ipsec::parse_dscp_copy(dscp);
    if (!copy) refuse(t.at("copy_dscp"), "copy_dscp must be 'out', 'in', 'yes' or 'no'");
    c.copy_dscp = *copy;
    c.copy_ecn = bool_or(t, "copy_ecn", true);
    if (t.contains("udp_encap")) {
        const toml::value& u = t.at("udp_encap");
        if (u.is_boolean()) {
            if (u.as_boolean()) c.udp_encap = ipsec::UdpEncapsulation{};
        } else if (u.is_table()) {
            c.udp_encap =
                ipsec::UdpEncapsulation{static_cast<std::uint16_t>(int_or(u, "src_port", 4500, 1, 65535)),
                                        static_cast<std::uint16_t>(int_or(u, "dst_port", 4500, 1, 65535))};
        } else {
            refuse(u, "udp_encap must be true/false or { src_port, dst_port }");
        }
    }
    if (t.contains("lifetime")) {
        const toml::value& lt = t.at("lifetime");
        if (!lt.is_table()) refuse(lt, "lifetime must be a table");
        c.lifetimes.soft = limits(lt, "soft");
        c.lifetimes.hard = limits(lt, "hard");
    }
    return c;
}

ipsec::Policy parse_policy(const toml::value& t, std::uint32_t order) {
    ipsec::Policy p;
    p.name = string_or(t, "name", "");
    p.direction = direction(t);
    p.priority = static_cast<std::uint32_t>(int_or(t, "priority", order, 0, 0xffffffff));
    p.selector.local = range(t, "local");
    p.selector.remote = range(t, "remote");
    if (p.selector.local.first.version() != p.selector.remote.first.version()) {
        refuse(t, "local and remote must be of one IP version");
    }
    p.selector.protocol = ip_protocol(t);
    p.selector.local_ports = ports(t, "local_ports");
    p.selector.remote_ports = ports(t, "remote_ports");
    if (t.contains("icmp_type"))
        p.selector.icmp_type = static_cast<std::uint8_t>(int_or(t, "icmp_type", 0, 0, 255));
    if (t.contains("icmp_code"))
        p.selector.icmp_code = static_cast<std::uint8_t>(int_or(t, "icmp_code", 0, 0, 255));
    const std::string a = need_string(t, "action");
    if (a == "protect") {
        p.action = ipsec::Action::Protect;
    } else if (a == "bypass") {
        p.action = ipsec::Action::Bypass;
    } else if (a == "discard") {
        p.action = ipsec::Action::Discard;
    } else {
        refuse(t.at("action"), "action must be protect, bypass or discard");
    }
    if (p.action == ipsec::Action::Protect) {
        p.protect.protocols.clear();
        if (t.contains("protect")) {
            const toml::value& list = t.at("protect");
            if (!list.is_array() || list.as_array().empty())
                refuse(list, "protect must be a list like [\"esp\"]");
            for (const auto& item : list.as_array()) {
                if (!item.is_string()) refuse(item, "protect lists 'esp' and/or 'ah'");
                p.protect.protocols.push_back(protocol_of(item, item.as_string().str));
            }
        } else {
            p.protect.protocols.push_back(ipsec::Protocol::Esp);
        }
        p.protect.mode = mode(t, "mode");
        if (p.protect.mode == ipsec::Mode::Tunnel) {
            p.protect.tunnel_src = address(t, "tunnel_src");
            p.protect.tunnel_dst = address(t, "tunnel_dst");
        }
        p.protect.reqid = static_cast<std::uint32_t>(int_or(t, "reqid", 0, 1, 0xffffffff));
        if (!t.contains("reqid")) refuse(t, "a protect policy needs a reqid naming its SAs");
    }
    return p;
}

}  // namespace

core::Result<ManualKeying, ConfigError> parse_manual_keying(std::string_view text,
                                                            const std::string& origin) {
    ManualKeying mk;
    try {
        auto doc = parse_toml(text, origin);
        if (!doc) return core::fail(doc.error());
        const toml::value& root = doc.value();
        for (const auto& [key, v] : root.as_table()) {
            if (key != "sa" && key != "policy")
                refuse(v, "unknown section '" + key + "' (expected [[sa]] or [[policy]])");
        }
        if (root.contains("sa")) {
            for (const auto& t : toml::find<toml::array>(root, "sa")) {
                mk.sa_names.push_back(string_or(t, "name", "sa" + std::to_string(mk.sas.size() + 1)));
                mk.sas.push_back(parse_sa(t));
            }
        }
        if (root.contains("policy")) {
            std::uint32_t order = 0;
            for (const auto& t : toml::find<toml::array>(root, "policy"))
                mk.policies.push_back(parse_policy(t, order++));
        }
    } catch (const Refused& r) {
        return core::fail(ConfigError{r.message});
    } catch (const toml::exception& e) {
        return core::fail(ConfigError{e.what()});
    } catch (const std::exception& e) {
        return core::fail(ConfigError{origin + ": " + e.what()});
    }
    return mk;
}

core::Result<ManualKeying, ConfigError> load_manual_keying(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::fail(ConfigError{path + ": cannot open"});
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_manual_keying(ss.str(), path);
}

core::Result<void, ConfigError> install(ManualKeying& mk, ipsec::Sad& sad, ipsec::Spd& spd,
                                        core::Instant now) {
    for (std::size_t i = 0; i < mk.sas.size(); ++i) {
        auto sa = ipsec::SecurityAssociation::create(std::move(mk.sas[i]), now);
        if (!sa) {
            return core::fail(
                ConfigError{"sa '" + mk.sa_names[i] + "': " + std::string(ipsec::to_string(sa.error()))});
        }
        auto r = sad.install(std::move(sa).value());
        if (!r)
            return core::fail(
                ConfigError{"sa '" + mk.sa_names[i] + "': " + std::string(ipsec::to_string(r.error()))});
    }
    mk.sas.clear();
    for (auto& p : mk.policies) {
        const std::string name = p.name;
        auto r = spd.add(std::move(p));
        if (!r)
            return core::fail(
                ConfigError{"policy '" + name + "': " + std::string(ipsec::to_string(r.error()))});
    }
    mk.policies.clear();
    return {};
}

}  // namespace strata::config
