#include "tls/alert.hpp"

#include <gtest/gtest.h>

namespace strata::tls {
namespace {

TEST(Alert, Names) {
    EXPECT_EQ(to_string(AlertLevel::Fatal), "fatal");
    EXPECT_EQ(to_string(AlertDescription::BadRecordMac), "bad_record_mac");
    EXPECT_EQ(to_string(AlertDescription::NoApplicationProtocol), "no_application_protocol");
    EXPECT_EQ(to_string(static_cast<AlertDescription>(200)), "unknown");
    EXPECT_EQ(to_string(Error::DuplicateExtension), "DuplicateExtension");
}

TEST(Alert, ErrorsMapToTheirAlerts) {
    using D = AlertDescription;
    struct Row {
        Error e;
        D d;
    };
    const Row rows[] = {
        {Error::Truncated, D::DecodeError},
        {Error::TrailingBytes, D::DecodeError},
        {Error::BadVectorLength, D::DecodeError},
        {Error::HandshakeTooLarge, D::DecodeError},
        {Error::UnknownContentType, D::UnexpectedMessage},
        {Error::EmptyRecord, D::UnexpectedMessage},
        {Error::NoContentType, D::UnexpectedMessage},
        {Error::UnexpectedMessage, D::UnexpectedMessage},
        {Error::BadRecordVersion, D::ProtocolVersion},
        {Error::ProtocolVersion, D::ProtocolVersion},
        {Error::RecordOverflow, D::RecordOverflow},
        {Error::BadRecordMac, D::BadRecordMac},
        {Error::DuplicateExtension, D::IllegalParameter},
        {Error::PskNotLast, D::IllegalParameter},
        {Error::DuplicateKeyShare, D::IllegalParameter},
        {Error::CompressionRefused, D::IllegalParameter},
        {Error::DowngradeDetected, D::IllegalParameter},
        {Error::UnsupportedExtension, D::UnsupportedExtension},
        {Error::HandshakeFailure, D::HandshakeFailure},
        {Error::MissingExtension, D::MissingExtension},
        {Error::DecryptError, D::DecryptError},
        {Error::SequenceOverflow, D::InternalError},
        {Error::Crypto, D::InternalError},
    };
    for (const Row& r : rows) {
        EXPECT_EQ(alert_for(r.e), r.d) << to_string(r.e);
        EXPECT_EQ(fatal_alert(r.e), (Alert{AlertLevel::Fatal, r.d}));
    }
}

TEST(Alert, Codec) {
    const Alert a{AlertLevel::Warning, AlertDescription::CloseNotify};
    const core::Bytes b = build_alert(a);
    EXPECT_EQ(b, (core::Bytes{1, 0}));
    auto p = parse_alert(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, a);
    EXPECT_EQ(parse_alert(core::Bytes{2}).error(), Error::Truncated);
    EXPECT_EQ(parse_alert(core::Bytes{2, 40, 0}).error(), Error::TrailingBytes);
    EXPECT_EQ(parse_alert(core::Bytes{3, 40}).error(), Error::IllegalParameter);
}

TEST(Alert, FromCore) {
    EXPECT_EQ(from_core(core::Error::Truncated), Error::Truncated);
    EXPECT_EQ(from_core(core::Error::AuthenticationFailed), Error::BadRecordMac);
    EXPECT_EQ(from_core(core::Error::CryptoFailure), Error::Crypto);
}

}  // namespace
}  // namespace strata::tls
