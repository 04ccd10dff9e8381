#include "tls/messages12.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "core/hex.hpp"

namespace strata::tls {
namespace {

using core::Bytes;

Bytes hex(std::string_view h) { return core::from_hex(h).value(); }

// A parser as a predicate: returns the error, or nullopt on success.
using Parse = std::function<std::optional<Error>(core::ByteView)>;

template <typename F>
Parse parser(F f) {
    return [f](core::ByteView b) -> std::optional<Error> {
        auto r = f(b);
        if (r) return std::nullopt;
        return r.error();
    };
}

// expect_strict checks that every strict prefix of a valid encoding fails
// with a decode_error, and that one extra byte fails with TrailingBytes.
void expect_strict(const Parse& parse, const Bytes& valid) {
    ASSERT_FALSE(parse(valid).has_value()) << "the valid encoding must parse";
    for (std::size_t n = 0; n < valid.size(); ++n) {
        SCOPED_TRACE(n);
        auto e = parse(core::ByteView(valid).first(n));
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(alert_for(*e), AlertDescription::DecodeError) << to_string(*e);
    }
    Bytes longer = valid;
    longer.push_back(0);
    auto e = parse(longer);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(*e, Error::TrailingBytes);
}

// ---- Certificate ----

TEST(Certificate12, RoundTripAndWire) {
    Certificate12 c{{Bytes{0x30, 0x01, 0xaa}, Bytes{0x30, 0x00}}};
    auto body = build_certificate12(c);
    ASSERT_TRUE(body);
    // RFC 5246 §7.4.2: list<0..2^24-1> of ASN.1Cert<1..2^24-1>, 3-byte lengths.
    EXPECT_EQ(*body, hex("00000b"
                         "000003"
                         "3001aa"
                         "000002"
                         "3000"));
    auto back = parse_certificate12(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, c);
    expect_strict(parser(parse_certificate12), *body);
}

TEST(Certificate12, EmptyListIsValidEmptyCertificateIsNot) {
    auto empty = parse_certificate12(hex("000000"));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->certificates.empty());
    auto bad =
        parse_certificate12(hex("000003"
                                "000000"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), Error::BadVectorLength);
    EXPECT_FALSE(build_certificate12(Certificate12{{Bytes{}}}));
}

TEST(Certificate12, InnerLengthPastOuter) {
    auto r =
        parse_certificate12(hex("000004"
                                "000005"
                                "3001"));
    ASSERT_FALSE(r);
    EXPECT_EQ(alert_for(r.error()), AlertDescription::DecodeError);
}

// ---- ServerKeyExchange ----

ServerKeyExchangeEcdhe sample_ske() {
    ServerKeyExchangeEcdhe ske;
    ske.group = 0x001d;
    ske.public_key = Bytes(32, 0x42);
    ske.signature_scheme = 0x0804;
    ske.signature = Bytes(256, 0x99);
    return ske;
}

TEST(ServerKeyExchange, RoundTripAndWire) {
    const auto ske = sample_ske();
    auto body = build_server_key_exchange_ecdhe(ske);
    ASSERT_TRUE(body);
    // RFC 8422 §5.4: 03 | group | len | point | scheme | len16 | sig
    const Bytes head =
        hex("03"
            "001d"
            "20");
    ASSERT_GE(body->size(), head.size());
    EXPECT_TRUE(std::equal(head.begin(), head.end(), body->begin()));
    EXPECT_EQ(body->size(), 4u + 32 + 2 + 2 + 256);
    auto back = parse_server_key_exchange_ecdhe(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, ske);
    expect_strict(parser(parse_server_key_exchange_ecdhe), *body);
}

TEST(ServerKeyExchange, SignedDataIsRandomsThenParams) {
    const auto ske = sample_ske();
    Random cr{};
    Random sr{};
    cr.fill(0x11);
    sr.fill(0x22);
    auto signed_data = server_key_exchange_signed_data(cr, sr, ske);
    ASSERT_TRUE(signed_data);
    auto params = ecdhe_params(ske);
    ASSERT_TRUE(params);
    EXPECT_EQ(*params, core::concat({hex("03001d20"), Bytes(32, 0x42)}));
    EXPECT_EQ(*signed_data, core::concat({Bytes(32, 0x11), Bytes(32, 0x22), *params}));
    // The signed params are a prefix of the message body.
    auto body = build_server_key_exchange_ecdhe(ske);
    ASSERT_TRUE(body);
    EXPECT_TRUE(std::equal(params->begin(), params->end(), body->begin()));
}

TEST(ServerKeyExchange, ExplicitCurveIsIllegalParameter) {
    Bytes body = build_server_key_exchange_ecdhe(sample_ske()).value();
    body[0] = 1;  // explicit_prime (RFC 8422 §5.4: deprecated)
    auto r = parse_server_key_exchange_ecdhe(body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Error::IllegalParameter);
    EXPECT_EQ(alert_for(r.error()), AlertDescription::IllegalParameter);
}

TEST(ServerKeyExchange, EmptyPointIsDecodeError) {
    auto r =
        parse_server_key_exchange_ecdhe(hex("03001d00"
                                            "0804"
                                            "0000"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Error::BadVectorLength);
    auto ske = sample_ske();
    ske.public_key.clear();
    EXPECT_FALSE(build_server_key_exchange_ecdhe(ske));
}

// ---- CertificateRequest ----

TEST(CertificateRequest12, RoundTripAndWire) {
    CertificateRequest12 cr;
    cr.certificate_types = {kCertTypeRsaSign, kCertTypeEcdsaSign};
    cr.signature_algorithms = {0x0403, 0x0804};
    cr.certificate_authorities = {Bytes{0x30, 0x00}, Bytes{0x30, 0x01, 0x05}};
    auto body = build_certificate_request12(cr);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, hex("02"
                         "0140"
                         "0004"
                         "0403"
                         "0804"
                         "0009"
                         "0002"
                         "3000"
                         "0003"
                         "300105"));
    auto back = parse_certificate_request12(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, cr);
    expect_strict(parser(parse_certificate_request12), *body);
}

TEST(CertificateRequest12, BadVectors) {
    // certificate_types<1..2^8-1> empty
    EXPECT_EQ(parse_certificate_request12(hex("00"
                                              "0002"
                                              "0403"
                                              "0000"))
                  .error(),
              Error::BadVectorLength);
    // supported_signature_algorithms of odd length
    EXPECT_EQ(parse_certificate_request12(hex("0101"
                                              "0003"
                                              "040304"
                                              "0000"))
                  .error(),
              Error::BadVectorLength);
    // supported_signature_algorithms empty (<2..2^16-2>)
    EXPECT_EQ(parse_certificate_request12(hex("0101"
                                              "0000"
                                              "0000"))
                  .error(),
              Error::BadVectorLength);
    // an empty DistinguishedName (<1..2^16-1>)
    EXPECT_EQ(parse_certificate_request12(hex("0101"
                                              "0002"
                                              "0403"
                                              "0002"
                                              "0000"))
                  .error(),
              Error::BadVectorLength);
    // builders refuse what would not parse
    CertificateRequest12 cr;
    EXPECT_FALSE(build_certificate_request12(cr));
    cr.certificate_types = {1};
    EXPECT_FALSE(build_certificate_request12(cr));
}

// ---- ServerHelloDone ----

TEST(ServerHelloDone, EmptyOnly) {
    EXPECT_TRUE(build_server_hello_done().empty());
    EXPECT_TRUE(parse_server_hello_done({}));
    auto r = parse_server_hello_done(hex("00"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Error::TrailingBytes);
    EXPECT_EQ(alert_for(r.error()), AlertDescription::DecodeError);
}

// ---- ClientKeyExchange ----

TEST(ClientKeyExchange, RsaRoundTripWithTwoByteLength) {
    ClientKeyExchangeRsa cke{Bytes(256, 0x5a)};
    auto body = build_client_key_exchange_rsa(cke);
    ASSERT_TRUE(body);
    ASSERT_EQ(body->size(), 258u);
    EXPECT_EQ((*body)[0], 0x01);
    EXPECT_EQ((*body)[1], 0x00);
    auto back = parse_client_key_exchange_rsa(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, cke);
    expect_strict(parser(parse_client_key_exchange_rsa), *body);
}

TEST(ClientKeyExchange, EcdheRoundTrip) {
    ClientKeyExchangeEcdhe cke{core::concat({Bytes{0x04}, Bytes(64, 0x17)})};
    auto body = build_client_key_exchange_ecdhe(cke);
    ASSERT_TRUE(body);
    EXPECT_EQ((*body)[0], 65);
    auto back = parse_client_key_exchange_ecdhe(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, cke);
    expect_strict(parser(parse_client_key_exchange_ecdhe), *body);
    EXPECT_EQ(parse_client_key_exchange_ecdhe(hex("00")).error(), Error::BadVectorLength);
    EXPECT_FALSE(build_client_key_exchange_ecdhe(ClientKeyExchangeEcdhe{}));
    EXPECT_FALSE(build_client_key_exchange_ecdhe(ClientKeyExchangeEcdhe{Bytes(256, 1)}));
}

// ---- CertificateVerify ----

TEST(CertificateVerify12, RoundTripAndWire) {
    CertificateVerify12 cv{0x0401, Bytes{1, 2, 3}};
    auto body = build_certificate_verify12(cv);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, hex("0401"
                         "0003"
                         "010203"));
    auto back = parse_certificate_verify12(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, cv);
    expect_strict(parser(parse_certificate_verify12), *body);
}

// ---- Finished ----

TEST(Finished, ExactLength) {
    const Bytes vd(kTls12VerifyDataLength, 0xab);
    auto got = parse_finished(vd, kTls12VerifyDataLength);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, vd);
    auto short_one = parse_finished(core::ByteView(vd).first(11), kTls12VerifyDataLength);
    ASSERT_FALSE(short_one);
    EXPECT_EQ(short_one.error(), Error::Truncated);
    auto long_one = parse_finished(Bytes(32, 1), kTls12VerifyDataLength);
    ASSERT_FALSE(long_one);
    EXPECT_EQ(long_one.error(), Error::TrailingBytes);
    EXPECT_TRUE(parse_finished(Bytes(48, 1), 48));  // TLS 1.3 with SHA-384
    expect_strict(
        [](core::ByteView b) -> std::optional<Error> {
            auto r = parse_finished(b, 32);
            return r ? std::nullopt : std::optional<Error>(r.error());
        },
        Bytes(32, 7));
}

// ---- NewSessionTicket ----

TEST(NewSessionTicket12, RoundTripAndWire) {
    NewSessionTicket12 t{7200, Bytes{9, 8, 7}};
    auto body = build_new_session_ticket12(t);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, hex("00001c20"
                         "0003"
                         "090807"));
    auto back = parse_new_session_ticket12(*body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, t);
    expect_strict(parser(parse_new_session_ticket12), *body);
    // RFC 5077 §3.3: an empty ticket is allowed (the server will not resume).
    auto empty =
        parse_new_session_ticket12(hex("00000000"
                                       "0000"));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->ticket.empty());
}

TEST(Builders, OversizedFieldsFail) {
    EXPECT_EQ(build_new_session_ticket12(NewSessionTicket12{0, Bytes(0x10000, 1)}).error(),
              Error::BadVectorLength);
    EXPECT_EQ(build_certificate_verify12(CertificateVerify12{0x0401, Bytes(0x10000, 1)}).error(),
              Error::BadVectorLength);
    EXPECT_EQ(build_client_key_exchange_rsa(ClientKeyExchangeRsa{Bytes(0x10000, 1)}).error(),
              Error::BadVectorLength);
}

}  // namespace
}  // namespace strata::tls
