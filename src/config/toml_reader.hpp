// toml_reader.hpp: the one way Strata reads a TOML file, and the typed field
// readers every configuration loader shares.
//
// parse_toml screens the text before toml11 sees it: TOML is UTF-8 (TOML
// 1.0 "Spec"), and toml11 3.7 reads past its buffer while reporting bad
// UTF-8 inside a string, and recurses once per nested array or inline table.
// So the text must be valid UTF-8, at most kMaxTomlBytes long and nested at
// most kMaxTomlDepth deep; anything else is refused with file and line.
//
// The field readers throw Refused ("file:line: reason" and toml11's excerpt
// of the line); a loader catches it at its top and returns a ConfigError.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <toml.hpp>
#include <vector>

#include "config/error.hpp"
#include "core/result.hpp"

namespace strata::config {

inline constexpr std::size_t kMaxTomlBytes = 1U << 20;
inline constexpr int kMaxTomlDepth = 16;

// parse_toml parses `text` (`origin` names it in messages).
core::Result<toml::value, ConfigError> parse_toml(std::string_view text, const std::string& origin);

// screen_toml is parse_toml's check before toml11 runs; exposed for tests.
core::Result<void, ConfigError> screen_toml(std::string_view text, const std::string& origin);

// Refused carries a formatted error out of a recursive parse.
struct Refused {
    std::string message;
};

// line_of is the 1-based line a value starts on ("file:line").
std::string where(const toml::value& v);

[[noreturn]] void refuse(const toml::value& at, const std::string& why);

const toml::value& need(const toml::value& table, const std::string& key);
std::string need_string(const toml::value& table, const std::string& key);
std::string string_or(const toml::value& table, const std::string& key, const std::string& fallback);
std::int64_t int_or(const toml::value& table, const std::string& key, std::int64_t fallback, std::int64_t lo,
                    std::int64_t hi);
bool bool_or(const toml::value& table, const std::string& key, bool fallback);
// strings reads a string or a list of strings (swanctl lists are comma
// separated; TOML has arrays, and a single string is accepted too).
std::vector<std::string> strings(const toml::value& table, const std::string& key);
// check_keys refuses a key the table does not know (a typo must not be
// silently ignored: "remote_tss" would otherwise mean "no selectors").
void check_keys(const toml::value& table, std::initializer_list<std::string_view> known,
                const std::string& what);

}  // namespace strata::config
