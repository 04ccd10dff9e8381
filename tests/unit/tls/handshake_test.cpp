#include "tls/handshake.hpp"

#include <gtest/gtest.h>

#include "core/writer.hpp"

namespace strata::tls {
namespace {

using core::Bytes;

Extension ext(ExtensionType t, Bytes data) {
    return Extension{static_cast<std::uint16_t>(t), std::move(data)};
}

// A TLS 1.3 ClientHello built from the typed encoders.
ClientHello sample_client_hello() {
    ClientHello ch;
    for (std::size_t i = 0; i < kRandomLength; ++i) ch.random[i] = static_cast<std::uint8_t>(i);
    ch.legacy_session_id = Bytes(32, 0xee);
    ch.cipher_suites = {0x1301, 0x1302, 0xc02f};
    const std::uint16_t versions[] = {kTls13, kTls12};
    const std::uint16_t groups[] = {0x001d, 0x0017};
    const std::uint16_t sigs[] = {0x0403, 0x0804};
    const std::vector<KeyShareEntry> shares = {{0x001d, Bytes(32, 1)}};
    const std::vector<std::string> alpn = {"h2", "http/1.1"};
    const std::uint8_t modes[] = {1};
    ch.extensions.push_back(make_server_name("example.com").value());
    ch.extensions.push_back(make_supported_versions_ch(versions).value());
    ch.extensions.push_back(make_u16_list(ExtensionType::SupportedGroups, groups).value());
    ch.extensions.push_back(make_u16_list(ExtensionType::SignatureAlgorithms, sigs).value());
    ch.extensions.push_back(make_key_share_ch(shares).value());
    ch.extensions.push_back(make_alpn(alpn).value());
    ch.extensions.push_back(make_psk_key_exchange_modes(modes).value());
    ch.extensions.push_back(make_empty(ExtensionType::ExtendedMasterSecret));
    ch.extensions.push_back(make_empty(ExtensionType::EncryptThenMac));
    ch.extensions.push_back(make_renegotiation_info({}).value());
    ch.extensions.push_back(make_empty(ExtensionType::SessionTicket));
    ch.extensions.push_back(make_cookie(Bytes{9, 9}).value());
    ch.extensions.push_back(ext(static_cast<ExtensionType>(0x7a7a), Bytes{}));  // GREASE: ignored
    return ch;
}

Bytes encode(const ClientHello& ch) {
    auto b = build_client_hello(ch);
    EXPECT_TRUE(b);
    return b.value_or(Bytes{});
}

TEST(HandshakeReassembler, AcrossRecordsAndCoalesced) {
    auto m1 = build_handshake(HandshakeType::ClientHello, Bytes(300, 1));
    auto m2 = build_handshake(HandshakeType::Finished, Bytes(32, 2));
    auto m3 = build_handshake(HandshakeType::EndOfEarlyData, {});
    ASSERT_TRUE(m1 && m2 && m3);
    Bytes stream = *m1;
    stream.insert(stream.end(), m2->begin(), m2->end());
    stream.insert(stream.end(), m3->begin(), m3->end());
    HandshakeReassembler r;
    std::vector<HandshakeMessage> got;
    for (std::size_t i = 0; i < stream.size(); i += 7) {
        r.feed(core::ByteView(stream).subspan(i, std::min<std::size_t>(7, stream.size() - i)));
        for (;;) {
            auto m = r.next();
            ASSERT_TRUE(m);
            if (!m->has_value()) break;
            got.push_back(std::move(**m));
        }
    }
    ASSERT_EQ(got.size(), 3U);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(got[0].encoded, *m1);
    EXPECT_EQ(got[0].body().size(), 300U);
    EXPECT_EQ(got[1].type, HandshakeType::Finished);
    EXPECT_EQ(got[2].type, HandshakeType::EndOfEarlyData);
    EXPECT_TRUE(got[2].body().empty());
    // A partial message is visible as !empty() (RFC 8446 §5.1 key-change check).
    r.feed(Bytes{20, 0});
    EXPECT_FALSE(r.empty());
    EXPECT_EQ(to_string(HandshakeType::Finished), "finished");
}

TEST(HandshakeReassembler, TooLargeIsStickyDecodeError) {
    HandshakeReassembler r(100);
    r.feed(Bytes{11, 0, 0, 101});
    EXPECT_EQ(r.next().error(), Error::HandshakeTooLarge);
    EXPECT_EQ(alert_for(Error::HandshakeTooLarge), AlertDescription::DecodeError);
    r.feed(Bytes(200, 0));
    EXPECT_EQ(r.next().error(), Error::HandshakeTooLarge);
    EXPECT_EQ(build_handshake(HandshakeType::Certificate, Bytes(std::size_t{1} << 24)).error(),
              Error::HandshakeTooLarge);
}

TEST(ClientHelloCodec, RoundTripAndTypedView) {
    const ClientHello ch = sample_client_hello();
    const Bytes body = encode(ch);
    auto parsed = parse_client_hello(body);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(encode(*parsed), body);
    EXPECT_EQ(parsed->cipher_suites, ch.cipher_suites);
    EXPECT_EQ(parsed->extensions, ch.extensions);
    auto x = decode_client_hello_extensions(*parsed);
    ASSERT_TRUE(x);
    EXPECT_EQ(x->server_name, "example.com");
    EXPECT_EQ(x->supported_versions, (std::vector<std::uint16_t>{kTls13, kTls12}));
    EXPECT_EQ(x->supported_groups, (std::vector<std::uint16_t>{0x001d, 0x0017}));
    EXPECT_EQ(x->signature_algorithms, (std::vector<std::uint16_t>{0x0403, 0x0804}));
    ASSERT_TRUE(x->key_shares);
    EXPECT_EQ(x->key_shares->at(0).key_exchange, Bytes(32, 1));
    EXPECT_EQ(x->alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    EXPECT_EQ(x->psk_key_exchange_modes, (std::vector<std::uint8_t>{1}));
    EXPECT_TRUE(x->extended_master_secret);
    EXPECT_TRUE(x->encrypt_then_mac);
    EXPECT_EQ(x->renegotiation_info, Bytes{});
    EXPECT_EQ(x->session_ticket, Bytes{});
    EXPECT_EQ(x->cookie, (Bytes{9, 9}));
    EXPECT_FALSE(x->pre_shared_key);
}

TEST(ClientHelloCodec, NoExtensionsBlock) {
    ClientHello ch;
    ch.cipher_suites = {0x002f};
    ch.has_extensions = false;
    const Bytes body = encode(ch);
    EXPECT_EQ(body.size(), 2U + 32 + 1 + 2 + 2 + 2);
    auto p = parse_client_hello(body);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->has_extensions);
    EXPECT_EQ(encode(*p), body);
}

TEST(ClientHelloCodec, FramingErrors) {
    const Bytes good = encode(sample_client_hello());
    // Every truncation fails (the extensions block is optional only when it is
    // absent entirely, which happens at exactly one cut).
    const std::size_t no_ext = 2 + 32 + 1 + 32 + 2 + 6 + 2;
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto p = parse_client_hello(core::ByteView(good).first(n));
        if (n == no_ext) {
            EXPECT_TRUE(p);
            continue;
        }
        ASSERT_FALSE(p) << n;
        EXPECT_EQ(alert_for(p.error()), AlertDescription::DecodeError) << n;
    }
    Bytes trailing = good;
    trailing.push_back(0);
    EXPECT_EQ(parse_client_hello(trailing).error(), Error::TrailingBytes);

    ClientHello ch = sample_client_hello();
    ch.legacy_session_id = Bytes(33, 1);  // legacy_session_id<0..32>
    EXPECT_EQ(parse_client_hello(encode(ch)).error(), Error::BadVectorLength);
    ch = sample_client_hello();
    ch.cipher_suites.clear();  // cipher_suites<2..2^16-2>
    EXPECT_EQ(parse_client_hello(encode(ch)).error(), Error::BadVectorLength);
    ch = sample_client_hello();
    ch.compression_methods.clear();
    EXPECT_EQ(parse_client_hello(encode(ch)).error(), Error::BadVectorLength);
}

TEST(ClientHelloCodec, CompressionMustOfferNull) {
    ClientHello ch = sample_client_hello();
    ch.compression_methods = {1};  // DEFLATE only: CRIME
    auto p = parse_client_hello(encode(ch));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::CompressionRefused);
    EXPECT_EQ(alert_for(p.error()), AlertDescription::IllegalParameter);
    ch.compression_methods = {1, 0};
    EXPECT_TRUE(parse_client_hello(encode(ch)));
}

TEST(ClientHelloCodec, DuplicateExtension) {
    ClientHello ch = sample_client_hello();
    ch.extensions.push_back(make_empty(ExtensionType::ExtendedMasterSecret));
    auto p = parse_client_hello(encode(ch));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::DuplicateExtension);
    EXPECT_EQ(alert_for(p.error()), AlertDescription::IllegalParameter);
}

Extension psk_ext(std::size_t identities, std::size_t binders) {
    Bytes d;
    core::Writer w(d);
    auto l = w.open_length(2);
    for (std::size_t i = 0; i < identities; ++i) {
        w.u16(3);
        w.bytes(Bytes{1, 2, 3});
        w.u32(77);
    }
    w.close_length(l);
    l = w.open_length(2);
    for (std::size_t i = 0; i < binders; ++i) {
        w.u8(32);
        w.bytes(Bytes(32, 5));
    }
    w.close_length(l);
    return ext(ExtensionType::PreSharedKey, d);
}

TEST(ClientHelloCodec, PreSharedKey) {
    ClientHello ch = sample_client_hello();
    ch.extensions.push_back(psk_ext(2, 2));
    auto p = parse_client_hello(encode(ch));
    ASSERT_TRUE(p);
    auto x = decode_client_hello_extensions(*p);
    ASSERT_TRUE(x);
    ASSERT_TRUE(x->pre_shared_key);
    EXPECT_EQ(x->pre_shared_key->identities.size(), 2U);
    EXPECT_EQ(x->pre_shared_key->identities[1].obfuscated_ticket_age, 77U);
    EXPECT_EQ(x->pre_shared_key->binders[0], Bytes(32, 5));

    // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension.
    ch.extensions.push_back(make_empty(ExtensionType::EarlyData));
    EXPECT_EQ(parse_client_hello(encode(ch)).error(), Error::PskNotLast);

    ClientHello mismatch = sample_client_hello();
    mismatch.extensions.push_back(psk_ext(2, 1));
    auto m = parse_client_hello(encode(mismatch));
    ASSERT_TRUE(m);
    EXPECT_EQ(decode_client_hello_extensions(*m).error(), Error::PskBinderMismatch);
}

TEST(ClientHelloCodec, ExtensionContentErrors) {
    struct Case {
        Extension e;
        Error err;
    };
    const Case cases[] = {
        // RFC 8446 §4.2.8: two shares for one group.
        {ext(ExtensionType::KeyShare, {0, 10, 0, 29, 0, 1, 7, 0, 29, 0, 1, 8}), Error::DuplicateKeyShare},
        {ext(ExtensionType::KeyShare, {0, 4, 0, 29, 0, 0}), Error::BadVectorLength},    // empty key
        {ext(ExtensionType::SupportedVersions, {3, 3, 4, 3}), Error::BadVectorLength},  // odd length
        {ext(ExtensionType::SupportedVersions, {0}), Error::BadVectorLength},
        {ext(ExtensionType::SupportedGroups, {0, 2, 0, 29, 0}), Error::TrailingBytes},
        {ext(ExtensionType::SignatureAlgorithms, {0, 3, 4, 3, 8}), Error::BadVectorLength},
        {ext(ExtensionType::ExtendedMasterSecret, {0}), Error::TrailingBytes},  // RFC 7627 §5.1: empty
        {ext(ExtensionType::EncryptThenMac, {0}), Error::TrailingBytes},
        {ext(ExtensionType::Alpn, {0, 1, 0}), Error::BadVectorLength},
        {ext(ExtensionType::Alpn, {0, 2, 1}), Error::Truncated},
        {ext(ExtensionType::PskKeyExchangeModes, {0}), Error::BadVectorLength},
        {ext(ExtensionType::Cookie, {0, 0}), Error::BadVectorLength},
        {ext(ExtensionType::RenegotiationInfo, {2, 1}), Error::Truncated},
        // RFC 6066 §3: two host names.
        {ext(ExtensionType::ServerName, {0, 8, 0, 0, 1, 'a', 0, 0, 1, 'b'}), Error::IllegalParameter},
        {ext(ExtensionType::ServerName, {0, 4, 0, 0, 1, 0}), Error::IllegalParameter},  // NUL in name
        {ext(ExtensionType::ServerName, {0, 0}), Error::BadVectorLength},
    };
    for (const Case& c : cases) {
        ClientHello ch;
        ch.cipher_suites = {0x1301};
        ch.extensions = {c.e};
        auto p = parse_client_hello(encode(ch));
        ASSERT_TRUE(p);
        auto x = decode_client_hello_extensions(*p);
        ASSERT_FALSE(x) << c.e.type;
        EXPECT_EQ(x.error(), c.err) << c.e.type;
    }
}

ServerHello sample_server_hello() {
    ServerHello sh;
    sh.random.fill(0x42);
    sh.legacy_session_id_echo = Bytes(32, 0xee);
    sh.cipher_suite = 0x1301;
    sh.extensions.push_back(make_supported_versions_sh(kTls13));
    sh.extensions.push_back(make_key_share_sh(KeyShareEntry{0x001d, Bytes(32, 2)}).value());
    return sh;
}

TEST(ServerHelloCodec, RoundTripAndAllowList) {
    const ClientHello ch = sample_client_hello();
    const auto offered = offered_extension_types(ch);
    ServerHello sh = sample_server_hello();
    auto body = build_server_hello(sh);
    ASSERT_TRUE(body);
    auto p = parse_server_hello(*body);
    ASSERT_TRUE(p);
    EXPECT_EQ(build_server_hello(*p).value(), *body);
    auto x = decode_server_hello_extensions(*p, offered);
    ASSERT_TRUE(x);
    EXPECT_EQ(x->selected_version, kTls13);
    EXPECT_EQ(x->key_share->group, 0x001d);

    // Unsolicited: the client never offered pre_shared_key.
    sh.extensions.push_back(ext(ExtensionType::PreSharedKey, {0, 0}));
    EXPECT_EQ(decode_server_hello_extensions(sh, offered).error(), Error::UnsupportedExtension);
    // Offered but not allowed in a TLS 1.3 ServerHello (it goes in EncryptedExtensions).
    sh = sample_server_hello();
    sh.extensions.push_back(make_alpn(std::vector<std::string>{"h2"}).value());
    EXPECT_EQ(decode_server_hello_extensions(sh, offered).error(), Error::IllegalParameter);
}

TEST(ServerHelloCodec, Tls12Extensions) {
    const auto offered = offered_extension_types(sample_client_hello());
    ServerHello sh;
    sh.cipher_suite = 0xc02f;
    sh.extensions = {make_empty(ExtensionType::ExtendedMasterSecret),
                     make_empty(ExtensionType::EncryptThenMac),
                     make_renegotiation_info({}).value(),
                     make_empty(ExtensionType::SessionTicket),
                     make_empty(ExtensionType::ServerName),
                     make_alpn(std::vector<std::string>{"h2"}).value()};
    auto x = decode_server_hello_extensions(sh, offered);
    ASSERT_TRUE(x);
    EXPECT_TRUE(x->extended_master_secret);
    EXPECT_TRUE(x->encrypt_then_mac);
    EXPECT_TRUE(x->session_ticket);
    EXPECT_TRUE(x->server_name_ack);
    EXPECT_EQ(x->alpn, "h2");
    EXPECT_EQ(x->renegotiation_info, Bytes{});
    // A TLS 1.2 ServerHello cannot carry key_share.
    sh.extensions.push_back(make_key_share_sh(KeyShareEntry{0x001d, Bytes(32, 2)}).value());
    EXPECT_EQ(decode_server_hello_extensions(sh, offered).error(), Error::IllegalParameter);
    // RFC 7301 §3.1: the server selects exactly one protocol.
    sh.extensions = {make_alpn(std::vector<std::string>{"h2", "x"}).value()};
    EXPECT_EQ(decode_server_hello_extensions(sh, offered).error(), Error::IllegalParameter);
}

TEST(ServerHelloCodec, HelloRetryRequest) {
    const auto offered = offered_extension_types(sample_client_hello());
    ServerHello hrr;
    hrr.random = kHelloRetryRequestRandom;
    hrr.cipher_suite = 0x1301;
    hrr.extensions = {make_supported_versions_sh(kTls13), make_key_share_hrr(0x0017),
                      make_cookie(Bytes{1, 2, 3}).value()};
    EXPECT_TRUE(is_hello_retry_request(hrr));
    auto x = decode_server_hello_extensions(hrr, offered);
    ASSERT_TRUE(x);
    EXPECT_EQ(x->selected_group, 0x0017);
    EXPECT_FALSE(x->key_share);
    EXPECT_EQ(x->cookie, (Bytes{1, 2, 3}));
    EXPECT_FALSE(is_hello_retry_request(sample_server_hello()));
}

TEST(ServerHelloCodec, CompressionAndDuplicates) {
    ServerHello sh = sample_server_hello();
    sh.legacy_compression_method = 1;
    auto p = parse_server_hello(build_server_hello(sh).value());
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::CompressionRefused);
    sh = sample_server_hello();
    sh.extensions.push_back(make_supported_versions_sh(kTls12));
    EXPECT_EQ(parse_server_hello(build_server_hello(sh).value()).error(), Error::DuplicateExtension);
}

TEST(Downgrade, Sentinels) {
    Random r{};
    r.fill(0x11);
    EXPECT_EQ(downgrade_sentinel(r), Downgrade::None);
    set_downgrade_sentinel(r, Downgrade::Tls12);
    EXPECT_EQ(downgrade_sentinel(r), Downgrade::Tls12);
    EXPECT_EQ(r[24], 0x44);
    EXPECT_EQ(r[31], 0x01);
    EXPECT_EQ(r[23], 0x11);
    set_downgrade_sentinel(r, Downgrade::Tls11OrBelow);
    EXPECT_EQ(downgrade_sentinel(r), Downgrade::Tls11OrBelow);
    r[31] = 2;
    EXPECT_EQ(downgrade_sentinel(r), Downgrade::None);
}

TEST(Encoders, RefuseEmpty) {
    EXPECT_FALSE(make_supported_versions_ch({}));
    EXPECT_FALSE(make_u16_list(ExtensionType::SupportedGroups, {}));
    EXPECT_FALSE(make_server_name(""));
    EXPECT_FALSE(make_alpn(std::vector<std::string>{""}));
    EXPECT_FALSE(make_cookie({}));
    EXPECT_FALSE(make_psk_key_exchange_modes({}));
    EXPECT_FALSE(make_key_share_sh(KeyShareEntry{29, {}}));
}

}  // namespace
}  // namespace strata::tls
