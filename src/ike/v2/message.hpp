// message.hpp: the IKEv2 message codec (RFC 7296 §3).
//
// A message is a header and a chain of payloads. parse_message() checks the
// header and splits the chain into RawPayloads (type, critical bit, body);
// an SK payload must be last and is returned separately for sk.hpp to
// decrypt, after which parse_chain() splits the inner chain. Each payload
// body has a typed struct with parse_* / encode_* functions; everything is
// read through core::Reader and built through core::Writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/reader.hpp"
#include "core/result.hpp"
#include "core/writer.hpp"
#include "ike/identity.hpp"
#include "ike/traffic_selector.hpp"
#include "ike/v2/constants.hpp"

namespace strata::ike::v2 {

// ParseError says why bytes are not a well-formed IKEv2 message or payload.
enum class ParseError : std::uint8_t {
    Truncated,         // shorter than a header or a length field says
    BadMajorVersion,   // major version is not 2 (answer INVALID_MAJOR_VERSION)
    BadLength,         // header Length disagrees with the datagram
    BadPayloadLength,  // a payload length below its header or past the end
    SkNotLast,         // bytes follow an SK payload
    InvalidSyntax,     // a body that does not parse (RFC 7296 §2.21: INVALID_SYNTAX)
    TooManyPayloads,   // more payloads than any valid message carries
    IntegrityFailed,   // SK ICV/tag did not verify (RFC 7296 §2.21.2: drop silently)
};

// to_string returns the name of a ParseError.
std::string_view to_string(ParseError e) noexcept;

// Header is the fixed IKE header (RFC 7296 §3.1).
struct Header {
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    PayloadType next = PayloadType::None;
    std::uint8_t version = kVersion;
    ExchangeType exchange = ExchangeType::IkeSaInit;
    std::uint8_t flags = 0;
    std::uint32_t message_id = 0;
    std::uint32_t length = 0;

    [[nodiscard]] bool is_response() const noexcept { return (flags & kFlagResponse) != 0; }
    [[nodiscard]] bool from_initiator() const noexcept { return (flags & kFlagInitiator) != 0; }
};

// RawPayload is one payload of a chain: its type, critical bit and body
// (everything after the 4-byte generic header).
struct RawPayload {
    PayloadType type = PayloadType::None;
    bool critical = false;
    core::Bytes body;
};

// SkPayload locates an SK payload inside the message it came in.
struct SkPayload {
    PayloadType first_inner = PayloadType::None;  // the SK header's Next Payload
    std::size_t offset = 0;                       // where its generic header starts
    core::ByteView body;                          // IV | ciphertext | ICV
};

// ParsedMessage is a parsed message before decryption.
struct ParsedMessage {
    Header header;
    std::vector<RawPayload> payloads;  // payloads outside SK
    std::optional<SkPayload> sk;
};

// kMaxPayloads bounds a chain (hostile input cannot make us allocate much).
inline constexpr std::size_t kMaxPayloads = 64;

// parse_header reads the 28-byte header.
core::Result<Header, ParseError> parse_header(core::ByteView data);
// parse_message reads a whole datagram (without the non-ESP marker). sk views
// into data, which must outlive the result.
core::Result<ParsedMessage, ParseError> parse_message(core::ByteView data);
// parse_chain splits a chain of payloads that starts with `first` (no SK allowed).
core::Result<std::vector<RawPayload>, ParseError> parse_chain(PayloadType first, core::ByteView data);

// encode_header writes h (length as given).
void encode_header(core::Writer& w, const Header& h);
// encode_chain writes payloads as a chain (each one's Next Payload is the
// following one's type; the last one's is `last_next`).
void encode_chain(core::Writer& w, const std::vector<RawPayload>& payloads,
                  PayloadType last_next = PayloadType::None);
// encode_plain returns a whole unencrypted message (IKE_SA_INIT): the header's
// next and length are filled in.
core::Bytes encode_plain(Header h, const std::vector<RawPayload>& payloads);

// ---- payload bodies ----

// Transform is one transform of a proposal (RFC 7296 §3.3.2).
struct Transform {
    TransformType type = TransformType::Encryption;
    std::uint16_t id = 0;
    std::optional<std::uint16_t> key_bits;  // Key Length attribute
    bool unknown_attribute = false;         // an attribute we do not know: skip the transform (§3.3.6)
    friend bool operator==(const Transform&, const Transform&) = default;
};

// Proposal is one proposal substructure (RFC 7296 §3.3.1).
struct Proposal {
    std::uint8_t number = 1;
    ProtocolId protocol = ProtocolId::Ike;
    core::Bytes spi;  // empty for the first IKE_SA_INIT, 8 bytes for IKE rekey, 4 for ESP/AH
    std::vector<Transform> transforms;
};

core::Result<std::vector<Proposal>, ParseError> parse_sa(core::ByteView body);
core::Bytes encode_sa(const std::vector<Proposal>& proposals);

// KeyExchange is a KE payload body (RFC 7296 §3.4).
struct KeyExchange {
    std::uint16_t group = 0;
    core::Bytes data;
};
core::Result<KeyExchange, ParseError> parse_ke(core::ByteView body);
core::Bytes encode_ke(const KeyExchange& ke);

// parse_identity_payload reads IDi/IDr (RFC 7296 §3.5).
core::Result<Identity, ParseError> parse_identity_payload(core::ByteView body);
core::Bytes encode_identity_payload(const Identity& id);

// Auth is an AUTH payload body (RFC 7296 §3.8).
struct Auth {
    AuthMethod method = AuthMethod::Psk;
    core::Bytes data;
};
core::Result<Auth, ParseError> parse_auth(core::ByteView body);
core::Bytes encode_auth(const Auth& a);

// Notify is an N payload body (RFC 7296 §3.10).
struct Notify {
    ProtocolId protocol = ProtocolId::None;
    core::Bytes spi;
    NotifyType type = NotifyType::InitialContact;
    core::Bytes data;
};
core::Result<Notify, ParseError> parse_notify(core::ByteView body);
core::Bytes encode_notify(const Notify& n);

// Delete is a D payload body (RFC 7296 §3.11).
struct Delete {
    ProtocolId protocol = ProtocolId::Ike;
    std::vector<core::Bytes> spis;  // none for IKE, 4-byte SPIs for ESP/AH
};
core::Result<Delete, ParseError> parse_delete(core::ByteView body);
core::Bytes encode_delete(const Delete& d);

// parse_ts / encode_ts: TSi/TSr (RFC 7296 §3.13); unknown TS types are
// skipped (§3.13.1 lists IPv4 and IPv6 ranges only).
core::Result<std::vector<TrafficSelector>, ParseError> parse_ts(core::ByteView body);
core::Bytes encode_ts(const std::vector<TrafficSelector>& ts);

// Cert is a CERT or CERTREQ payload body (RFC 7296 §3.6, §3.7).
struct Cert {
    std::uint8_t encoding = 4;  // 4: X.509 Certificate - Signature
    core::Bytes data;
};
core::Result<Cert, ParseError> parse_cert(core::ByteView body);
core::Bytes encode_cert(const Cert& c);

// find returns the first payload of type t, or null.
const RawPayload* find(const std::vector<RawPayload>& payloads, PayloadType t) noexcept;
// find_notifies returns every parsed notify (malformed ones fail the whole call).
core::Result<std::vector<Notify>, ParseError> find_notifies(const std::vector<RawPayload>& payloads);
// is_known is true for the payload types this codec understands.
bool is_known(PayloadType t) noexcept;

}  // namespace strata::ike::v2
