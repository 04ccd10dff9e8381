// cmd_ctl.cpp: `strata ctl [--socket PATH] [--json] COMMAND [NAME]`: talks to
// a running gateway over its control socket (src/gateway/control_protocol.hpp)
// and prints the answer as text, or as the gateway's JSON line with --json.
#include <fmt/core.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/strata/commands.hpp"
#include "apps/strata/gateway_ctl_text.hpp"
#include "gateway/control_protocol.hpp"
#include "io/unix_socket.hpp"

namespace strata::apps {

namespace {

struct CtlOptions {
    std::string socket = "/run/strata/gateway.sock";
    bool json = false;
    bool ike = false;  // rekey: the IKE SA
    std::vector<std::string> words;
};

[[noreturn]] void die(int code, const std::string& msg) {
    fmt::print(stderr, "strata ctl: {}\n", msg);
    throw ExitCode{code};
}

// round_trip sends one request line and reads one reply line.
std::string round_trip(const std::string& path, const std::string& line) {
    auto fd = io::unix_connect(path);
    if (!fd) die(2, path + ": " + io::to_string(fd.error()) + " (is the gateway running? are you root?)");
    const std::string req = line + "\n";
    std::size_t off = 0;
    while (off < req.size()) {
        const ssize_t n = ::send(fd->get(), req.data() + off, req.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die(2, "send: connection closed");
        off += static_cast<std::size_t>(n);
    }
    std::string reply;
    std::array<char, 4096> buf{};
    while (reply.find('\n') == std::string::npos) {
        const ssize_t n = ::recv(fd->get(), buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reply.append(buf.data(), static_cast<std::size_t>(n));
        if (reply.size() > (64U << 20)) die(2, "reply too large");
    }
    const auto nl = reply.find('\n');
    if (nl == std::string::npos) die(2, "the gateway closed the connection without a reply");
    reply.resize(nl);
    return reply;
}

void run_ctl(const CtlOptions& o) {
    std::string line;
    for (const auto& w : o.words) line += (line.empty() ? "" : " ") + w;
    // --ike goes on the wire as a third word; parse_request allows it after rekey only.
    if (o.ike) line += " --ike";
    // Check locally first, so a typo gets the same message without a round trip.
    auto req = gateway::parse_request(line);
    if (!req) die(2, std::string(gateway::to_string(req.error())));
    const std::string reply = round_trip(o.socket, gateway::format_request(*req));
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(reply);
    } catch (const nlohmann::json::exception&) {
        die(2, "the gateway's reply is not JSON: " + reply.substr(0, 200));
    }
    const bool good = j.value("ok", false);
    if (o.json) {
        fmt::print("{}\n", reply);
    } else if (good) {
        fmt::print("{}", format_ctl_text(req->command, j.at("data")));
    } else {
        fmt::print(stderr, "strata ctl: {}\n", j.value("error", std::string("request failed")));
    }
    if (!good) throw ExitCode{1};
}

}  // namespace

void add_ctl_command(CLI::App& app) {
    auto opts = std::make_shared<CtlOptions>();
    CLI::App* cmd = app.add_subcommand(
        "ctl",
        "Control a running gateway: status | list-sas | list-policies | counters | initiate NAME | "
        "terminate NAME | rekey NAME [--ike] | reload");
    cmd->add_option("--socket", opts->socket, "The gateway's control socket")->capture_default_str();
    cmd->add_flag("--json", opts->json, "Print the gateway's JSON reply (for scripts)");
    cmd->add_flag("--ike", opts->ike,
                  "With rekey: rekey the peer's IKE SA (its CHILD SAs move over unchanged) instead of "
                  "its CHILD SAs");
    cmd->add_option("command", opts->words, "COMMAND [NAME]")->required();
    cmd->callback([opts] { run_ctl(*opts); });
}

}  // namespace strata::apps
