#include "config/toml_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::config {
namespace {

bool screened(const std::string& text) { return screen_toml(text, "t.toml").ok(); }

std::string refusal(const std::string& text) {
    auto r = parse_toml(text, "t.toml");
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.error().message;
}

TEST(TomlReader, ParsesAValidDocument) {
    auto r = parse_toml(
        "[gateway]\nname = \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\"\nlist = [[1], {a = 2}]\n", "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(toml::find<std::string>(r.value(), "gateway", "name"),
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
}

// The input that made toml11 3.7 read past its buffer (found by
// fuzz.gateway_config): bytes 0xff inside a literal string in an array.
TEST(TomlReader, RefusesBadUtf8WithItsLineBeforeToml11SeesIt) {
    const std::string crash = "[gateway]\naddresses = ['\xff\xff\xff\n";
    EXPECT_EQ(refusal(crash), "t.toml:2: not UTF-8 (TOML files are UTF-8)");
    EXPECT_FALSE(screened("a = '\xc0\xaf'"));          // overlong '/'
    EXPECT_FALSE(screened("a = '\xed\xa0\x80'"));      // a UTF-16 surrogate
    EXPECT_FALSE(screened("a = '\xf4\x90\x80\x80'"));  // above U+10FFFF
    EXPECT_FALSE(screened("a = '\xe2\x82'"));          // cut short at the end
    EXPECT_FALSE(screened("a = '\x80'"));              // a lone continuation byte
    EXPECT_TRUE(screened("a = '\xe2\x82\xac'"));
}

TEST(TomlReader, RefusesDeepNestingButNotBracketsInStringsOrComments) {
    std::string deep = "a = ";
    for (int i = 0; i < 5000; ++i) deep += '[';
    EXPECT_NE(refusal(deep).find("t.toml:1: nested more than"), std::string::npos);
    std::string ok_depth = "a = ";
    for (int i = 0; i < kMaxTomlDepth; ++i) ok_depth += '[';
    for (int i = 0; i < kMaxTomlDepth; ++i) ok_depth += ']';
    EXPECT_TRUE(parse_toml(ok_depth, "t.toml").ok());
    const std::string many(100, '[');
    EXPECT_TRUE(screened("a = \"" + many + "\"\n# " + many + "\nb = '" + many + "'\n"));
    EXPECT_TRUE(screened("a = \"\"\"\n" + many + "\n\"\"\"\nb = '''" + many + "'''\n"));
    EXPECT_TRUE(screened("a = \"\\\"" + many + "\"\n"));  // an escaped quote does not end the string
    EXPECT_FALSE(screened("a = \"x\"" + many));           // but the closing one does
}

TEST(TomlReader, RefusesAnOversizedFile) {
    EXPECT_NE(refusal(std::string(kMaxTomlBytes + 1, ' ')).find("over"), std::string::npos);
}

TEST(TomlReader, SyntaxErrorsNameFileAndLine) {
    EXPECT_EQ(refusal("a = 1\nb = = 2\n").rfind("t.toml:2: TOML syntax error", 0), 0U);
}

TEST(TomlReader, FieldReadersRefuseWithFileAndLine) {
    auto doc = parse_toml("[t]\nn = \"x\"\nb = 3\nl = [\"a\", 1]\n", "t.toml");
    ASSERT_TRUE(doc.ok());
    const toml::value& t = doc.value().at("t");
    auto refused = [](auto&& f) {
        try {
            f();
        } catch (const Refused& r) {
            return r.message.substr(0, r.message.find('\n'));
        }
        return std::string("not refused");
    };
    EXPECT_EQ(refused([&] { (void)int_or(t, "n", 0, 0, 1); }), "t.toml:2: 'n' must be an integer");
    EXPECT_EQ(refused([&] { (void)int_or(t, "b", 0, 0, 1); }), "t.toml:3: 'b' must be in 0..1");
    EXPECT_EQ(refused([&] { (void)bool_or(t, "b", false); }), "t.toml:3: 'b' must be true or false");
    EXPECT_EQ(refused([&] { (void)strings(t, "l"); }), "t.toml:4: 'l' lists strings only");
    EXPECT_EQ(refused([&] {
                  check_keys(t, {"n", "b"}, "[t]");
              }),
              "t.toml:4: unknown key 'l' in [t] (known: n, b)");
    EXPECT_EQ(string_or(t, "missing", "d"), "d");
    EXPECT_EQ(int_or(t, "b", 0, 0, 5), 3);
}

}  // namespace
}  // namespace strata::config
