// control_protocol.hpp: the line protocol between `strata ctl` and the gateway.
//
// Over the gateway's UNIX stream socket (mode 0600: root only) the client
// sends one request per line, in ASCII:
//
//   COMMAND [NAME]\n        status | list-sas | list-policies | counters |
//                           initiate NAME | terminate NAME | rekey NAME | reload
//   rekey NAME --ike\n      rekeys the peer's IKE SA instead of its CHILD SAs
//
// and the gateway answers each with one line of JSON:
//
//   {"ok":true,"command":"status","data":{...}}\n
//   {"ok":false,"error":"unknown command 'x'"}\n
//
// Anything else (binary, an over-long line, unknown words) gets an error
// reply; a line longer than kMaxRequestLine also closes the connection.
// The client prints `data` as text for people, or the whole line (--json).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace strata::gateway {

// kMaxRequestLine is the longest request line accepted (without the newline).
inline constexpr std::size_t kMaxRequestLine = 512;
// kMaxNameLength is the longest peer/child name a request may carry.
inline constexpr std::size_t kMaxNameLength = 64;

// Command is what a request asks for.
enum class Command : std::uint8_t {
    Status,
    ListSas,
    ListPolicies,
    Counters,
    Initiate,
    Terminate,
    Rekey,
    Reload
};
// to_string returns the command's word ("list-sas").
std::string_view to_string(Command c) noexcept;
// parse_command reads a command word; nullopt if unknown.
std::optional<Command> parse_command(std::string_view word) noexcept;
// takes_name is true for initiate, terminate and rekey.
bool takes_name(Command c) noexcept;

// Request is one parsed request line.
struct Request {
    Command command = Command::Status;
    std::string name;  // initiate/terminate/rekey: the peer or child
    bool ike = false;  // rekey: the IKE SA, not the CHILD SAs ("rekey NAME --ike")
    friend bool operator==(const Request&, const Request&) = default;
};

// ProtocolError says why a request line was refused.
enum class ProtocolError : std::uint8_t {
    Empty,           // nothing but blanks
    TooLong,         // longer than kMaxRequestLine
    NotText,         // bytes outside printable ASCII
    UnknownCommand,  // first word is no command
    MissingName,     // initiate/terminate/rekey without a name
    UnexpectedArgument,
    BadName,  // not 1..64 of [A-Za-z0-9._-]
};
// to_string returns a sentence describing the error.
std::string_view to_string(ProtocolError e) noexcept;

// parse_request parses one line (without its newline; a trailing '\r' is
// ignored). Words are separated by spaces or tabs.
core::Result<Request, ProtocolError> parse_request(std::string_view line) noexcept;

// format_request writes the request line (without the newline).
std::string format_request(const Request& r);

}  // namespace strata::gateway
