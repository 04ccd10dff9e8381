#include "gateway/log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>

namespace strata::gateway {

std::string_view to_string(LogLevel l) noexcept {
    switch (l) {
        case LogLevel::Trace: return "trace";
        case LogLevel::Debug: return "debug";
        case LogLevel::Info: return "info";
        case LogLevel::Warn: return "warn";
        case LogLevel::Error: return "error";
    }
    return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view s) noexcept {
    for (LogLevel l : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
        if (s == to_string(l)) return l;
    }
    if (s == "warning") return LogLevel::Warn;
    return std::nullopt;
}

void Logger::write(LogLevel l, std::string_view line) const {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::string out =
        fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z {:<5} {}\n", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, to_string(l), line);
    // One write(2) per line, so lines from several threads never interleave.
    (void)!::write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace strata::gateway
