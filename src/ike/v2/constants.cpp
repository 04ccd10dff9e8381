#include "ike/v2/constants.hpp"

namespace strata::ike::v2 {

std::string to_string(NotifyType t) {
    switch (t) {
        case NotifyType::UnsupportedCriticalPayload: return "UNSUPPORTED_CRITICAL_PAYLOAD";
        case NotifyType::InvalidIkeSpi: return "INVALID_IKE_SPI";
        case NotifyType::InvalidMajorVersion: return "INVALID_MAJOR_VERSION";
        case NotifyType::InvalidSyntax: return "INVALID_SYNTAX";
        case NotifyType::InvalidMessageId: return "INVALID_MESSAGE_ID";
        case NotifyType::InvalidSpi: return "INVALID_SPI";
        case NotifyType::NoProposalChosen: return "NO_PROPOSAL_CHOSEN";
        case NotifyType::InvalidKePayload: return "INVALID_KE_PAYLOAD";
        case NotifyType::AuthenticationFailed: return "AUTHENTICATION_FAILED";
        case NotifyType::SinglePairRequired: return "SINGLE_PAIR_REQUIRED";
        case NotifyType::NoAdditionalSas: return "NO_ADDITIONAL_SAS";
        case NotifyType::InternalAddressFailure: return "INTERNAL_ADDRESS_FAILURE";
        case NotifyType::FailedCpRequired: return "FAILED_CP_REQUIRED";
        case NotifyType::TsUnacceptable: return "TS_UNACCEPTABLE";
        case NotifyType::InvalidSelectors: return "INVALID_SELECTORS";
        case NotifyType::TemporaryFailure: return "TEMPORARY_FAILURE";
        case NotifyType::ChildSaNotFound: return "CHILD_SA_NOT_FOUND";
        case NotifyType::InitialContact: return "INITIAL_CONTACT";
        case NotifyType::SetWindowSize: return "SET_WINDOW_SIZE";
        case NotifyType::AdditionalTsPossible: return "ADDITIONAL_TS_POSSIBLE";
        case NotifyType::IpcompSupported: return "IPCOMP_SUPPORTED";
        case NotifyType::NatDetectionSourceIp: return "NAT_DETECTION_SOURCE_IP";
        case NotifyType::NatDetectionDestinationIp: return "NAT_DETECTION_DESTINATION_IP";
        case NotifyType::Cookie: return "COOKIE";
        case NotifyType::UseTransportMode: return "USE_TRANSPORT_MODE";
        case NotifyType::HttpCertLookupSupported: return "HTTP_CERT_LOOKUP_SUPPORTED";
        case NotifyType::RekeySa: return "REKEY_SA";
        case NotifyType::EspTfcPaddingNotSupported: return "ESP_TFC_PADDING_NOT_SUPPORTED";
        case NotifyType::NonFirstFragmentsAlso: return "NON_FIRST_FRAGMENTS_ALSO";
        case NotifyType::MobikeSupported: return "MOBIKE_SUPPORTED";
        case NotifyType::Ikev2FragmentationSupported: return "IKEV2_FRAGMENTATION_SUPPORTED";
        case NotifyType::SignatureHashAlgorithms: return "SIGNATURE_HASH_ALGORITHMS";
    }
    return "NOTIFY(" + std::to_string(static_cast<unsigned>(t)) + ")";
}

std::string to_string(ExchangeType t) {
    switch (t) {
        case ExchangeType::IkeSaInit: return "IKE_SA_INIT";
        case ExchangeType::IkeAuth: return "IKE_AUTH";
        case ExchangeType::CreateChildSa: return "CREATE_CHILD_SA";
        case ExchangeType::Informational: return "INFORMATIONAL";
    }
    return "EXCHANGE(" + std::to_string(static_cast<unsigned>(t)) + ")";
}

}  // namespace strata::ike::v2
