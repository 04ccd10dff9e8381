#include "gateway/control_protocol.hpp"

#include <algorithm>
#include <array>

namespace strata::gateway {

namespace {

struct CommandName {
    Command command;
    std::string_view word;
};

constexpr std::array<CommandName, 8> kCommands{{
    {Command::Status, "status"},
    {Command::ListSas, "list-sas"},
    {Command::ListPolicies, "list-policies"},
    {Command::Counters, "counters"},
    {Command::Initiate, "initiate"},
    {Command::Terminate, "terminate"},
    {Command::Rekey, "rekey"},
    {Command::Reload, "reload"},
}};

bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

}  // namespace

std::string_view to_string(Command c) noexcept {
    for (const auto& n : kCommands) {
        if (n.command == c) return n.word;
    }
    return "status";
}

std::optional<Command> parse_command(std::string_view word) noexcept {
    for (const auto& n : kCommands) {
        if (n.word == word) return n.command;
    }
    return std::nullopt;
}

bool takes_name(Command c) noexcept {
    return c == Command::Initiate || c == Command::Terminate || c == Command::Rekey;
}

std::string_view to_string(ProtocolError e) noexcept {
    switch (e) {
        case ProtocolError::Empty: return "empty request";
        case ProtocolError::TooLong: return "request line too long";
        case ProtocolError::NotText: return "request is not printable ASCII text";
        case ProtocolError::UnknownCommand:
            return "unknown command (status, list-sas, list-policies, counters, initiate NAME, terminate "
                   "NAME, "
                   "rekey NAME [--ike], reload)";
        case ProtocolError::MissingName: return "this command needs a NAME";
        case ProtocolError::UnexpectedArgument: return "unexpected argument";
        case ProtocolError::BadName:
            return "NAME must be 1..64 characters of letters, digits, '.', '_' or '-'";
    }
    return "bad request";
}

core::Result<Request, ProtocolError> parse_request(std::string_view line) noexcept {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxRequestLine) return core::fail(ProtocolError::TooLong);
    for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u > 0x7e) return core::fail(ProtocolError::NotText);
    }
    // Split into at most three words, so "a b c" is noticed as too many.
    std::array<std::string_view, 3> words{};
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i >= line.size()) break;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (count == words.size()) return core::fail(ProtocolError::UnexpectedArgument);
        words[count++] = line.substr(start, i - start);
    }
    if (count == 0) return core::fail(ProtocolError::Empty);
    auto cmd = parse_command(words[0]);
    if (!cmd) return core::fail(ProtocolError::UnknownCommand);
    Request r;
    r.command = *cmd;
    if (takes_name(*cmd)) {
        if (count < 2) return core::fail(ProtocolError::MissingName);
        if (count > 2) {
            if (*cmd != Command::Rekey || words[2] != "--ike")
                return core::fail(ProtocolError::UnexpectedArgument);
            r.ike = true;
        }
        const std::string_view name = words[1];
        if (name.size() > kMaxNameLength || !std::all_of(name.begin(), name.end(), is_name_char))
            return core::fail(ProtocolError::BadName);
        r.name.assign(name);
    } else if (count > 1) {
        return core::fail(ProtocolError::UnexpectedArgument);
    }
    return r;
}

std::string format_request(const Request& r) {
    std::string s(to_string(r.command));
    if (takes_name(r.command)) s += " " + r.name;
    if (r.command == Command::Rekey && r.ike) s += " --ike";
    return s;
}

}  // namespace strata::gateway
