#include "gateway/config.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/toml_reader.hpp"
#include "core/hex.hpp"
#include "crypto/hash.hpp"
#include "gateway/ike_config.hpp"
#include "ike/identity.hpp"
#include "ike/v2/certificates.hpp"

namespace strata::gateway {

namespace {

using config::check_keys;
using config::int_or;
using config::need;
using config::need_string;
using config::refuse;
using config::Refused;
using config::string_or;
using config::strings;

__extension__ typedef unsigned __int128 u128;  // NOLINT(modernize-use-using): __extension__ needs typedef

SourceRef ref(const toml::value& v) {
    const toml::source_location loc = v.location();
    return SourceRef{loc.file_name(), static_cast<std::uint32_t>(loc.line())};
}

// seconds reads a duration: an integer number of seconds, or a string with
// a unit as swanctl writes it ("90s", "30m", "4h", "1d").
std::chrono::seconds seconds_or(const toml::value& table, const std::string& key,
                                std::chrono::seconds fallback) {
    if (!table.contains(key)) return fallback;
    const toml::value& v = table.at(key);
    constexpr std::int64_t kMax = 10LL * 365 * 24 * 3600;  // ten years
    if (v.is_integer()) return std::chrono::seconds(int_or(table, key, 0, 0, kMax));
    if (!v.is_string()) refuse(v, "'" + key + R"(' must be seconds or a string like "4h")");
    const std::string& s = v.as_string().str;
    std::int64_t n = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        n = n * 10 + (s[i] - '0');
        if (n > kMax) refuse(v, "'" + key + "' is too long");
    }
    if (i == 0) refuse(v, "'" + key + "': '" + s + R"(' is not a duration (e.g. "90s", "30m", "4h", "1d"))");
    const std::string unit = s.substr(i);
    std::int64_t mul = 0;
    if (unit.empty() || unit == "s") mul = 1;
    if (unit == "m") mul = 60;
    if (unit == "h") mul = 3600;
    if (unit == "d") mul = 86400;
    if (mul == 0) refuse(v, "'" + key + "': unknown unit '" + unit + "' (s, m, h or d)");
    if (n > kMax / mul) refuse(v, "'" + key + "' is too long");
    return std::chrono::seconds(n * mul);
}

packet::IpAddress address_of(const toml::value& at, const std::string& text) {
    auto a = packet::IpAddress::parse(text);
    if (!a) refuse(at, "'" + text + "' is not an IP address");
    return *a;
}

std::vector<packet::IpPrefix> selectors(const toml::value& table, const std::string& key) {
    std::vector<packet::IpPrefix> out;
    for (const auto& s : strings(table, key)) {
        auto p = packet::IpPrefix::parse(s);
        if (!p) refuse(table.at(key), fmt::format("'{}' in {} is not a subnet (like 192.0.2.0/24)", s, key));
        out.push_back(*p);
    }
    if (out.empty())
        refuse(table.contains(key) ? table.at(key) : table, "'" + key + "' needs at least one subnet");
    return out;
}

std::string resolve(const std::string& base_dir, const std::string& p) {
    if (p.empty() || p.front() == '/' || base_dir.empty()) return p;
    return (std::filesystem::path(base_dir) / p).string();
}

// check_secret_file refuses a secret that others could read: it must be a
// regular file owned by root (or by us, when not root) with no group or
// other permissions, as ssh does for private keys.
void check_secret_file(const toml::value& at, const std::string& path, const char* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) refuse(at, std::string(what) + " '" + path + "' cannot be read");
    if (!S_ISREG(st.st_mode)) refuse(at, std::string(what) + " '" + path + "' is not a regular file");
    if (st.st_uid != 0 && st.st_uid != ::geteuid())
        refuse(at, std::string(what) + " '" + path + "' must be owned by root");
    if ((st.st_mode & 077) != 0)
        refuse(at, std::string(what) + " '" + path + "' is readable by others (chmod 600 it)");
}

// read_small reads a certificate or key file: a regular file (not a
// device that never ends) of at most kMaxConfigBytes.
std::string read_small(const toml::value& at, const std::string& path, const char* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) refuse(at, std::string(what) + " '" + path + "' cannot be read");
    if (!S_ISREG(st.st_mode)) refuse(at, std::string(what) + " '" + path + "' is not a regular file");
    std::ifstream f(path, std::ios::binary);
    if (!f) refuse(at, std::string(what) + " '" + path + "' cannot be read");
    std::string text(kMaxConfigBytes + 1, '\0');
    f.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(f.gcount()));
    if (text.size() > kMaxConfigBytes) refuse(at, std::string(what) + " '" + path + "' is larger than 1 MiB");
    return text;
}

std::string utc(core::WallTime t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// load_pubkey reads and checks a peer's certificate material (auth =
// "pubkey"): cert holds our certificate first and then any intermediates
// (sent in that order, RFC 7296 §3.6), valid now; key is a private key
// that only root can read and that belongs to that certificate; cacert
// holds the trust anchor(s) the peer's chain must reach (RFC 5280 §6).
void load_pubkey(const toml::value& t, const std::string& base_dir, AuthConfig& a) {
    const toml::value& cert_at = t.at("cert");
    const toml::value& key_at = t.at("key");
    const toml::value& ca_at = t.at("cacert");
    a.cert = resolve(base_dir, need_string(t, "cert"));
    a.key = resolve(base_dir, need_string(t, "key"));
    a.cacert = resolve(base_dir, need_string(t, "cacert"));

    auto certs = crypto::Certificate::all_from_pem(read_small(cert_at, a.cert, "cert"));
    if (!certs) refuse(cert_at, "cert '" + a.cert + "' holds no PEM certificate, or a malformed one");
    a.certs = std::move(certs).value();
    const crypto::Certificate& own = a.certs.front();
    const core::WallTime now = std::chrono::system_clock::now();
    if (now < own.not_before() || now > own.not_after())
        refuse(cert_at, "cert '" + a.cert + "' (\"" + own.subject() + "\") is valid from " +
                            utc(own.not_before()) + " to " + utc(own.not_after()) + ", not now");

    check_secret_file(key_at, a.key, "key");
    std::string key_pem = read_small(key_at, a.key, "key");
    auto key = crypto::PrivateKey::from_pem(key_pem);
    std::fill(key_pem.begin(), key_pem.end(), '\0');
    if (!key) refuse(key_at, "key '" + a.key + "' holds no PEM private key, or a malformed one");
    auto own_pub = own.public_key();
    auto key_pub = key->public_key();
    if (!own_pub || !key_pub || !own_pub->equals(*key_pub))
        refuse(key_at, "key '" + a.key + "' is not the private key of cert '" + a.cert + "' (\"" +
                           own.subject() + "\")");
    a.private_key = std::make_shared<const crypto::PrivateKey>(std::move(key).value());

    auto cas = crypto::Certificate::all_from_pem(read_small(ca_at, a.cacert, "cacert"));
    if (!cas) refuse(ca_at, "cacert '" + a.cacert + "' holds no PEM certificate, or a malformed one");
    a.cacerts = std::move(cas).value();
    crypto::TrustStore store;
    for (const auto& ca : a.cacerts) {
        if (!store.add(ca))
            refuse(ca_at, "cacert '" + a.cacert + "': \"" + ca.subject() + "\" is not usable");
    }

    core::Bytes all;
    for (const auto* list : {&a.certs, &a.cacerts}) {
        for (const auto& c : *list) {
            auto der = c.to_der();
            if (der) all.insert(all.end(), der->begin(), der->end());
        }
    }
    auto h = crypto::digest(crypto::HashAlg::Sha256, all);
    a.fingerprint = h ? core::to_hex(*h) : std::string();
}

// check_identity refuses an identity that does not parse, and with
// certificates a local_id that our certificate does not certify: the peer
// would refuse it (RFC 4945 §3.1, RFC 7296 §3.5).
void check_identities(const toml::value& t, const PeerConfig& p) {
    for (const char* k : {"local_id", "remote_id"}) {
        if (!t.contains(k)) continue;
        const std::string text = need_string(t, k);
        if (!ike::parse_identity(text))
            refuse(t.at(k), std::string(k) + " '" + text +
                                "' is not an identity (an IP address, an FQDN, user@host, or a DN like "
                                "\"dn:O=Org, CN=host\")");
    }
    if (p.auth.method != AuthMethod::PubKey || p.local_id.empty()) return;
    const auto id = *ike::parse_identity(p.local_id);
    if (!ike::v2::identity_matches(p.auth.certs.front(), id))
        refuse(t.at("local_id"), "local_id '" + p.local_id + "' is not certified by cert '" + p.auth.cert +
                                     "' (\"" + p.auth.certs.front().subject() +
                                     "\"): use its subject DN or one of its subjectAltNames");
}

// check_proposal validates one proposal string. IKE proposals need a DH
// group, and a PRF with an AEAD (RFC 7296 §3.3.3; strongSwan takes the PRF
// from the integrity algorithm otherwise). ESP proposals have no PRF; a DH
// group there asks for PFS on rekeying.
void check_proposal(const toml::value& at, const std::string& text, bool ike) {
    std::string bad;
    auto p = crypto::parse_proposal(text, &bad);
    if (!p) {
        std::string why = "proposal '" + text + "': " + std::string(crypto::to_string(p.error()));
        if (!bad.empty()) why += " ('" + bad + "')";
        refuse(at, why);
    }
    const bool aead = std::any_of(p->encryption.begin(), p->encryption.end(),
                                  [](const crypto::EncryptionInfo* e) { return e->aead; });
    if (!aead && p->integrity.empty()) refuse(at, "proposal '" + text + "' needs an integrity algorithm");
    if (ike) {
        if (p->dh.empty())
            refuse(at, "IKE proposal '" + text + "' needs a Diffie-Hellman group (e.g. ecp256)");
        if (aead && p->prf.empty())
            refuse(at, "IKE proposal '" + text + "' with an AEAD needs a PRF (e.g. prfsha256)");
    } else if (!p->prf.empty()) {
        refuse(at, "ESP proposal '" + text + "' cannot have a PRF");
    }
}

ChildConfig parse_child(const std::string& name, const toml::value& t) {
    if (!t.is_table()) refuse(t, "child '" + name + "' must be a table");
    check_keys(t,
               {"local_ts", "remote_ts", "mode", "esp_proposals", "rekey_time", "life_time", "rekey_bytes",
                "life_bytes", "rekey_packets", "life_packets", "replay_window", "start_action", "copy_dscp",
                "copy_ecn"},
               "child '" + name + "'");
    ChildConfig c;
    c.name = name;
    c.at = ref(t);
    c.local_ts = selectors(t, "local_ts");
    c.remote_ts = selectors(t, "remote_ts");
    const std::string mode = string_or(t, "mode", "tunnel");
    if (mode == "tunnel") {
        c.mode = ipsec::Mode::Tunnel;
    } else if (mode == "transport") {
        c.mode = ipsec::Mode::Transport;
    } else {
        refuse(t.at("mode"), "mode must be 'tunnel' or 'transport'");
    }
    c.esp_proposals = strings(t, "esp_proposals");
    if (c.esp_proposals.empty())
        c.esp_proposals = {"aes128gcm16", "aes128-sha256"};  // swanctl's default spirit
    for (const auto& p : c.esp_proposals)
        check_proposal(t.contains("esp_proposals") ? t.at("esp_proposals") : t, p, false);
    c.lifetimes.rekey_time = seconds_or(t, "rekey_time", c.lifetimes.rekey_time);
    c.lifetimes.life_time = seconds_or(t, "life_time", c.lifetimes.rekey_time * 11 / 10);
    if (c.lifetimes.life_time.count() != 0 && c.lifetimes.rekey_time > c.lifetimes.life_time)
        refuse(t, "rekey_time must not be longer than life_time");
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    c.lifetimes.rekey_bytes = static_cast<std::uint64_t>(int_or(t, "rekey_bytes", 0, 0, kMax));
    c.lifetimes.life_bytes = static_cast<std::uint64_t>(int_or(t, "life_bytes", 0, 0, kMax));
    c.lifetimes.rekey_packets = static_cast<std::uint64_t>(int_or(t, "rekey_packets", 0, 0, kMax));
    c.lifetimes.life_packets = static_cast<std::uint64_t>(int_or(t, "life_packets", 0, 0, kMax));
    // RFC 4303 §3.4.3: at least 32; the datapath keeps up to 4096.
    c.replay_window = static_cast<std::uint32_t>(int_or(t, "replay_window", 32, 32, 4096));
    // swanctl's copy_dscp (RFC 4301 §5.1.2.1) and copy_ecn (RFC 6040).
    const std::string dscp = string_or(t, "copy_dscp", "out");
    auto copy = ipsec::parse_dscp_copy(dscp);
    if (!copy) refuse(t.at("copy_dscp"), "copy_dscp must be 'out', 'in', 'yes' or 'no'");
    c.copy_dscp = *copy;
    c.copy_ecn = config::bool_or(t, "copy_ecn", true);
    const std::string start = string_or(t, "start_action", "none");
    if (start == "none") {
        c.start_action = StartAction::None;
    } else if (start == "trap") {
        c.start_action = StartAction::Trap;
    } else if (start == "start") {
        c.start_action = StartAction::Start;
    } else {
        refuse(t.at("start_action"), "start_action must be start, trap or none");
    }
    const bool pairs = std::any_of(c.local_ts.begin(), c.local_ts.end(), [&](const packet::IpPrefix& l) {
        return std::any_of(c.remote_ts.begin(), c.remote_ts.end(),
                           [&](const packet::IpPrefix& r) { return r.version() == l.version(); });
    });
    if (!pairs) refuse(t.at("remote_ts"), "local_ts and remote_ts share no IP version");
    return c;
}

AuthConfig parse_auth(const toml::value& t, const std::string& base_dir) {
    AuthConfig a;
    const std::string method = string_or(t, "auth", "psk");
    if (method == "psk") {
        a.method = AuthMethod::Psk;
        const bool inline_psk = t.contains("psk");
        const bool file_psk = t.contains("psk_file");
        if (inline_psk == file_psk) refuse(t, "auth = \"psk\" needs exactly one of 'psk' or 'psk_file'");
        std::string secret;
        if (inline_psk) {
            secret = need_string(t, "psk");
        } else {
            a.psk_file = resolve(base_dir, need_string(t, "psk_file"));
            check_secret_file(t.at("psk_file"), a.psk_file, "psk_file");
            std::ifstream f(a.psk_file, std::ios::binary);
            std::ostringstream ss;
            ss << f.rdbuf();
            secret = ss.str();
            while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
        }
        // RFC 7296 §2.15 leaves the PSK's strength to the user; an empty or very
        // short one is a mistake worth refusing.
        if (secret.size() < 8)
            refuse(inline_psk ? t.at("psk") : t.at("psk_file"), "the pre-shared key is shorter than 8 bytes");
        a.psk =
            core::SecretBytes{core::ByteView(reinterpret_cast<const std::uint8_t*>(secret.data()),  // NOLINT
                                             secret.size())};
        std::fill(secret.begin(), secret.end(), '\0');
        for (const char* k : {"cert", "key", "cacert"}) {
            if (t.contains(k)) refuse(t.at(k), std::string("'") + k + "' belongs to auth = \"pubkey\"");
        }
    } else if (method == "pubkey") {
        a.method = AuthMethod::PubKey;
        if (t.contains("psk")) refuse(t.at("psk"), "'psk' belongs to auth = \"psk\"");
        if (t.contains("psk_file")) refuse(t.at("psk_file"), "'psk_file' belongs to auth = \"psk\"");
        for (const char* k : {"cert", "key", "cacert"}) {
            if (!t.contains(k))
                refuse(t.at("auth"),
                       std::string("auth = \"pubkey\" needs '") + k + "' (cert, key and cacert: PEM files)");
        }
        load_pubkey(t, base_dir, a);
    } else {
        refuse(t.at("auth"), "auth must be 'psk' or 'pubkey'");
    }
    return a;
}

PeerConfig parse_peer(const std::string& name, const toml::value& t, const std::string& base_dir) {
    if (!t.is_table()) refuse(t, "peer '" + name + "' must be a table");
    check_keys(
        t,
        {"name", "address", "local_address", "remote_port", "version", "proposals", "local_id", "remote_id",
         "auth", "psk", "psk_file", "cert", "key", "cacert", "rekey_time", "dpd_delay", "children"},
        "peer '" + name + "'");
    PeerConfig p;
    p.name = name;
    p.at = ref(t);
    p.address = address_of(need(t, "address"), need_string(t, "address"));
    if (t.contains("local_address"))
        p.local_address = address_of(t.at("local_address"), need_string(t, "local_address"));
    if (p.local_address && p.local_address->version() != p.address.version())
        refuse(t.at("local_address"), "local_address and address must be of one IP version");
    // swanctl's remote_port; 0 (strongSwan's "any port") has no meaning for a gateway that initiates.
    p.remote_port = static_cast<std::uint16_t>(int_or(t, "remote_port", 500, 1, 65535));
    p.version = static_cast<int>(int_or(t, "version", 2, 1, 2));
    p.proposals = strings(t, "proposals");
    if (p.proposals.empty()) p.proposals = {"aes256-sha256-ecp256"};
    for (const auto& s : p.proposals)
        check_proposal(t.contains("proposals") ? t.at("proposals") : t, s, true);
    p.local_id = string_or(t, "local_id", "");
    p.remote_id = string_or(t, "remote_id", "");
    p.auth = parse_auth(t, base_dir);
    // IKEv1 signs with RSA (RFC 2409 §5.1) or ECDSA P-256/P-384 (RFC 4754) keys.
    if (p.auth.method == AuthMethod::PubKey && p.version == 1) {
        const crypto::KeyType kt = p.auth.private_key->type();
        if (kt != crypto::KeyType::Rsa && kt != crypto::KeyType::EcP256 && kt != crypto::KeyType::EcP384)
            refuse(t.at("key"), "version = 1 signs with RSA or ECDSA P-256/P-384 keys only; key '" +
                                    p.auth.key + "' is " + std::string(crypto::to_string(kt)));
    }
    check_identities(t, p);
    p.rekey_time = seconds_or(t, "rekey_time", p.rekey_time);
    p.dpd_delay = seconds_or(t, "dpd_delay", p.dpd_delay);
    if (!t.contains("children")) refuse(t, "peer '" + name + "' has no children (CHILD_SAs to negotiate)");
    const toml::value& ch = t.at("children");
    if (!ch.is_table() || ch.as_table().empty())
        refuse(ch, "children must be tables like [peers." + name + ".children.net]");
    for (const auto& [cname, cv] : ch.as_table()) p.children.push_back(parse_child(cname, cv));
    std::sort(p.children.begin(), p.children.end(),
              [](const ChildConfig& a, const ChildConfig& b) { return a.at.line < b.at.line; });
    return p;
}

GatewaySection parse_gateway(const toml::value& t, const std::string& base_dir) {
    if (!t.is_table()) refuse(t, "[gateway] must be a table");
    check_keys(t,
               {"addresses", "ike_port", "natt_port", "tun", "tun_mtu", "encapsulation", "log_level",
                "control_socket", "workers", "manual"},
               "[gateway]");
    GatewaySection g;
    for (const auto& s : strings(t, "addresses")) g.addresses.push_back(address_of(t.at("addresses"), s));
    if (g.addresses.empty()) refuse(t, "[gateway] needs addresses = [\"...\"] (the gateway's own addresses)");
    {
        std::set<packet::IpVersion> versions;
        for (const auto& a : g.addresses) {
            if (!versions.insert(a.version()).second)
                refuse(t.at("addresses"), "addresses may name one IPv4 and one IPv6 address");
        }
    }
    g.ike_port = static_cast<std::uint16_t>(int_or(t, "ike_port", 500, 1, 65535));
    g.natt_port = static_cast<std::uint16_t>(int_or(t, "natt_port", 4500, 1, 65535));
    if (g.ike_port == g.natt_port) refuse(t.at("natt_port"), "natt_port must differ from ike_port");
    g.tun = string_or(t, "tun", g.tun);
    if (g.tun.empty() || g.tun.size() > 15 || !std::all_of(g.tun.begin(), g.tun.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '_' || c == '.';
        }))
        refuse(t.at("tun"), "tun must be 1..15 characters of letters, digits, '-', '_' or '.'");
    g.tun_mtu = static_cast<int>(int_or(t, "tun_mtu", 1400, 576, 9000));
    const std::string encap = string_or(t, "encapsulation", "udp");
    if (encap == "udp") {
        g.encapsulation = Encapsulation::Udp;
    } else if (encap == "esp") {
        g.encapsulation = Encapsulation::Esp;
    } else {
        refuse(t.at("encapsulation"),
               "encapsulation must be 'udp' (ESP in UDP 4500) or 'esp' (IP protocol 50)");
    }
    const std::string level = string_or(t, "log_level", "info");
    auto l = parse_log_level(level);
    if (!l) refuse(t.at("log_level"), "log_level must be trace, debug, info, warn or error");
    g.log_level = *l;
    g.control_socket = resolve(base_dir, string_or(t, "control_socket", g.control_socket));
    if (g.control_socket.empty() || g.control_socket.size() > 100)
        refuse(t.at("control_socket"), "control_socket must be a path of at most 100 characters");
    g.workers = static_cast<std::size_t>(int_or(t, "workers", 0, 0, 256));
    if (t.contains("manual")) {
        g.manual = resolve(base_dir, need_string(t, "manual"));
        g.manual_at = ref(t.at("manual"));
    }
    return g;
}

// check_manual checks that manual SAs fit this gateway: outbound SAs leave
// from one of its addresses and inbound SAs arrive at one.
void check_manual(const toml::value& at, const GatewayConfig& cfg) {
    const auto& mk = *cfg.manual;
    auto ours = [&](const packet::IpAddress& a) {
        return std::find(cfg.gateway.addresses.begin(), cfg.gateway.addresses.end(), a) !=
               cfg.gateway.addresses.end();
    };
    for (std::size_t i = 0; i < mk.sas.size(); ++i) {
        const auto& sa = mk.sas[i];
        // Transport mode protects the gateways' own traffic (its routes go
        // through table kTunTable, tun_routes.hpp). AH authenticates the outer
        // IP header (RFC 4302 §3.3.3.1), so the gateway sends it with the
        // header it computed the ICV over (IP_HDRINCL / IPV6_HDRINCL), and
        // never in UDP (RFC 3948 encapsulates ESP only).
        if (sa.protocol == ipsec::Protocol::Ah && sa.udp_encap)
            refuse(at, cfg.gateway.manual + ": sa '" + mk.sa_names[i] +
                           "': AH cannot be UDP-encapsulated (RFC 3948 carries ESP only): set udp_encap = "
                           "false");
        const bool out = sa.direction == ipsec::Direction::Outbound;
        const packet::IpAddress& local = out ? sa.src : sa.dst;
        if (!ours(local))
            refuse(at, cfg.gateway.manual + ": sa '" + mk.sa_names[i] + "': " + (out ? "src " : "dst ") +
                           local.to_string() + " is not one of gateway.addresses");
    }
}

// manual_routes lists the outbound PROTECT policies of mk with the far
// ends of their SAs (an SA and a policy are linked by reqid).
std::vector<ManualRoute> manual_routes(const config::ManualKeying& mk) {
    std::vector<ManualRoute> out;
    for (const auto& p : mk.policies) {
        if (p.direction != ipsec::Direction::Outbound || p.action != ipsec::Action::Protect) continue;
        ManualRoute r{p.selector.local, p.selector.remote, {}};
        if (p.protect.mode == ipsec::Mode::Tunnel) r.peers.push_back(p.protect.tunnel_dst);
        for (const auto& sa : mk.sas) {
            if (sa.direction == ipsec::Direction::Outbound && sa.reqid == p.protect.reqid)
                r.peers.push_back(sa.dst);
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

std::string SourceRef::where() const { return file + ":" + std::to_string(line); }

std::string_view to_string(Encapsulation e) noexcept { return e == Encapsulation::Udp ? "udp" : "esp"; }
std::string_view to_string(AuthMethod a) noexcept { return a == AuthMethod::Psk ? "psk" : "pubkey"; }
std::string_view to_string(StartAction s) noexcept {
    switch (s) {
        case StartAction::None: return "none";
        case StartAction::Trap: return "trap";
        case StartAction::Start: return "start";
    }
    return "none";
}

core::Result<GatewayConfig, ConfigError> parse_gateway_config(std::string_view text,
                                                              const std::string& origin,
                                                              const std::string& base_dir) {
    GatewayConfig cfg;
    cfg.path = origin;
    try {
        auto doc = config::parse_toml(text, origin);
        if (!doc) return core::fail(doc.error());
        const toml::value& root = doc.value();
        check_keys(root, {"gateway", "peers"}, "the file (expected [gateway] and [peers.NAME])");
        cfg.gateway = parse_gateway(need(root, "gateway"), base_dir);
        if (root.contains("peers")) {
            const toml::value& peers = root.at("peers");
            if (peers.is_table()) {
                for (const auto& [name, pv] : peers.as_table())
                    cfg.peers.push_back(parse_peer(name, pv, base_dir));
            } else if (peers.is_array()) {
                for (const auto& pv : peers.as_array()) {
                    if (!pv.is_table()) refuse(pv, "[[peers]] entries must be tables");
                    cfg.peers.push_back(parse_peer(need_string(pv, "name"), pv, base_dir));
                }
            } else {
                refuse(peers, "peers must be [peers.NAME] tables or [[peers]] entries");
            }
            std::sort(cfg.peers.begin(), cfg.peers.end(),
                      [](const PeerConfig& a, const PeerConfig& b) { return a.at.line < b.at.line; });
            std::set<std::string> names;
            for (const auto& p : cfg.peers) {
                if (!names.insert(p.name).second)
                    throw Refused{p.at.where() + ": peer '" + p.name + "' is defined twice"};
                const bool family_ok = std::any_of(
                    cfg.gateway.addresses.begin(), cfg.gateway.addresses.end(),
                    [&](const packet::IpAddress& a) { return a.version() == p.address.version(); });
                if (!family_ok)
                    throw Refused{p.at.where() + ": peer '" + p.name + "' is at " + p.address.to_string() +
                                  " but gateway.addresses has no address of that IP version"};
            }
        }
        if (!cfg.gateway.manual.empty()) {
            auto mk = config::load_manual_keying(cfg.gateway.manual);
            if (!mk) {
                throw Refused{cfg.gateway.manual_at.where() + ": manual keying file refused:\n" +
                              mk.error().message};
            }
            cfg.manual = std::move(mk).value();
            check_manual(root.at("gateway").at("manual"), cfg);
            cfg.manual_routes = manual_routes(*cfg.manual);
        }
    } catch (const Refused& r) {
        return core::fail(ConfigError{r.message});
    } catch (const toml::syntax_error& e) {
        return core::fail(ConfigError{
            SourceRef{e.location().file_name(), static_cast<std::uint32_t>(e.location().line())}.where() +
            ": TOML syntax error\n" + e.what()});
    } catch (const toml::exception& e) {
        return core::fail(ConfigError{
            SourceRef{e.location().file_name(), static_cast<std::uint32_t>(e.location().line())}.where() +
            ": " + e.what()});
    } catch (const std::exception& e) {
        return core::fail(ConfigError{origin + ": " + e.what()});
    }
    return cfg;
}

core::Result<GatewayConfig, ConfigError> load_gateway_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::fail(ConfigError{path + ": cannot open"});
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (text.size() > kMaxConfigBytes) return core::fail(ConfigError{path + ": larger than 1 MiB"});
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return parse_gateway_config(text, path, dir.empty() ? "." : dir);
}

core::Result<void, ConfigError> check_runnable(const GatewayConfig& cfg) {
    if (!cfg.peers.empty()) {
        // What the IKE service cannot run yet is refused with its line.
        if (auto plans = plan_peers(cfg); !plans) return core::fail(plans.error());
        if (!cfg.manual) return {};
    }
    if (!cfg.manual) {
        return core::fail(ConfigError{
            cfg.path + ": nothing to run: no [peers] and no gateway.manual file of SAs and policies"});
    }
    bool protects = false;
    for (const auto& p : cfg.manual->policies) {
        if (p.direction == ipsec::Direction::Outbound && p.action == ipsec::Action::Protect) protects = true;
    }
    if (!protects)
        return core::fail(ConfigError{cfg.gateway.manual_at.where() + ": " + cfg.gateway.manual +
                                      " has no outbound protect policy: nothing would enter the tunnel"});
    return {};
}

std::vector<packet::IpPrefix> range_to_prefixes(const packet::IpAddress& first,
                                                const packet::IpAddress& last) {
    std::vector<packet::IpPrefix> out;
    if (first.version() != last.version() || last < first) return out;
    const unsigned bits = first.is_v4() ? 32 : 128;
    auto to_u = [](const packet::IpAddress& a) {
        u128 v = 0;
        for (std::uint8_t b : a.bytes()) v = (v << 8) | b;
        return v;
    };
    auto from_u = [&](u128 v) {
        if (bits == 32) return packet::IpAddress::v4(static_cast<std::uint32_t>(v));
        std::array<std::uint8_t, 16> b{};
        for (int i = 15; i >= 0; --i) {
            b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
            v >>= 8;
        }
        return packet::IpAddress::v6(b);
    };
    u128 lo = to_u(first);
    const u128 hi = to_u(last);
    for (;;) {
        // The largest aligned block starting at lo that stays within hi.
        unsigned size_bits = 0;
        while (size_bits < bits) {
            const unsigned nb = size_bits + 1;
            const u128 mask = nb >= 128 ? ~static_cast<u128>(0) : ((static_cast<u128>(1) << nb) - 1);
            if ((lo & mask) != 0 || hi - lo < mask) break;
            ++size_bits;
        }
        out.push_back(*packet::IpPrefix::make(from_u(lo), bits - size_bits));
        if (size_bits >= 128) break;
        const u128 step = static_cast<u128>(1) << size_bits;
        if (hi - lo < step) break;
        lo += step;
    }
    return out;
}

std::vector<packet::IpPrefix> remote_prefixes(const GatewayConfig& cfg) {
    std::set<packet::IpPrefix> out;
    if (cfg.manual) {
        for (const auto& p : cfg.manual->policies) {
            if (p.direction != ipsec::Direction::Outbound || p.action != ipsec::Action::Protect) continue;
            for (const auto& pre : range_to_prefixes(p.selector.remote.first, p.selector.remote.last))
                out.insert(pre);
        }
    }
    for (const auto& peer : cfg.peers) {
        for (const auto& c : peer.children) out.insert(c.remote_ts.begin(), c.remote_ts.end());
    }
    return {out.begin(), out.end()};
}

}  // namespace strata::gateway
