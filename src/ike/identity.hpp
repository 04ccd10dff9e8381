// identity.hpp: the identities IKE peers authenticate as (IDi/IDr, IKEv1 ID).
//
// IKEv2 (RFC 7296 §3.5) and IKEv1 (RFC 2407 §4.6.2.1) number the common ID
// types the same way, so one type serves both engines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace strata::ike {

// IdType is the ID Type field of an identification payload.
enum class IdType : std::uint8_t {
    Ipv4 = 1,       // ID_IPV4_ADDR
    Fqdn = 2,       // ID_FQDN
    Rfc822 = 3,     // ID_RFC822_ADDR (IKEv1: ID_USER_FQDN)
    Ipv6 = 5,       // ID_IPV6_ADDR
    DerAsn1Dn = 9,  // ID_DER_ASN1_DN
    KeyId = 11,     // ID_KEY_ID
};

// Identity is an ID type with its data as it goes on the wire.
struct Identity {
    IdType type = IdType::Fqdn;
    core::Bytes data;
    friend bool operator==(const Identity&, const Identity&) = default;
};

// parse_identity reads an identity the way strongSwan's config does: an IPv4
// or IPv6 address, "user@host" (RFC822), otherwise an FQDN; explicit prefixes
// "fqdn:", "email:", "ipv4:", "ipv6:", "keyid:" (the rest as text) are
// accepted too; "dn:O=Org, CN=host" (or any text with '=') is a DER DN.
// nullopt for empty text, an address or DN that does not parse.
std::optional<Identity> parse_identity(std::string_view text);

// to_string prints an identity for logs ("gw-c.example.org", "192.0.2.1").
std::string to_string(const Identity& id);

}  // namespace strata::ike
