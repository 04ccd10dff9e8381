// cmd_gateway.cpp: `strata gateway --config FILE.toml [--log-level L]`: the
// userspace IPsec VPN gateway over a TUN device (src/gateway/daemon.hpp).
// Runs in the foreground as root and logs to stderr; SIGTERM stops it,
// SIGHUP reloads its configuration. `--check` only validates the file.
#include <fmt/core.h>

#include "apps/strata/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/daemon.hpp"

namespace strata::apps {

namespace {

struct GatewayOptions {
    std::string config;
    std::string log_level;
    bool check = false;
};

void run_gateway(const GatewayOptions& o) {
    std::optional<gateway::LogLevel> level;
    if (!o.log_level.empty()) {
        level = gateway::parse_log_level(o.log_level);
        if (!level) {
            fmt::print(stderr, "strata gateway: --log-level must be trace, debug, info, warn or error\n");
            throw ExitCode{2};
        }
    }
    if (o.check) {
        auto cfg = gateway::load_gateway_config(o.config);
        if (!cfg) {
            fmt::print(stderr, "strata gateway: configuration refused: {}\n", cfg.error().message);
            throw ExitCode{1};
        }
        if (auto r = gateway::check_runnable(*cfg); !r) {
            fmt::print(stderr, "strata gateway: configuration refused: {}\n", r.error().message);
            throw ExitCode{1};
        }
        fmt::print("{}: ok ({} peer(s), manual keying: {})\n", o.config, cfg->peers.size(),
                   cfg->gateway.manual.empty() ? "none" : cfg->gateway.manual);
        return;
    }
    gateway::Logger log(level.value_or(gateway::LogLevel::Info));
    gateway::Daemon d(o.config, log, level);
    if (const int code = d.run(); code != 0) throw ExitCode{code};
}

}  // namespace

void add_gateway_command(CLI::App& app) {
    auto opts = std::make_shared<GatewayOptions>();
    CLI::App* cmd = app.add_subcommand(
        "gateway", "Run the IPsec VPN gateway over a TUN device (root; foreground; logs to stderr)");
    cmd->add_option("--config", opts->config, "Gateway configuration (TOML; see examples/gateway/)")
        ->required();
    cmd->add_option("--log-level", opts->log_level, "trace, debug, info, warn or error (overrides the file)");
    cmd->add_flag("--check", opts->check, "Only validate the configuration and exit");
    cmd->callback([opts] { run_gateway(*opts); });
}

}  // namespace strata::apps
