#include "ike/v1/error.hpp"

namespace strata::ike::v1 {

std::string_view to_string(Error e) noexcept {
    switch (e) {
        case Error::Truncated: return "Truncated";
        case Error::BadLength: return "BadLength";
        case Error::InvalidMajorVersion: return "InvalidMajorVersion";
        case Error::InvalidMinorVersion: return "InvalidMinorVersion";
        case Error::InvalidFlags: return "InvalidFlags";
        case Error::InvalidExchangeType: return "InvalidExchangeType";
        case Error::UnsupportedExchangeType: return "UnsupportedExchangeType";
        case Error::InvalidPayloadType: return "InvalidPayloadType";
        case Error::TooManyPayloads: return "TooManyPayloads";
        case Error::DoiNotSupported: return "DoiNotSupported";
        case Error::SituationNotSupported: return "SituationNotSupported";
        case Error::BadProposalSyntax: return "BadProposalSyntax";
        case Error::InvalidProtocolId: return "InvalidProtocolId";
        case Error::InvalidSpi: return "InvalidSpi";
        case Error::InvalidCookie: return "InvalidCookie";
        case Error::InvalidMessageId: return "InvalidMessageId";
        case Error::NoProposalChosen: return "NoProposalChosen";
        case Error::AttributesNotSupported: return "AttributesNotSupported";
        case Error::InvalidKeyInformation: return "InvalidKeyInformation";
        case Error::InvalidIdInformation: return "InvalidIdInformation";
        case Error::InvalidHashInformation: return "InvalidHashInformation";
        case Error::AuthenticationFailed: return "AuthenticationFailed";
        case Error::PayloadMalformed: return "PayloadMalformed";
        case Error::DecryptionFailed: return "DecryptionFailed";
        case Error::NoKeys: return "NoKeys";
        case Error::Internal: return "Internal";
    }
    return "UnknownError";
}

NotifyType notify_for(Error e) noexcept {
    // RFC 2408 §5.1-§5.8 name the notification for each check.
    switch (e) {
        case Error::InvalidMajorVersion: return NotifyType::InvalidMajorVersion;
        case Error::InvalidMinorVersion: return NotifyType::InvalidMinorVersion;
        case Error::InvalidFlags: return NotifyType::InvalidFlags;
        case Error::InvalidExchangeType: return NotifyType::InvalidExchangeType;
        case Error::UnsupportedExchangeType: return NotifyType::UnsupportedExchangeType;
        case Error::InvalidPayloadType: return NotifyType::InvalidPayloadType;
        case Error::DoiNotSupported: return NotifyType::DoiNotSupported;
        case Error::SituationNotSupported: return NotifyType::SituationNotSupported;
        case Error::BadProposalSyntax: return NotifyType::BadProposalSyntax;
        case Error::InvalidProtocolId: return NotifyType::InvalidProtocolId;
        case Error::InvalidSpi: return NotifyType::InvalidSpi;
        case Error::InvalidCookie: return NotifyType::InvalidCookie;
        case Error::InvalidMessageId: return NotifyType::InvalidMessageId;
        case Error::NoProposalChosen: return NotifyType::NoProposalChosen;
        case Error::AttributesNotSupported: return NotifyType::AttributesNotSupported;
        case Error::InvalidKeyInformation: return NotifyType::InvalidKeyInformation;
        case Error::InvalidIdInformation: return NotifyType::InvalidIdInformation;
        case Error::InvalidHashInformation: return NotifyType::InvalidHashInformation;
        case Error::AuthenticationFailed: return NotifyType::AuthenticationFailed;
        case Error::Truncated:
        case Error::BadLength:
        case Error::TooManyPayloads:
        case Error::PayloadMalformed:
        case Error::DecryptionFailed:
        case Error::NoKeys:
        case Error::Internal: return NotifyType::PayloadMalformed;
    }
    return NotifyType::PayloadMalformed;
}

}  // namespace strata::ike::v1
