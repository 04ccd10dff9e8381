// log.hpp: the gateway's log: one line per event on stderr, with a level.
//
// The gateway runs in the foreground under systemd or a terminal, so the log
// is plain lines on stderr ("2026-11-27T15:20:55Z info  tun strata0 up");
// journald adds its own timestamps but the line stays readable by hand.
#pragma once

#include <fmt/core.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

namespace strata::gateway {

// LogLevel orders messages; a logger prints its level and above.
enum class LogLevel : std::uint8_t { Trace, Debug, Info, Warn, Error };

// to_string returns "trace", "debug", "info", "warn" or "error".
std::string_view to_string(LogLevel l) noexcept;
// parse_log_level reads those names; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view s) noexcept;

// Logger writes lines at or above its level to stderr; thread-safe (one
// write per line).
class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::Info) : level_(level) {}

    void set_level(LogLevel l) noexcept { level_.store(l, std::memory_order_relaxed); }
    [[nodiscard]] LogLevel level() const noexcept { return level_.load(std::memory_order_relaxed); }
    [[nodiscard]] bool enabled(LogLevel l) const noexcept { return l >= level(); }

    // log formats and writes one line if `l` is enabled.
    template <typename... Args>
    void log(LogLevel l, fmt::format_string<Args...> f, Args&&... args) {
        if (!enabled(l)) return;
        write(l, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) {
        log(LogLevel::Info, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args) {
        log(LogLevel::Warn, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) {
        log(LogLevel::Error, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) {
        log(LogLevel::Debug, f, std::forward<Args>(args)...);
    }

    // write prints one already formatted line.
    void write(LogLevel l, std::string_view line) const;

private:
    std::atomic<LogLevel> level_;
};

}  // namespace strata::gateway
