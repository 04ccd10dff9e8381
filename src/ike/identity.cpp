#include "ike/identity.hpp"

#include "core/hex.hpp"
#include "crypto/x509_names.hpp"
#include "packet/address.hpp"

namespace strata::ike {

namespace {

Identity text_id(IdType t, std::string_view text) {
    return Identity{t, core::Bytes(text.begin(), text.end())};
}

std::optional<Identity> address_id(std::string_view text) {
    auto a = packet::IpAddress::parse(text);
    if (!a) return std::nullopt;
    auto b = a->bytes();
    return Identity{a->is_v4() ? IdType::Ipv4 : IdType::Ipv6, core::Bytes(b.begin(), b.end())};
}

}  // namespace

std::optional<Identity> parse_identity(std::string_view text) {
    if (text.empty()) return std::nullopt;
    auto strip = [&](std::string_view prefix) {
        if (text.substr(0, prefix.size()) != prefix) return false;
        text.remove_prefix(prefix.size());
        return true;
    };
    if (strip("fqdn:")) return text_id(IdType::Fqdn, text);
    if (strip("email:")) return text_id(IdType::Rfc822, text);
    if (strip("keyid:")) return text_id(IdType::KeyId, text);
    if (strip("ipv4:") || strip("ipv6:")) return address_id(text);
    // A distinguished name ("dn:O=Org, CN=host", or any text with '=' as
    // strongSwan reads it) becomes ID_DER_ASN1_DN (RFC 7296 §3.5).
    if (strip("dn:") || text.find('=') != std::string_view::npos) {
        auto der = crypto::dn_from_text(text);
        if (!der) return std::nullopt;
        return Identity{IdType::DerAsn1Dn, std::move(der).value()};
    }
    if (auto a = address_id(text)) return a;
    if (text.find('@') != std::string_view::npos && text.front() != '@') return text_id(IdType::Rfc822, text);
    return text_id(IdType::Fqdn, text);
}

std::string to_string(const Identity& id) {
    switch (id.type) {
        case IdType::Ipv4:
        case IdType::Ipv6:
            if (auto a = packet::IpAddress::from_bytes(id.data)) return a->to_string();
            return "invalid-address:" + core::to_hex(id.data);
        case IdType::Fqdn:
        case IdType::Rfc822:
        case IdType::KeyId: return {id.data.begin(), id.data.end()};
        case IdType::DerAsn1Dn: {
            const std::string dn = crypto::dn_to_text(id.data);
            return dn.empty() ? "dn:" + core::to_hex(id.data) : dn;
        }
    }
    return "id" + std::to_string(static_cast<unsigned>(id.type)) + ":" + core::to_hex(id.data);
}

}  // namespace strata::ike
