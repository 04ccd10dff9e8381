// payload.hpp: the ISAKMP payloads (RFC 2408 §3.4-§3.15, IPsec DOI RFC 2407
// §4.6) as value types, each with a decoder over its body (the bytes after
// the generic payload header) and an encoder of that body.
//
// Bodies are what RFC 2409 hashes ("SAi_b is the entire body of the SA
// payload (minus the ISAKMP generic header)"), so the message layer keeps the
// raw body of every payload beside the typed view.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ike/v1/constants.hpp"
#include "ike/v1/error.hpp"

namespace strata::ike::v1 {

// Attribute is one data attribute (RFC 2408 §3.3): basic (AF = 1, a 16-bit
// value) or variable (AF = 0, a length and that many bytes).
struct Attribute {
    std::uint16_t type = 0;  // without the AF bit
    bool basic = true;
    std::uint16_t value = 0;  // basic attributes
    core::Bytes data;         // variable attributes

    // basic_of returns a basic attribute.
    static Attribute basic_of(std::uint16_t type, std::uint16_t value);
    // variable_of returns a variable attribute.
    static Attribute variable_of(std::uint16_t type, core::ByteView data);
    // number returns the value as an integer: the basic value, or a variable
    // value of 1 to 8 bytes big-endian; nullopt for a longer or empty one.
    [[nodiscard]] std::optional<std::uint64_t> number() const;
    friend bool operator==(const Attribute&, const Attribute&) = default;
};

// encode_number returns a life-duration style attribute: basic when it fits
// 16 bits, else variable of 4 (or 8) bytes (RFC 2408 §3.3).
Attribute number_attribute(std::uint16_t type, std::uint64_t value);

// Transform is a transform payload (RFC 2408 §3.6).
struct Transform {
    std::uint8_t number = 1;
    std::uint8_t id = 0;
    std::vector<Attribute> attributes;

    // find returns the first attribute of that type, or null.
    [[nodiscard]] const Attribute* find(std::uint16_t type) const;
    friend bool operator==(const Transform&, const Transform&) = default;
};

// Proposal is a proposal payload (RFC 2408 §3.5) with its transforms.
struct Proposal {
    std::uint8_t number = 1;
    std::uint8_t protocol = 0;  // ProtocolId
    core::Bytes spi;
    std::vector<Transform> transforms;
    friend bool operator==(const Proposal&, const Proposal&) = default;
};

// SaPayload is a security association payload (RFC 2408 §3.4, RFC 2407 §4.6.1).
struct SaPayload {
    std::uint32_t doi = kDoiIpsec;
    std::uint32_t situation = kSituationIdentityOnly;
    std::vector<Proposal> proposals;
    friend bool operator==(const SaPayload&, const SaPayload&) = default;
};

// IdPayload is an identification payload of the IPsec DOI (RFC 2407 §4.6.2).
struct IdPayload {
    std::uint8_t type = 0;  // IdType
    std::uint8_t protocol = 0;
    std::uint16_t port = 0;
    core::Bytes data;
    friend bool operator==(const IdPayload&, const IdPayload&) = default;
};

// NotifyPayload is a notification payload (RFC 2408 §3.14).
struct NotifyPayload {
    std::uint32_t doi = kDoiIpsec;
    std::uint8_t protocol = 0;
    core::Bytes spi;
    std::uint16_t type = 0;  // NotifyType
    core::Bytes data;
    friend bool operator==(const NotifyPayload&, const NotifyPayload&) = default;
};

// DeletePayload is a delete payload (RFC 2408 §3.15): SPIs of one size.
struct DeletePayload {
    std::uint32_t doi = kDoiIpsec;
    std::uint8_t protocol = 0;
    std::uint8_t spi_size = 0;
    std::vector<core::Bytes> spis;
    friend bool operator==(const DeletePayload&, const DeletePayload&) = default;
};

// CertPayload is a certificate (RFC 2408 §3.9) or certificate request
// (§3.10) payload: an encoding/type octet and data.
struct CertPayload {
    std::uint8_t encoding = 0;
    core::Bytes data;
    friend bool operator==(const CertPayload&, const CertPayload&) = default;
};

// decode_* parse one payload body. Errors: Truncated/BadLength for bytes that
// do not fit, DoiNotSupported, SituationNotSupported, BadProposalSyntax
// (transform count, nesting), InvalidSpi (delete SPI size 0 with SPIs).
core::Result<SaPayload, Error> decode_sa(core::ByteView body);
core::Result<IdPayload, Error> decode_id(core::ByteView body);
core::Result<NotifyPayload, Error> decode_notify(core::ByteView body);
core::Result<DeletePayload, Error> decode_delete(core::ByteView body);
core::Result<CertPayload, Error> decode_cert(core::ByteView body);

// encode_* return a payload body.
core::Bytes encode_sa(const SaPayload& sa);
core::Bytes encode_id(const IdPayload& id);
core::Bytes encode_notify(const NotifyPayload& n);
core::Bytes encode_delete(const DeletePayload& d);
core::Bytes encode_cert(const CertPayload& c);

}  // namespace strata::ike::v1
