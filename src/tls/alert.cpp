// alert.cpp: alert names, error names and the error-to-alert table.
#include "tls/alert.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"

namespace strata::tls {

std::string_view to_string(AlertLevel l) noexcept {
    switch (l) {
        case AlertLevel::Warning: return "warning";
        case AlertLevel::Fatal: return "fatal";
    }
    return "unknown";
}

std::string_view to_string(AlertDescription d) noexcept {
    using D = AlertDescription;
    switch (d) {
        case D::CloseNotify: return "close_notify";
        case D::UnexpectedMessage: return "unexpected_message";
        case D::BadRecordMac: return "bad_record_mac";
        case D::DecryptionFailedReserved: return "decryption_failed_RESERVED";
        case D::RecordOverflow: return "record_overflow";
        case D::DecompressionFailureReserved: return "decompression_failure_RESERVED";
        case D::HandshakeFailure: return "handshake_failure";
        case D::NoCertificateReserved: return "no_certificate_RESERVED";
        case D::BadCertificate: return "bad_certificate";
        case D::UnsupportedCertificate: return "unsupported_certificate";
        case D::CertificateRevoked: return "certificate_revoked";
        case D::CertificateExpired: return "certificate_expired";
        case D::CertificateUnknown: return "certificate_unknown";
        case D::IllegalParameter: return "illegal_parameter";
        case D::UnknownCa: return "unknown_ca";
        case D::AccessDenied: return "access_denied";
        case D::DecodeError: return "decode_error";
        case D::DecryptError: return "decrypt_error";
        case D::ExportRestrictionReserved: return "export_restriction_RESERVED";
        case D::ProtocolVersion: return "protocol_version";
        case D::InsufficientSecurity: return "insufficient_security";
        case D::InternalError: return "internal_error";
        case D::InappropriateFallback: return "inappropriate_fallback";
        case D::UserCanceled: return "user_canceled";
        case D::NoRenegotiation: return "no_renegotiation";
        case D::MissingExtension: return "missing_extension";
        case D::UnsupportedExtension: return "unsupported_extension";
        case D::CertificateUnobtainableReserved: return "certificate_unobtainable_RESERVED";
        case D::UnrecognizedName: return "unrecognized_name";
        case D::BadCertificateStatusResponse: return "bad_certificate_status_response";
        case D::BadCertificateHashValueReserved: return "bad_certificate_hash_value_RESERVED";
        case D::UnknownPskIdentity: return "unknown_psk_identity";
        case D::CertificateRequired: return "certificate_required";
        case D::NoApplicationProtocol: return "no_application_protocol";
    }
    return "unknown";
}

std::string_view to_string(Error e) noexcept {
    switch (e) {
        case Error::Truncated: return "Truncated";
        case Error::TrailingBytes: return "TrailingBytes";
        case Error::BadVectorLength: return "BadVectorLength";
        case Error::EmptyRecord: return "EmptyRecord";
        case Error::HandshakeTooLarge: return "HandshakeTooLarge";
        case Error::UnknownContentType: return "UnknownContentType";
        case Error::BadRecordVersion: return "BadRecordVersion";
        case Error::RecordOverflow: return "RecordOverflow";
        case Error::BadRecordMac: return "BadRecordMac";
        case Error::NoContentType: return "NoContentType";
        case Error::SequenceOverflow: return "SequenceOverflow";
        case Error::NotProtected: return "NotProtected";
        case Error::UnexpectedMessage: return "UnexpectedMessage";
        case Error::DuplicateExtension: return "DuplicateExtension";
        case Error::UnsupportedExtension: return "UnsupportedExtension";
        case Error::PskNotLast: return "PskNotLast";
        case Error::DuplicateKeyShare: return "DuplicateKeyShare";
        case Error::PskBinderMismatch: return "PskBinderMismatch";
        case Error::IllegalParameter: return "IllegalParameter";
        case Error::CompressionRefused: return "CompressionRefused";
        case Error::ProtocolVersion: return "ProtocolVersion";
        case Error::DowngradeDetected: return "DowngradeDetected";
        case Error::HandshakeFailure: return "HandshakeFailure";
        case Error::MissingExtension: return "MissingExtension";
        case Error::DecryptError: return "DecryptError";
        case Error::BadCertificate: return "BadCertificate";
        case Error::UnsupportedCertificate: return "UnsupportedCertificate";
        case Error::CertificateExpired: return "CertificateExpired";
        case Error::UnknownCa: return "UnknownCa";
        case Error::CertificateRequired: return "CertificateRequired";
        case Error::NoApplicationProtocol: return "NoApplicationProtocol";
        case Error::NoRenegotiation: return "NoRenegotiation";
        case Error::PeerAlert: return "PeerAlert";
        case Error::Closed: return "Closed";
        case Error::Crypto: return "Crypto";
        case Error::InternalError: return "InternalError";
    }
    return "Unknown";
}

AlertDescription alert_for(Error e) noexcept {
    using D = AlertDescription;
    switch (e) {
        // RFC 8446 §6.2: "decode_error: A message could not be decoded because
        // some field was out of the specified range or the length was incorrect."
        case Error::Truncated:
        case Error::TrailingBytes:
        case Error::BadVectorLength:
        case Error::HandshakeTooLarge: return D::DecodeError;
        case Error::EmptyRecord:
        case Error::UnknownContentType:
        case Error::NoContentType:  // RFC 8446 §5.4
        case Error::NotProtected:
        case Error::UnexpectedMessage: return D::UnexpectedMessage;
        case Error::BadRecordVersion:
        case Error::ProtocolVersion: return D::ProtocolVersion;
        case Error::RecordOverflow: return D::RecordOverflow;  // RFC 8446 §5.2, §5.4
        case Error::BadRecordMac: return D::BadRecordMac;      // RFC 8446 §5.2
        case Error::DuplicateExtension:                        // RFC 8446 §4.2
        case Error::PskNotLast:                                // RFC 8446 §4.2.11
        case Error::DuplicateKeyShare:                         // RFC 8446 §4.2.8
        case Error::PskBinderMismatch:
        case Error::IllegalParameter:
        case Error::CompressionRefused:  // RFC 8446 §4.1.2
        case Error::DowngradeDetected:   // RFC 8446 §4.1.3
            return D::IllegalParameter;
        case Error::UnsupportedExtension: return D::UnsupportedExtension;  // RFC 8446 §4.2
        case Error::HandshakeFailure: return D::HandshakeFailure;
        case Error::MissingExtension: return D::MissingExtension;
        case Error::DecryptError: return D::DecryptError;  // RFC 8446 §4.4.4
        case Error::BadCertificate: return D::BadCertificate;
        case Error::UnsupportedCertificate: return D::UnsupportedCertificate;
        case Error::CertificateExpired: return D::CertificateExpired;
        case Error::UnknownCa: return D::UnknownCa;
        case Error::CertificateRequired: return D::CertificateRequired;      // RFC 8446 §4.4.2.4
        case Error::NoApplicationProtocol: return D::NoApplicationProtocol;  // RFC 7301 §3.2
        case Error::NoRenegotiation: return D::NoRenegotiation;              // RFC 5746 §4.2
        case Error::Closed: return D::CloseNotify;
        case Error::PeerAlert:
        case Error::SequenceOverflow:
        case Error::Crypto:
        case Error::InternalError: return D::InternalError;
    }
    return D::InternalError;
}

Alert fatal_alert(Error e) noexcept { return Alert{AlertLevel::Fatal, alert_for(e)}; }

Error from_core(core::Error e) noexcept {
    switch (e) {
        case core::Error::Truncated: return Error::Truncated;
        case core::Error::TrailingBytes: return Error::TrailingBytes;
        case core::Error::AuthenticationFailed: return Error::BadRecordMac;
        default: return Error::Crypto;
    }
}

Result<Alert> parse_alert(core::ByteView body) {
    core::Reader r(body);
    auto level = r.u8();
    auto desc = r.u8();
    if (!level || !desc) return fail(Error::Truncated);
    if (!r.empty()) return fail(Error::TrailingBytes);
    if (*level != static_cast<std::uint8_t>(AlertLevel::Warning) &&
        *level != static_cast<std::uint8_t>(AlertLevel::Fatal)) {
        return fail(Error::IllegalParameter);
    }
    return Alert{static_cast<AlertLevel>(*level), static_cast<AlertDescription>(*desc)};
}

core::Bytes build_alert(Alert a) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(a.level));
    w.u8(static_cast<std::uint8_t>(a.description));
    return out;
}

}  // namespace strata::tls
