// alert.hpp: the TLS alert protocol and the tls layer's error codes.
//
// Every failure in tls/ is a specific tls::Error (so tests assert the exact
// reason), and every Error maps to the one alert a peer is sent for it
// (RFC 8446 §6.2, RFC 5246 §7.2.2).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace strata::tls {

// AlertLevel is the first byte of an Alert (RFC 5246 §7.2). TLS 1.3 ignores it
// on receipt except for close_notify and user_canceled (RFC 8446 §6).
enum class AlertLevel : std::uint8_t { Warning = 1, Fatal = 2 };

// AlertDescription is the second byte of an Alert (RFC 8446 §6, RFC 5246 §7.2).
enum class AlertDescription : std::uint8_t {
    CloseNotify = 0,
    UnexpectedMessage = 10,
    BadRecordMac = 20,
    DecryptionFailedReserved = 21,  // RFC 5246 §7.2.2: never sent
    RecordOverflow = 22,
    DecompressionFailureReserved = 30,  // RFC 5246 §7.2.2: never sent
    HandshakeFailure = 40,
    NoCertificateReserved = 41,  // SSL 3.0 only
    BadCertificate = 42,
    UnsupportedCertificate = 43,
    CertificateRevoked = 44,
    CertificateExpired = 45,
    CertificateUnknown = 46,
    IllegalParameter = 47,
    UnknownCa = 48,
    AccessDenied = 49,
    DecodeError = 50,
    DecryptError = 51,
    ExportRestrictionReserved = 60,
    ProtocolVersion = 70,
    InsufficientSecurity = 71,
    InternalError = 80,
    InappropriateFallback = 86,
    UserCanceled = 90,
    NoRenegotiation = 100,  // RFC 5246 §7.2.2 (warning in TLS 1.2)
    MissingExtension = 109,
    UnsupportedExtension = 110,
    CertificateUnobtainableReserved = 111,
    UnrecognizedName = 112,
    BadCertificateStatusResponse = 113,
    BadCertificateHashValueReserved = 114,
    UnknownPskIdentity = 115,
    CertificateRequired = 116,
    NoApplicationProtocol = 120,
};

// to_string returns the RFC name of a level ("warning", "fatal").
std::string_view to_string(AlertLevel l) noexcept;
// to_string returns the RFC name of a description ("bad_record_mac"), or
// "unknown" for a value the registry does not hold.
std::string_view to_string(AlertDescription d) noexcept;

// Alert is one alert message: level and description.
struct Alert {
    AlertLevel level = AlertLevel::Fatal;
    AlertDescription description = AlertDescription::InternalError;

    friend bool operator==(const Alert&, const Alert&) = default;
};

// kAlertLength is the size of an encoded Alert (RFC 8446 §6: two bytes).
inline constexpr std::size_t kAlertLength = 2;

// Error is the reason a tls/ operation failed. Each maps to an alert through
// alert_for(); the comments name that alert.
enum class Error : std::uint16_t {
    // framing (decode_error)
    Truncated = 1,      // a field ran past the end of its message
    TrailingBytes,      // bytes left after the last field
    BadVectorLength,    // a vector's length outside its <min..max> or not a multiple of its element
    EmptyRecord,        // a zero-length handshake/alert/change_cipher_spec record (unexpected_message)
    HandshakeTooLarge,  // a handshake message longer than the reassembly limit (decode_error)
    // record layer
    UnknownContentType,  // a record type this version does not define (unexpected_message)
    BadRecordVersion,    // legacy_record_version's major byte is not 3 (protocol_version)
    RecordOverflow,      // a record or its plaintext longer than the limit (record_overflow)
    BadRecordMac,        // AEAD tag, MAC or CBC padding check failed (bad_record_mac)
    NoContentType,       // TLS 1.3 inner plaintext is all zeros (unexpected_message)
    SequenceOverflow,    // the 64-bit sequence number would wrap (internal_error)
    NotProtected,        // a plaintext record where a protected one was required (unexpected_message)
    // handshake
    UnexpectedMessage,       // a message not allowed here (unexpected_message)
    DuplicateExtension,      // the same extension twice in one message (illegal_parameter)
    UnsupportedExtension,    // an extension not allowed in this message (unsupported_extension)
    PskNotLast,              // pre_shared_key is not the last ClientHello extension (illegal_parameter)
    DuplicateKeyShare,       // two key_share entries for one group (illegal_parameter)
    PskBinderMismatch,       // identities and binders counts differ (illegal_parameter)
    IllegalParameter,        // a field holds a value the RFC forbids (illegal_parameter)
    CompressionRefused,      // no null compression method, or a non-null one chosen (illegal_parameter)
    ProtocolVersion,         // no version both sides support (protocol_version)
    DowngradeDetected,       // the ServerHello.random sentinel (illegal_parameter)
    HandshakeFailure,        // no acceptable set of parameters (handshake_failure)
    MissingExtension,        // a required extension is absent (missing_extension)
    DecryptError,            // Finished or a signature did not verify (decrypt_error)
    BadCertificate,          // a certificate that does not parse or fit (bad_certificate)
    UnsupportedCertificate,  // a certificate key no offered scheme can use (unsupported_certificate)
    CertificateExpired,      // a certificate outside its validity period (certificate_expired)
    UnknownCa,               // a chain that does not lead to a trust anchor (unknown_ca)
    CertificateRequired,     // the peer sent no certificate where one is required (certificate_required)
    NoApplicationProtocol,   // no ALPN protocol in common (no_application_protocol)
    NoRenegotiation,         // a renegotiation attempt, refused (no_renegotiation)
    PeerAlert,               // the peer sent a fatal alert (nothing is sent back)
    Closed,                  // the connection is closed (close_notify sent or received)
    // local
    Crypto,         // libcrypto failed or an algorithm is missing (internal_error)
    InternalError,  // a misuse of this API (internal_error)
};

// to_string returns the stable, printable name of an error ("BadRecordMac").
std::string_view to_string(Error e) noexcept;

// alert_for returns the fatal alert to send for e.
AlertDescription alert_for(Error e) noexcept;

// fatal_alert returns the Alert {fatal, alert_for(e)}.
Alert fatal_alert(Error e) noexcept;

// Result is a tls/ result: a T or a tls::Error.
template <typename T>
using Result = core::Result<T, Error>;
// Status is a tls/ result that carries nothing on success.
using Status = core::Result<void, Error>;
// fail builds a failed Result: `return fail(Error::BadRecordMac);`.
using core::fail;

// from_core maps a core/crypto error to the tls::Error that it means at the
// wire level: Truncated/TrailingBytes stay framing errors, AuthenticationFailed
// becomes BadRecordMac, everything else Crypto.
Error from_core(core::Error e) noexcept;

// parse_alert decodes the two bytes of an Alert (RFC 8446 §6). Fails with
// Truncated / TrailingBytes if body is not two bytes, IllegalParameter if the
// level is neither warning nor fatal. Unknown descriptions are kept as values.
Result<Alert> parse_alert(core::ByteView body);

// build_alert returns the two bytes of a.
core::Bytes build_alert(Alert a);

}  // namespace strata::tls
