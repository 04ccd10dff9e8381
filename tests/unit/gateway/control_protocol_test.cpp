#include "gateway/control_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::gateway {
namespace {

TEST(ControlProtocol, ParsesEveryCommand) {
    for (auto c :
         {Command::Status, Command::ListSas, Command::ListPolicies, Command::Counters, Command::Reload}) {
        auto r = parse_request(to_string(c));
        ASSERT_TRUE(r.ok()) << to_string(c);
        EXPECT_EQ(r->command, c);
        EXPECT_EQ(format_request(*r), to_string(c));
    }
    auto r = parse_request("  initiate\tgw-d.net_1 \r");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->command, Command::Initiate);
    EXPECT_EQ(r->name, "gw-d.net_1");
    EXPECT_EQ(format_request(*r), "initiate gw-d.net_1");
    EXPECT_TRUE(parse_request("rekey x").ok());
    EXPECT_TRUE(parse_request("terminate x").ok());
}

TEST(ControlProtocol, RekeyIkeIsRekeyWithTheIkeFlag) {
    auto r = parse_request("rekey gw-d --ike");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->command, Command::Rekey);
    EXPECT_EQ(r->name, "gw-d");
    EXPECT_TRUE(r->ike);
    EXPECT_EQ(format_request(*r), "rekey gw-d --ike");
    auto plain = parse_request("rekey gw-d");
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->ike);
    EXPECT_EQ(format_request(*plain), "rekey gw-d");
    // --ike belongs to rekey only, and is the only third word rekey takes.
    for (const char* bad : {"initiate gw-d --ike", "terminate gw-d --ike", "rekey gw-d ike",
                            "rekey gw-d --child", "rekey gw-d --ike x"}) {
        auto e = parse_request(bad);
        ASSERT_FALSE(e.ok()) << bad;
        EXPECT_EQ(e.error(), ProtocolError::UnexpectedArgument) << bad;
    }
}

TEST(ControlProtocol, RefusesJunkWithASpecificReason) {
    auto err = [](std::string_view line) {
        auto r = parse_request(line);
        EXPECT_FALSE(r.ok()) << line;
        return r.ok() ? ProtocolError::Empty : r.error();
    };
    EXPECT_EQ(err(""), ProtocolError::Empty);
    EXPECT_EQ(err("   \t"), ProtocolError::Empty);
    EXPECT_EQ(err(std::string(kMaxRequestLine + 1, 'a')), ProtocolError::TooLong);
    EXPECT_EQ(err(std::string("stat\0us", 7)), ProtocolError::NotText);
    EXPECT_EQ(err("st\xc3\xa4tus"), ProtocolError::NotText);
    EXPECT_EQ(err("{\"cmd\":\"status\"}"), ProtocolError::UnknownCommand);
    EXPECT_EQ(err("STATUS"), ProtocolError::UnknownCommand);
    EXPECT_EQ(err("initiate"), ProtocolError::MissingName);
    EXPECT_EQ(err("initiate a b"), ProtocolError::UnexpectedArgument);
    EXPECT_EQ(err("status now"), ProtocolError::UnexpectedArgument);
    EXPECT_EQ(err("status a b c d"), ProtocolError::UnexpectedArgument);
    EXPECT_EQ(err("rekey a/b"), ProtocolError::BadName);
    EXPECT_EQ(err("rekey " + std::string(kMaxNameLength + 1, 'n')), ProtocolError::BadName);
    EXPECT_FALSE(to_string(ProtocolError::UnknownCommand).empty());
}

}  // namespace
}  // namespace strata::gateway
