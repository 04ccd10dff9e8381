// tls_options.cpp: Config from the tools' options.
#include "apps/strata/tls_options.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <sstream>

#include "crypto/random.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"

namespace strata::apps {

namespace {

bool read_file(const std::string& path, std::string& out, std::string* why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *why = fmt::format("cannot read {}", path);
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

constexpr const char* kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";

}  // namespace

void FileKeyLog::log(std::string_view line) {
    std::lock_guard lock(mu_);
    out_ << line << '\n';
    out_.flush();
}

std::shared_ptr<tls::Config> build_tls_config(const TlsToolOptions& o, bool server, const core::Clock& clock,
                                              std::string* why) {
    auto cfg = std::make_shared<tls::Config>();
    if (o.tls12 && o.tls13) {
        *why = "--tls1.2 and --tls1.3 exclude each other";
        return nullptr;
    }
    // As OpenSSL's tools: TLS 1.2 and 1.3 allowed, 1.3 preferred; a flag pins one.
    cfg->min_version = o.tls13 ? tls::kTls13 : tls::kTls12;
    cfg->max_version = o.tls12 ? tls::kTls12 : tls::kTls13;
    if (!o.ciphers.empty()) {
        std::string bad;
        auto s = tls::parse_cipher_suites(o.ciphers, &bad);
        if (!s) {
            *why = fmt::format("unknown cipher suite '{}'", bad);
            return nullptr;
        }
        cfg->cipher_suites = std::move(*s);
    }
    if (!o.groups.empty()) {
        std::string bad;
        auto g = tls::parse_groups(o.groups, &bad);
        if (!g) {
            *why = fmt::format("unknown group '{}'", bad);
            return nullptr;
        }
        cfg->groups = std::move(*g);
    }
    // A suite list for one version only pins that version (as OpenSSL's
    // -cipher / -ciphersuites lists do in effect).
    bool has12 = false;
    bool has13 = false;
    for (auto id : cfg->cipher_suites) {
        const bool v13 = (id >> 8) == 0x13;
        has13 = has13 || v13;
        has12 = has12 || !v13;
    }
    if (!has12) cfg->min_version = tls::kTls13;
    if (!has13) cfg->max_version = tls::kTls12;
    if (cfg->min_version > cfg->max_version) {
        *why = "--ciphers names no suite for the version chosen";
        return nullptr;
    }
    cfg->alpn = split_commas(o.alpn);
    if (o.cert.empty() != o.key.empty()) {
        *why = "--cert and --key go together";
        return nullptr;
    }
    if (!o.cert.empty()) {
        std::string pem;
        if (!read_file(o.cert, pem, why)) return nullptr;
        auto chain = crypto::Certificate::all_from_pem(pem);
        if (!chain) {
            *why = fmt::format("{}: no certificate", o.cert);
            return nullptr;
        }
        cfg->certificate_chain = std::move(*chain);
        if (!read_file(o.key, pem, why)) return nullptr;
        auto key = crypto::PrivateKey::from_pem(pem);
        if (!key) {
            *why = fmt::format("{}: no private key", o.key);
            return nullptr;
        }
        cfg->private_key = std::make_shared<crypto::PrivateKey>(std::move(*key));
    } else if (server) {
        *why = "the server needs --cert and --key";
        return nullptr;
    }
    auto trust = std::make_shared<crypto::TrustStore>();
    const std::string ca_file = !o.ca.empty() ? o.ca : (server ? std::string() : std::string(kSystemBundle));
    if (!ca_file.empty()) {
        std::string pem;
        if (!read_file(ca_file, pem, why)) return nullptr;
        if (!trust->add_pem(pem)) {
            *why = fmt::format("{}: no usable CA certificate", ca_file);
            return nullptr;
        }
    }
    cfg->trust_store = trust;
    if (server) {
        if (o.verify_client && o.ca.empty()) {
            *why = "--verify-client needs --ca";
            return nullptr;
        }
        cfg->verify = o.verify_client ? tls::VerifyMode::Required : tls::VerifyMode::None;
    } else {
        cfg->verify = o.no_verify ? tls::VerifyMode::None : tls::VerifyMode::Required;
    }
    cfg->sessions = std::make_shared<tls::SessionCache>(clock);
    if (server) cfg->ticket_keys = std::make_shared<tls::TicketKeys>(clock, crypto::system_random());
    std::string keylog = o.keylog;
    if (keylog.empty()) {
        if (const char* env = std::getenv("SSLKEYLOGFILE"); env != nullptr) keylog = env;
    }
    if (!keylog.empty()) {
        auto sink = std::make_shared<FileKeyLog>(keylog);
        if (!sink->ok()) {
            *why = fmt::format("cannot open key log {}", keylog);
            return nullptr;
        }
        cfg->keylog = sink;
    }
    if (!cfg->check()) {
        *why = "the configuration is not usable (no key that fits a signature scheme?)";
        return nullptr;
    }
    return cfg;
}

std::string negotiated_line(const tls::Negotiated& n) {
    return fmt::format(
        "version={} cipher={} group={} signature={} alpn={} resumed={} hello_retry={} ems={} etm={} sni={} "
        "peer={}",
        tls::version_name(n.version), tls::cipher_suite_name(n.cipher_suite),
        n.group != 0 ? tls::group_name(n.group) : "-",
        n.signature_scheme != 0 ? tls::signature_scheme_name(n.signature_scheme) : "-",
        n.alpn.empty() ? "-" : n.alpn, n.resumed ? "yes" : "no", n.hello_retry ? "yes" : "no",
        // RFC 7627 / RFC 7366 are TLS 1.2 extensions; TLS 1.3 has neither.
        n.version == tls::kTls12 ? (n.extended_master_secret ? "yes" : "no") : "-",
        n.version == tls::kTls12 ? (n.encrypt_then_mac ? "yes" : "no") : "-",
        n.server_name.empty() ? "-" : n.server_name, n.peer_subject.empty() ? "-" : n.peer_subject);
}

}  // namespace strata::apps
