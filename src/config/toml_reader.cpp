#include "config/toml_reader.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <sstream>

namespace strata::config {

namespace {

// utf8_length returns how many bytes the well-formed UTF-8 sequence at
// s[i] has, or 0 if it is ill-formed (RFC 3629 §4: no overlong forms, no
// surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;  // the range of the second byte
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        n = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        n = 3;
        if (b0 == 0xe0) lo = 0xa0;
        if (b0 == 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        n = 4;
        if (b0 == 0xf0) lo = 0x90;
        if (b0 == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (s.size() - i < n) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
    }
    return n;
}

// Lexer states of the nesting scan: brackets inside strings and comments
// do not nest.
enum class Scan : std::uint8_t { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral };

}  // namespace

core::Result<void, ConfigError> screen_toml(std::string_view text, const std::string& origin) {
    if (text.size() > kMaxTomlBytes)
        return core::fail(ConfigError{fmt::format("{}: the file is over {} bytes", origin, kMaxTomlBytes)});
    std::size_t line = 1;
    int depth = 0;
    Scan state = Scan::Code;
    const auto at = [&](std::size_t i, std::string_view what) { return text.substr(i, what.size()) == what; };
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0)
            return core::fail(
                ConfigError{fmt::format("{}:{}: not UTF-8 (TOML files are UTF-8)", origin, line)});
        const char c = text[i];
        std::size_t step = n;
        switch (state) {
            case Scan::Code:
                if (c == '#') state = Scan::Comment;
                if (c == '"') state = at(i, R"(""")") ? (step = 3, Scan::MultiBasic) : Scan::Basic;
                if (c == '\'') state = at(i, "'''") ? (step = 3, Scan::MultiLiteral) : Scan::Literal;
                if (c == '[' || c == '{') {
                    if (++depth > kMaxTomlDepth)
                        return core::fail(ConfigError{
                            fmt::format("{}:{}: nested more than {} deep", origin, line, kMaxTomlDepth)});
                }
                if ((c == ']' || c == '}') && depth > 0) --depth;
                break;
            case Scan::Comment:
                if (c == '\n') state = Scan::Code;
                break;
            case Scan::Basic:
                if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') step = 2;
                if (c == '"' || c == '\n') state = Scan::Code;
                break;
            case Scan::Literal:
                if (c == '\'' || c == '\n') state = Scan::Code;
                break;
            case Scan::MultiBasic:
                if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') step = 2;
                if (at(i, R"(""")")) state = (step = 3, Scan::Code);
                break;
            case Scan::MultiLiteral:
                if (at(i, "'''")) state = (step = 3, Scan::Code);
                break;
        }
        for (std::size_t k = i; k < i + step && k < text.size(); ++k) line += text[k] == '\n' ? 1 : 0;
        i += step;
    }
    return {};
}

core::Result<toml::value, ConfigError> parse_toml(std::string_view text, const std::string& origin) {
    if (auto ok = screen_toml(text, origin); !ok) return core::fail(ok.error());
    try {
        std::istringstream in{std::string(text)};
        return toml::parse(in, origin);
    } catch (const toml::syntax_error& e) {
        return core::fail(ConfigError{fmt::format("{}:{}: TOML syntax error\n{}", e.location().file_name(),
                                                  e.location().line(), e.what())});
    } catch (const toml::exception& e) {
        return core::fail(
            ConfigError{fmt::format("{}:{}: {}", e.location().file_name(), e.location().line(), e.what())});
    } catch (const std::exception& e) {
        return core::fail(ConfigError{origin + ": " + e.what()});
    }
}

std::string where(const toml::value& v) {
    const toml::source_location loc = v.location();
    return loc.file_name() + ":" + std::to_string(loc.line());
}

void refuse(const toml::value& at, const std::string& why) {
    // First line "file:line: reason" (what scripts and editors look for),
    // then toml11's excerpt of the offending line.
    throw Refused{where(at) + ": " + why + "\n" + toml::format_error("[error] " + why, at, "here")};
}

const toml::value& need(const toml::value& table, const std::string& key) {
    if (!table.contains(key)) refuse(table, "missing key '" + key + "'");
    return table.at(key);
}

std::string need_string(const toml::value& table, const std::string& key) {
    const toml::value& v = need(table, key);
    if (!v.is_string()) refuse(v, "'" + key + "' must be a string");
    return v.as_string().str;
}

std::string string_or(const toml::value& table, const std::string& key, const std::string& fallback) {
    return table.contains(key) ? need_string(table, key) : fallback;
}

std::int64_t int_or(const toml::value& table, const std::string& key, std::int64_t fallback, std::int64_t lo,
                    std::int64_t hi) {
    if (!table.contains(key)) return fallback;
    const toml::value& v = table.at(key);
    if (!v.is_integer()) refuse(v, "'" + key + "' must be an integer");
    const std::int64_t n = v.as_integer();
    if (n < lo || n > hi) refuse(v, fmt::format("'{}' must be in {}..{}", key, lo, hi));
    return n;
}

bool bool_or(const toml::value& table, const std::string& key, bool fallback) {
    if (!table.contains(key)) return fallback;
    const toml::value& v = table.at(key);
    if (!v.is_boolean()) refuse(v, "'" + key + "' must be true or false");
    return v.as_boolean();
}

std::vector<std::string> strings(const toml::value& table, const std::string& key) {
    std::vector<std::string> out;
    if (!table.contains(key)) return out;
    const toml::value& v = table.at(key);
    if (v.is_string()) {
        out.push_back(v.as_string().str);
        return out;
    }
    if (!v.is_array()) refuse(v, "'" + key + "' must be a string or a list of strings");
    for (const auto& item : v.as_array()) {
        if (!item.is_string()) refuse(item, "'" + key + "' lists strings only");
        out.push_back(item.as_string().str);
    }
    return out;
}

void check_keys(const toml::value& table, std::initializer_list<std::string_view> known,
                const std::string& what) {
    if (!table.is_table()) refuse(table, what + " must be a table");
    for (const auto& [key, v] : table.as_table()) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            std::string list;
            for (auto k : known) {
                if (!list.empty()) list += ", ";
                list += k;
            }
            refuse(v, fmt::format("unknown key '{}' in {} (known: {})", key, what, list));
        }
    }
}

}  // namespace strata::config
