#include "ike/v1/constants.hpp"

namespace strata::ike::v1 {

std::string_view to_string(ExchangeType t) noexcept {
    switch (t) {
        case ExchangeType::Base: return "Base";
        case ExchangeType::IdentityProtection: return "IdentityProtection";
        case ExchangeType::AuthenticationOnly: return "AuthenticationOnly";
        case ExchangeType::Aggressive: return "Aggressive";
        case ExchangeType::Informational: return "Informational";
        case ExchangeType::QuickMode: return "QuickMode";
        case ExchangeType::NewGroupMode: return "NewGroupMode";
    }
    return "UnknownExchange";
}

std::string_view to_string(PayloadType t) noexcept {
    switch (t) {
        case PayloadType::None: return "NONE";
        case PayloadType::Sa: return "SA";
        case PayloadType::Proposal: return "P";
        case PayloadType::Transform: return "T";
        case PayloadType::KeyExchange: return "KE";
        case PayloadType::Identification: return "ID";
        case PayloadType::Certificate: return "CERT";
        case PayloadType::CertificateRequest: return "CR";
        case PayloadType::Hash: return "HASH";
        case PayloadType::Signature: return "SIG";
        case PayloadType::Nonce: return "NONCE";
        case PayloadType::Notification: return "N";
        case PayloadType::Delete: return "D";
        case PayloadType::VendorId: return "VID";
        case PayloadType::NatD: return "NAT-D";
        case PayloadType::NatOa: return "NAT-OA";
    }
    return "UNKNOWN";
}

std::string_view to_string(NotifyType t) noexcept {
    switch (t) {
        case NotifyType::InvalidPayloadType: return "INVALID-PAYLOAD-TYPE";
        case NotifyType::DoiNotSupported: return "DOI-NOT-SUPPORTED";
        case NotifyType::SituationNotSupported: return "SITUATION-NOT-SUPPORTED";
        case NotifyType::InvalidCookie: return "INVALID-COOKIE";
        case NotifyType::InvalidMajorVersion: return "INVALID-MAJOR-VERSION";
        case NotifyType::InvalidMinorVersion: return "INVALID-MINOR-VERSION";
        case NotifyType::InvalidExchangeType: return "INVALID-EXCHANGE-TYPE";
        case NotifyType::InvalidFlags: return "INVALID-FLAGS";
        case NotifyType::InvalidMessageId: return "INVALID-MESSAGE-ID";
        case NotifyType::InvalidProtocolId: return "INVALID-PROTOCOL-ID";
        case NotifyType::InvalidSpi: return "INVALID-SPI";
        case NotifyType::InvalidTransformId: return "INVALID-TRANSFORM-ID";
        case NotifyType::AttributesNotSupported: return "ATTRIBUTES-NOT-SUPPORTED";
        case NotifyType::NoProposalChosen: return "NO-PROPOSAL-CHOSEN";
        case NotifyType::BadProposalSyntax: return "BAD-PROPOSAL-SYNTAX";
        case NotifyType::PayloadMalformed: return "PAYLOAD-MALFORMED";
        case NotifyType::InvalidKeyInformation: return "INVALID-KEY-INFORMATION";
        case NotifyType::InvalidIdInformation: return "INVALID-ID-INFORMATION";
        case NotifyType::InvalidCertEncoding: return "INVALID-CERT-ENCODING";
        case NotifyType::InvalidCertificate: return "INVALID-CERTIFICATE";
        case NotifyType::CertTypeUnsupported: return "CERT-TYPE-UNSUPPORTED";
        case NotifyType::InvalidCertAuthority: return "INVALID-CERT-AUTHORITY";
        case NotifyType::InvalidHashInformation: return "INVALID-HASH-INFORMATION";
        case NotifyType::AuthenticationFailed: return "AUTHENTICATION-FAILED";
        case NotifyType::InvalidSignature: return "INVALID-SIGNATURE";
        case NotifyType::AddressNotification: return "ADDRESS-NOTIFICATION";
        case NotifyType::NotifySaLifetime: return "NOTIFY-SA-LIFETIME";
        case NotifyType::CertificateUnavailable: return "CERTIFICATE-UNAVAILABLE";
        case NotifyType::UnsupportedExchangeType: return "UNSUPPORTED-EXCHANGE-TYPE";
        case NotifyType::UnequalPayloadLengths: return "UNEQUAL-PAYLOAD-LENGTHS";
        case NotifyType::Connected: return "CONNECTED";
        case NotifyType::ResponderLifetime: return "RESPONDER-LIFETIME";
        case NotifyType::ReplayStatus: return "REPLAY-STATUS";
        case NotifyType::InitialContact: return "INITIAL-CONTACT";
        case NotifyType::RUThere: return "R-U-THERE";
        case NotifyType::RUThereAck: return "R-U-THERE-ACK";
    }
    return "UNKNOWN-NOTIFY";
}

}  // namespace strata::ike::v1
