#include "core/error.hpp"

namespace strata::core {

std::string_view to_string(Error e) noexcept {
    switch (e) {
        case Error::Truncated: return "Truncated";
        case Error::TrailingBytes: return "TrailingBytes";
        case Error::WriterOverflow: return "WriterOverflow";
        case Error::LengthOverflow: return "LengthOverflow";
        case Error::InvalidHex: return "InvalidHex";
        case Error::UnsupportedAlgorithm: return "UnsupportedAlgorithm";
        case Error::InvalidKeyLength: return "InvalidKeyLength";
        case Error::InvalidNonceLength: return "InvalidNonceLength";
        case Error::InvalidTagLength: return "InvalidTagLength";
        case Error::InvalidInputLength: return "InvalidInputLength";
        case Error::BufferTooSmall: return "BufferTooSmall";
        case Error::AuthenticationFailed: return "AuthenticationFailed";
        case Error::InvalidPublicValue: return "InvalidPublicValue";
        case Error::SharedSecretZero: return "SharedSecretZero";
        case Error::SignatureInvalid: return "SignatureInvalid";
        case Error::KeyMismatch: return "KeyMismatch";
        case Error::DecodeFailed: return "DecodeFailed";
        case Error::CertificateUntrusted: return "CertificateUntrusted";
        case Error::CertificateExpired: return "CertificateExpired";
        case Error::NameMismatch: return "NameMismatch";
        case Error::CryptoFailure: return "CryptoFailure";
        case Error::BadVersion: return "BadVersion";
        case Error::BadHeaderLength: return "BadHeaderLength";
        case Error::BadTotalLength: return "BadTotalLength";
        case Error::BadChecksum: return "BadChecksum";
        case Error::TooManyExtensionHeaders: return "TooManyExtensionHeaders";
        case Error::BadLength: return "BadLength";
        case Error::BadMagic: return "BadMagic";
        case Error::UnsupportedLinktype: return "UnsupportedLinktype";
        case Error::IoError: return "IoError";
    }
    return "UnknownError";
}

}  // namespace strata::core
