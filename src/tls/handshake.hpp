// handshake.hpp: handshake message framing and the hello codecs.
//
//   struct {                                  RFC 8446 §4, RFC 5246 §7.4
//       HandshakeType msg_type;               1 byte
//       uint24 length;                        3 bytes
//       opaque body[length];
//   } Handshake;
//
// HandshakeReassembler joins handshake messages across records (RFC 8446
// §5.1). ClientHello and ServerHello (RFC 8446 §4.1.2-4.1.3, RFC 5246
// §7.4.1.2-7.4.1.3) keep their extensions raw and in order, so a parsed
// message rebuilds byte for byte; typed codecs decode and encode each
// extension, and decode_*_extensions check them against an allow-list.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "tls/alert.hpp"
#include "tls/version.hpp"

namespace strata::tls {

// HandshakeType is a handshake message's type (RFC 8446 §4, RFC 5246 §7.4).
enum class HandshakeType : std::uint8_t {
    HelloRequest = 0,  // TLS 1.2 only
    ClientHello = 1,
    ServerHello = 2,
    NewSessionTicket = 4,
    EndOfEarlyData = 5,
    EncryptedExtensions = 8,
    Certificate = 11,
    ServerKeyExchange = 12,  // TLS 1.2 only
    CertificateRequest = 13,
    ServerHelloDone = 14,  // TLS 1.2 only
    CertificateVerify = 15,
    ClientKeyExchange = 16,  // TLS 1.2 only
    Finished = 20,
    KeyUpdate = 24,
    MessageHash = 254,  // RFC 8446 §4.4.1, transcript only
};

// to_string returns the RFC name of t ("client_hello"), "unknown" otherwise.
std::string_view to_string(HandshakeType t) noexcept;

// kHandshakeHeaderLength is the size of msg_type | length.
inline constexpr std::size_t kHandshakeHeaderLength = 4;
// kDefaultMaxHandshakeLength bounds the body of one reassembled message
// (a certificate chain is the largest legitimate one).
inline constexpr std::size_t kDefaultMaxHandshakeLength = std::size_t{1} << 17;

// HandshakeMessage is one complete handshake message.
struct HandshakeMessage {
    HandshakeType type = HandshakeType::ClientHello;
    core::Bytes encoded;  // msg_type | length | body: what the transcript hashes

    // body returns the message body (encoded without its 4-byte header).
    [[nodiscard]] core::ByteView body() const noexcept {
        return core::ByteView(encoded).subspan(kHandshakeHeaderLength);
    }
};

// HandshakeReassembler collects the fragments of handshake records and hands
// back whole messages. Errors are sticky.
class HandshakeReassembler {
public:
    // HandshakeReassembler(max_length) refuses messages whose body is longer
    // than max_length (HandshakeTooLarge, decode_error).
    explicit HandshakeReassembler(std::size_t max_length = kDefaultMaxHandshakeLength) noexcept
        : max_length_(max_length) {}

    // feed appends the fragment of one handshake record.
    void feed(core::ByteView fragment);
    // next returns the next complete message, std::nullopt if more bytes are
    // needed, or HandshakeTooLarge.
    Result<std::optional<HandshakeMessage>> next();
    // empty is true when no partial message is buffered. RFC 8446 §5.1:
    // handshake messages MUST NOT span a key change, so the caller checks
    // empty() before changing keys (unexpected_message otherwise).
    [[nodiscard]] bool empty() const noexcept { return buf_.size() == start_; }

private:
    core::Bytes buf_;
    std::size_t start_ = 0;
    std::size_t max_length_;
    std::optional<Error> failed_;
};

// build_handshake returns msg_type | uint24 length | body. Fails with
// HandshakeTooLarge if the body does not fit 24 bits.
Result<core::Bytes> build_handshake(HandshakeType t, core::ByteView body);

// ExtensionType numbers (IANA TLS ExtensionType Values).
enum class ExtensionType : std::uint16_t {
    ServerName = 0,                // RFC 6066 §3
    SupportedGroups = 10,          // RFC 8446 §4.2.7 (RFC 4492 "elliptic_curves")
    EcPointFormats = 11,           // RFC 8422 §5.1.2
    SignatureAlgorithms = 13,      // RFC 8446 §4.2.3
    Alpn = 16,                     // RFC 7301
    EncryptThenMac = 22,           // RFC 7366
    ExtendedMasterSecret = 23,     // RFC 7627
    RecordSizeLimit = 28,          // RFC 8449
    SessionTicket = 35,            // RFC 5077
    PreSharedKey = 41,             // RFC 8446 §4.2.11
    EarlyData = 42,                // RFC 8446 §4.2.10
    SupportedVersions = 43,        // RFC 8446 §4.2.1
    Cookie = 44,                   // RFC 8446 §4.2.2
    PskKeyExchangeModes = 45,      // RFC 8446 §4.2.9
    CertificateAuthorities = 47,   // RFC 8446 §4.2.4
    SignatureAlgorithmsCert = 50,  // RFC 8446 §4.2.3
    KeyShare = 51,                 // RFC 8446 §4.2.8
    RenegotiationInfo = 0xff01,    // RFC 5746 §3.2
};

// Extension is one raw extension: type and extension_data.
struct Extension {
    std::uint16_t type = 0;
    core::Bytes data;

    friend bool operator==(const Extension&, const Extension&) = default;
};

// kRandomLength is the size of ClientHello.random and ServerHello.random.
inline constexpr std::size_t kRandomLength = 32;
// Random is a hello's 32-byte random.
using Random = std::array<std::uint8_t, kRandomLength>;

// ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2).
struct ClientHello {
    std::uint16_t legacy_version = kTls12;  // RFC 8446 §4.1.2: 0x0303
    Random random{};
    core::Bytes legacy_session_id;             // <0..32>
    std::vector<std::uint16_t> cipher_suites;  // <2..2^16-2>
    core::Bytes compression_methods{0};        // <1..2^8-1>; null (0) must be present
    bool has_extensions = true;                // false: a TLS 1.2 hello with no extensions block
    std::vector<Extension> extensions;         // in wire order

    // find returns the extension of type t, or null.
    [[nodiscard]] const Extension* find(ExtensionType t) const noexcept;
};

// ServerHello (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3). A HelloRetryRequest is a
// ServerHello whose random is kHelloRetryRequestRandom.
struct ServerHello {
    std::uint16_t legacy_version = kTls12;  // RFC 8446 §4.1.3: 0x0303
    Random random{};
    core::Bytes legacy_session_id_echo;  // <0..32>
    std::uint16_t cipher_suite = 0;
    std::uint8_t legacy_compression_method = 0;
    bool has_extensions = true;
    std::vector<Extension> extensions;

    // find returns the extension of type t, or null.
    [[nodiscard]] const Extension* find(ExtensionType t) const noexcept;
};

// parse_client_hello decodes a ClientHello body (without the handshake
// header). Fails with Truncated/TrailingBytes/BadVectorLength on framing,
// CompressionRefused if the null method is absent (RFC 5246 §7.4.1.2),
// DuplicateExtension (RFC 8446 §4.2), PskNotLast (RFC 8446 §4.2.11).
Result<ClientHello> parse_client_hello(core::ByteView body);
// build_client_hello encodes ch as a body (no handshake header).
Result<core::Bytes> build_client_hello(const ClientHello& ch);

// parse_server_hello decodes a ServerHello (or HelloRetryRequest) body.
// Fails with framing errors, DuplicateExtension, or CompressionRefused if the
// compression method is not null (RFC 8446 §4.1.3; null only, CRIME).
Result<ServerHello> parse_server_hello(core::ByteView body);
// build_server_hello encodes sh as a body.
Result<core::Bytes> build_server_hello(const ServerHello& sh);

// kHelloRetryRequestRandom is SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
extern const Random kHelloRetryRequestRandom;
// is_hello_retry_request is true when sh.random is kHelloRetryRequestRandom.
bool is_hello_retry_request(const ServerHello& sh) noexcept;

// Downgrade says which RFC 8446 §4.1.3 sentinel the last 8 bytes of a
// ServerHello.random carry.
enum class Downgrade : std::uint8_t {
    None,
    Tls12,        // 44 4F 57 4E 47 52 44 01: a TLS 1.3 server negotiated TLS 1.2
    Tls11OrBelow  // 44 4F 57 4E 47 52 44 00: a TLS 1.3/1.2 server negotiated TLS 1.1 or below
};
// downgrade_sentinel returns the sentinel in random.
Downgrade downgrade_sentinel(const Random& random) noexcept;
// set_downgrade_sentinel overwrites the last 8 bytes of random with the
// sentinel d (None leaves random as it is).
void set_downgrade_sentinel(Random& random, Downgrade d) noexcept;

// ---- typed extension codecs ----

// KeyShareEntry is a group and its key_exchange (RFC 8446 §4.2.8).
struct KeyShareEntry {
    std::uint16_t group = 0;
    core::Bytes key_exchange;  // <1..2^16-1>

    friend bool operator==(const KeyShareEntry&, const KeyShareEntry&) = default;
};

// PskIdentity is one offered PSK identity (RFC 8446 §4.2.11).
struct PskIdentity {
    core::Bytes identity;  // <1..2^16-1>
    std::uint32_t obfuscated_ticket_age = 0;

    friend bool operator==(const PskIdentity&, const PskIdentity&) = default;
};

// OfferedPsks is a ClientHello's pre_shared_key (RFC 8446 §4.2.11).
struct OfferedPsks {
    std::vector<PskIdentity> identities;
    std::vector<core::Bytes> binders;  // each <32..255>
};

// ClientHelloExtensions is the typed view of a ClientHello's extensions;
// absent extensions are empty optionals (or false).
struct ClientHelloExtensions {
    std::optional<std::vector<std::uint16_t>> supported_versions;
    std::optional<std::vector<KeyShareEntry>> key_shares;
    std::optional<std::vector<std::uint16_t>> supported_groups;
    std::optional<std::vector<std::uint16_t>> signature_algorithms;
    std::optional<std::vector<std::uint16_t>> signature_algorithms_cert;
    std::optional<std::string> server_name;  // the host_name entry of server_name
    std::optional<std::vector<std::string>> alpn;
    std::optional<std::vector<std::uint8_t>> psk_key_exchange_modes;
    std::optional<OfferedPsks> pre_shared_key;
    std::optional<core::Bytes> cookie;
    std::optional<core::Bytes> renegotiation_info;  // renegotiated_connection
    std::optional<core::Bytes> session_ticket;
    bool extended_master_secret = false;
    bool encrypt_then_mac = false;
    bool early_data = false;
};

// decode_client_hello_extensions decodes the extensions this library knows
// and ignores the others (RFC 8446 §4.2: servers MUST ignore unrecognised
// extensions). Fails with the framing errors of the failing extension,
// DuplicateKeyShare, PskBinderMismatch, IllegalParameter (e.g. two host
// names, RFC 6066 §3).
Result<ClientHelloExtensions> decode_client_hello_extensions(const ClientHello& ch);

// ServerHelloExtensions is the typed view of a ServerHello's extensions.
struct ServerHelloExtensions {
    std::optional<std::uint16_t> selected_version;   // supported_versions
    std::optional<KeyShareEntry> key_share;          // ServerHello
    std::optional<std::uint16_t> selected_group;     // HelloRetryRequest key_share
    std::optional<std::uint16_t> selected_identity;  // pre_shared_key
    std::optional<core::Bytes> cookie;               // HelloRetryRequest
    std::optional<std::string> alpn;                 // TLS 1.2: the one protocol chosen
    std::optional<core::Bytes> renegotiation_info;
    bool server_name_ack = false;  // empty server_name (RFC 6066 §3)
    bool extended_master_secret = false;
    bool encrypt_then_mac = false;
    bool session_ticket = false;  // empty SessionTicket (RFC 5077 §3.2)
};

// decode_server_hello_extensions decodes sh's extensions against an
// allow-list: for a TLS 1.3 ServerHello (supported_versions selects 0x0304)
// only supported_versions, key_share and pre_shared_key; for a
// HelloRetryRequest supported_versions, key_share and cookie (RFC 8446
// §4.1.3-4.1.4); for TLS 1.2 those RFC 5246 family extensions listed above.
// An extension the client did not offer (offered lists the ClientHello's
// extension types) fails with UnsupportedExtension (RFC 8446 §4.2, RFC 5246
// §7.4.1.4); an offered one not allowed in this message with
// IllegalParameter (RFC 8446 §4.2); a malformed one with its framing error.
Result<ServerHelloExtensions> decode_server_hello_extensions(const ServerHello& sh,
                                                             std::span<const std::uint16_t> offered);

// offered_extension_types returns the extension types of ch, in order.
std::vector<std::uint16_t> offered_extension_types(const ClientHello& ch);

// The encoders below return one Extension ready to append to a hello.

// make_supported_versions_ch encodes a ClientHello's version list (§4.2.1).
Result<Extension> make_supported_versions_ch(std::span<const std::uint16_t> versions);
// make_supported_versions_sh encodes a ServerHello's selected version.
Extension make_supported_versions_sh(std::uint16_t version);
// make_key_share_ch encodes a ClientHello's client_shares (§4.2.8).
Result<Extension> make_key_share_ch(std::span<const KeyShareEntry> shares);
// make_key_share_sh encodes a ServerHello's server_share.
Result<Extension> make_key_share_sh(const KeyShareEntry& share);
// make_key_share_hrr encodes a HelloRetryRequest's selected_group.
Extension make_key_share_hrr(std::uint16_t group);
// make_u16_list encodes a uint16 list with a 2-byte length (supported_groups,
// signature_algorithms, signature_algorithms_cert).
Result<Extension> make_u16_list(ExtensionType t, std::span<const std::uint16_t> values);
// make_server_name encodes a ClientHello server_name with one host_name (RFC 6066 §3).
Result<Extension> make_server_name(std::string_view host);
// make_alpn encodes a protocol_name_list (RFC 7301 §3.1).
Result<Extension> make_alpn(std::span<const std::string> protocols);
// make_psk_key_exchange_modes encodes ke_modes (§4.2.9).
Result<Extension> make_psk_key_exchange_modes(std::span<const std::uint8_t> modes);
// make_cookie encodes a cookie (§4.2.2).
Result<Extension> make_cookie(core::ByteView cookie);
// make_renegotiation_info encodes renegotiated_connection (RFC 5746 §3.2).
Result<Extension> make_renegotiation_info(core::ByteView renegotiated_connection);
// make_empty encodes an extension with empty data (extended_master_secret,
// encrypt_then_mac, an empty session_ticket or server_name acknowledgement).
Extension make_empty(ExtensionType t);

}  // namespace strata::tls
