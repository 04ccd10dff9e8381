#include "apps/strata/ike_options.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "config/toml_reader.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"
#include "ike/proposal.hpp"

namespace strata::apps {

std::optional<std::string> load_ike_toml(const std::string& path, IkeOptions& opts) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot open " + path;
    std::ostringstream text;
    text << in.rdbuf();
    auto doc = config::parse_toml(text.str(), path);
    if (!doc) return doc.error().message;
    try {
        const toml::value& root = doc.value();
        auto str = [&](const char* key, std::string& field) {
            if (root.contains(key)) field = root.at(key).as_string().str;
        };
        str("local", opts.local);
        str("remote", opts.remote);
        str("role", opts.role);
        str("psk", opts.psk);
        str("cert", opts.cert);
        str("key", opts.key);
        str("ca", opts.ca);
        str("local_id", opts.local_id);
        str("remote_id", opts.remote_id);
        str("ike_proposals", opts.ike_proposals);
        str("esp_proposals", opts.esp_proposals);
        str("local_ts", opts.local_ts);
        str("remote_ts", opts.remote_ts);
        str("mode", opts.mode);
        if (root.contains("encap")) opts.encap = root.at("encap").as_boolean();
        // Seconds may be written as integers or floats.
        auto seconds = [&](const char* key, double& field) {
            if (!root.contains(key)) return;
            const toml::value& v = root.at(key);
            field = v.is_integer() ? static_cast<double>(v.as_integer()) : v.as_floating();
        };
        seconds("dpd", opts.dpd);
        seconds("rekey_after", opts.rekey_after);
        seconds("rekey_ike_after", opts.rekey_ike_after);
        seconds("retransmit_timeout", opts.retransmit_timeout);
        if (root.contains("retransmit_tries")) {
            const auto n = root.at("retransmit_tries").as_integer();
            if (n < 0 || n > 100) return std::string("retransmit_tries must be 0..100");
            opts.retransmit_tries = static_cast<unsigned>(n);
        }
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// load_certificates sets up certificate authentication (RFC 7296 §2.15,
// RFC 7427) from --cert, --key and --ca.
std::optional<std::string> load_certificates(const IkeOptions& o, ike::ConnectionConfig& c) {
    if (o.cert.empty() || o.key.empty() || o.ca.empty()) return "--cert, --key and --ca go together";
    auto cert_pem = read_file(o.cert);
    auto key_pem = read_file(o.key);
    auto ca_pem = read_file(o.ca);
    if (!cert_pem || !key_pem || !ca_pem) return "cannot read --cert, --key or --ca";
    auto certs = crypto::Certificate::all_from_pem(*cert_pem);
    auto key = crypto::PrivateKey::from_pem(*key_pem);
    auto cas = crypto::Certificate::all_from_pem(*ca_pem);
    if (!certs) return "--cert: no PEM certificate in " + o.cert;
    if (!key) return "--key: no PEM private key in " + o.key;
    if (!cas) return "--ca: no PEM certificate in " + o.ca;
    c.auth = ike::AuthKind::PublicKey;
    c.local_certs = std::move(certs).value();
    c.private_key = std::make_shared<const crypto::PrivateKey>(std::move(key).value());
    c.ca_certs = std::move(cas).value();
    return std::nullopt;
}

// seconds_to turns a flag's seconds into a duration; nullopt if it is
// negative, not finite or absurdly large (more than a year).
std::optional<core::Duration> seconds_to(double s) {
    if (!std::isfinite(s) || s < 0 || s > 366.0 * 24 * 3600) return std::nullopt;
    return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(s));
}

// set_timers applies --dpd, --rekey-after, --rekey-ike-after and the
// retransmission settings.
std::optional<std::string> set_timers(const IkeOptions& o, ike::ConnectionConfig& c) {
    auto dpd = seconds_to(o.dpd);
    auto child = seconds_to(o.rekey_after);
    auto ike_sa = seconds_to(o.rekey_ike_after);
    auto rt = seconds_to(o.retransmit_timeout);
    if (!dpd) return "--dpd must be a number of seconds >= 0";
    if (!child || !ike_sa) return "--rekey-after and --rekey-ike-after must be a number of seconds >= 0";
    if (!rt) return "--retransmit-timeout must be a number of seconds >= 0";
    if (o.retransmit_tries > 100) return "--retransmit-tries must be 0..100";
    c.dpd_interval = *dpd;
    // strongSwan's rekey_time without rand_time: no jitter, so the rekey
    // happens when asked (the engine schedules it, ike_sa.cpp).
    c.child_rekey_time = *child;
    c.ike_rekey_time = *ike_sa;
    if (*rt > core::Duration::zero()) c.retransmit.initial = *rt;
    if (o.retransmit_tries > 0) c.retransmit.tries = o.retransmit_tries;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> to_connection(const IkeOptions& o, ike::ConnectionConfig& c) {
    auto local = packet::IpAddress::parse(o.local);
    auto remote = packet::IpAddress::parse(o.remote);
    if (!local) return "--local must be an IP address";
    if (!remote) return "--remote must be an IP address";
    if (local->version() != remote->version()) return "--local and --remote must be the same IP version";
    c.name = "strata";
    c.local_address = *local;
    c.remote_address = *remote;
    c.local_port = o.ike_port;
    c.remote_port = o.ike_port;
    c.natt_port = o.natt_port;  // where IKE floats on NAT-T (RFC 7296 §2.23)
    // With certificates and no --local-id, the engine sends the subject DN.
    const bool cert_auth = !o.cert.empty() || !o.key.empty() || !o.ca.empty();
    auto lid = o.local_id.empty() && cert_auth
                   ? std::optional<ike::Identity>(ike::Identity{})
                   : ike::parse_identity(o.local_id.empty() ? o.local : o.local_id);
    auto rid = ike::parse_identity(o.remote_id.empty() ? o.remote : o.remote_id);
    if (!lid || !rid) return "bad --local-id or --remote-id";
    c.local_id = *lid;
    c.remote_id = *rid;
    if (cert_auth) {
        if (auto err = load_certificates(o, c)) return err;
    } else if (o.psk.empty()) {
        return "--psk (or --cert, --key and --ca) is required";
    }
    c.psk =
        core::SecretBytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(o.psk.data()), o.psk.size()));
    std::string bad;
    auto ikep = ike::parse_proposals(o.ike_proposals, ike::ProposalUse::Ike, &bad);
    if (!ikep)
        return "IKE proposal '" + o.ike_proposals + "': " + std::string(ike::to_string(ikep.error())) +
               " at '" + bad + "'";
    auto espp = ike::parse_proposals(o.esp_proposals, ike::ProposalUse::Esp, &bad);
    if (!espp)
        return "ESP proposal '" + o.esp_proposals + "': " + std::string(ike::to_string(espp.error())) +
               " at '" + bad + "'";
    c.ike_proposals = std::move(ikep).value();
    c.esp_proposals = std::move(espp).value();
    auto lts = ike::parse_traffic_selectors(o.local_ts.empty() ? o.local : o.local_ts);
    auto rts = ike::parse_traffic_selectors(o.remote_ts.empty() ? o.remote : o.remote_ts);
    if (!lts || !rts) return "bad --local-ts or --remote-ts";
    c.local_ts = *lts;
    c.remote_ts = *rts;
    if (o.mode == "tunnel") {
        c.mode = ipsec::Mode::Tunnel;
    } else if (o.mode == "transport") {
        c.mode = ipsec::Mode::Transport;
    } else {
        return "--mode must be tunnel or transport";
    }
    c.force_encap = o.encap;
    if (auto err = set_timers(o, c)) return err;
    if (o.role != "initiator" && o.role != "responder") return "--role must be initiator or responder";
    return std::nullopt;
}

}  // namespace strata::apps
