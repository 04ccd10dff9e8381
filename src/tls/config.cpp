// config.cpp: Config checks and the names users type for suites and groups.
#include "tls/config.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "crypto/algorithm_table.hpp"

namespace strata::tls {

namespace {

struct NamedId {
    std::string_view name;
    std::uint16_t id;
};

// OpenSSL's names for the suites (TLS 1.3 suites keep their IANA names).
constexpr NamedId kOpensslSuiteNames[] = {
    {"ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02b},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", 0xc02c},
    {"ECDHE-RSA-AES128-GCM-SHA256", 0xc02f},
    {"ECDHE-RSA-AES256-GCM-SHA384", 0xc030},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", 0xcca9},
    {"ECDHE-RSA-CHACHA20-POLY1305", 0xcca8},
    {"ECDHE-ECDSA-AES128-SHA256", 0xc023},
    {"ECDHE-RSA-AES128-SHA256", 0xc027},
    {"ECDHE-ECDSA-AES128-SHA", 0xc009},
    {"ECDHE-ECDSA-AES256-SHA", 0xc00a},
    {"ECDHE-RSA-AES128-SHA", 0xc013},
    {"ECDHE-RSA-AES256-SHA", 0xc014},
    {"AES128-GCM-SHA256", 0x009c},
    {"AES256-GCM-SHA384", 0x009d},
    {"AES128-SHA256", 0x003c},
    {"AES256-SHA256", 0x003d},
    {"AES128-SHA", 0x002f},
    {"AES256-SHA", 0x0035},
};

constexpr NamedId kGroupNames[] = {
    {"x25519", kGroupX25519},        {"p-256", kGroupSecp256r1}, {"secp256r1", kGroupSecp256r1},
    {"prime256v1", kGroupSecp256r1}, {"p-384", kGroupSecp384r1}, {"secp384r1", kGroupSecp384r1},
};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

template <typename F>
Result<std::vector<std::uint16_t>> parse_list(std::string_view list, std::string* bad, F lookup) {
    std::vector<std::uint16_t> out;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        std::size_t end = list.find_first_of(":,", pos);
        if (end == std::string_view::npos) end = list.size();
        std::string_view token = list.substr(pos, end - pos);
        pos = end + 1;
        if (token.empty()) continue;
        auto id = lookup(token);
        if (!id) {
            if (bad != nullptr) *bad = std::string(token);
            return fail(Error::IllegalParameter);
        }
        if (std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
    }
    if (out.empty()) return fail(Error::IllegalParameter);
    return out;
}

}  // namespace

Status Config::check() const {
    if (min_version > max_version || min_version < kTls12 || max_version > kTls13) {
        return fail(Error::InternalError);
    }
    if (cipher_suites.empty() || groups.empty() || signature_schemes.empty())
        return fail(Error::InternalError);
    if (certificate_chain.empty() != (private_key == nullptr)) return fail(Error::InternalError);
    if (private_key != nullptr) {
        bool usable = false;
        for (auto s : signature_schemes) {
            const auto* row = crypto::find_signature_scheme(s);
            if (row != nullptr && crypto::key_fits(private_key->type(), row->alg)) usable = true;
        }
        if (!usable) return fail(Error::InternalError);
    }
    if (ticket_lifetime > 604800) return fail(Error::InternalError);
    return {};
}

Result<std::vector<std::uint16_t>> parse_cipher_suites(std::string_view list, std::string* bad) {
    return parse_list(list, bad, [](std::string_view token) -> std::optional<std::uint16_t> {
        for (const auto& row : crypto::tls_cipher_suite_table()) {
            if (row.name == token) return row.id;
        }
        for (const auto& n : kOpensslSuiteNames) {
            if (n.name == token && crypto::find_tls_cipher_suite(n.id) != nullptr) return n.id;
        }
        return std::nullopt;
    });
}

Result<std::vector<std::uint16_t>> parse_groups(std::string_view list, std::string* bad) {
    return parse_list(list, bad, [](std::string_view token) -> std::optional<std::uint16_t> {
        const std::string l = lower(token);
        for (const auto& n : kGroupNames) {
            if (n.name == l) return n.id;
        }
        return std::nullopt;
    });
}

std::string_view cipher_suite_name(std::uint16_t suite) noexcept {
    const auto* row = crypto::find_tls_cipher_suite(suite);
    return row != nullptr ? row->name : std::string_view("unknown");
}

std::string_view group_name(std::uint16_t group) noexcept {
    switch (group) {
        case kGroupX25519: return "x25519";
        case kGroupSecp256r1: return "secp256r1";
        case kGroupSecp384r1: return "secp384r1";
        default: return "unknown";
    }
}

std::string_view signature_scheme_name(std::uint16_t scheme) noexcept {
    const auto* row = crypto::find_signature_scheme(scheme);
    return row != nullptr ? row->name : std::string_view("unknown");
}

std::string_view version_name(std::uint16_t version) noexcept {
    switch (version) {
        case kTls13: return "TLSv1.3";
        case kTls12: return "TLSv1.2";
        case kTls11: return "TLSv1.1";
        case kTls10: return "TLSv1.0";
        default: return "unknown";
    }
}

}  // namespace strata::tls
