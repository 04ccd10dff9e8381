// demo_report.cpp: headings, checks, the summary table and JSON.
#include "apps/strata/demo_report.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace strata::apps::demo {

namespace {

std::string_view status_name(CheckStatus s) noexcept {
    switch (s) {
        case CheckStatus::Pass: return "PASS";
        case CheckStatus::Fail: return "FAIL";
        case CheckStatus::NotAvailable: return "N/A";
    }
    return "?";
}

}  // namespace

std::string Report::paint(std::string_view text, std::string_view code) const {
    if (!color_) return std::string(text);
    return fmt::format("\033[{}m{}\033[0m", code, text);
}

void Report::act(std::string_view title) {
    act_ = std::string(title);
    if (quiet_) return;
    fmt::print(out_, "\n{}\n", paint(fmt::format("=== {} ===", title), "1;36"));
}

void Report::say(std::string_view line) {
    if (!quiet_) fmt::print(out_, "{}\n", line);
}

bool Report::check(std::string_view what, bool ok, std::string detail) {
    if (!quiet_ || !ok)
        fmt::print(out_, "  {} {}{}\n", ok ? paint("[ok]", "1;32") : paint("[FAILED]", "1;31"), what,
                   detail.empty() ? "" : " - " + detail);
    checks_.push_back(
        {act_, std::string(what), ok ? CheckStatus::Pass : CheckStatus::Fail, std::move(detail)});
    return ok;
}

void Report::not_available(std::string_view what, std::string why) {
    checks_.push_back({act_, std::string(what), CheckStatus::NotAvailable, why});
    fmt::print(out_, "  {} {} - {}\n", paint("[not available]", "1;33"), what, why);
}

std::size_t Report::failed() const noexcept {
    return static_cast<std::size_t>(std::count_if(
        checks_.begin(), checks_.end(), [](const Check& c) { return c.status == CheckStatus::Fail; }));
}

std::size_t Report::passed() const noexcept {
    return static_cast<std::size_t>(std::count_if(
        checks_.begin(), checks_.end(), [](const Check& c) { return c.status == CheckStatus::Pass; }));
}

std::size_t Report::unavailable() const noexcept { return checks_.size() - failed() - passed(); }

void Report::summary() const {
    fmt::print(out_, "\n{}\n", paint("=== Summary: what was checked ===", "1;36"));
    std::string last;
    for (const auto& c : checks_) {
        if (c.act != last) {
            fmt::print(out_, "{}\n", c.act);
            last = c.act;
        }
        const std::string st(status_name(c.status));
        const std::string_view code = c.status == CheckStatus::Pass   ? "32"
                                      : c.status == CheckStatus::Fail ? "31"
                                                                      : "33";
        fmt::print(out_, "  {}  {}{}\n", paint(fmt::format("{:<4}", st), code), c.what,
                   c.status == CheckStatus::Pass || c.detail.empty() ? "" : " (" + c.detail + ")");
    }
    fmt::print(out_, "{} passed, {} failed, {} not available\n", passed(), failed(), unavailable());
}

std::string Report::json(int ike_version, const std::string& pcap, const std::string& keys) const {
    nlohmann::json j;
    j["ike_version"] = ike_version;
    j["passed"] = passed();
    j["failed"] = failed();
    j["not_available"] = unavailable();
    j["ok"] = failed() == 0;
    if (!pcap.empty()) j["pcap"] = pcap;
    if (!keys.empty()) j["keys"] = keys;
    auto arr = nlohmann::json::array();
    for (const auto& c : checks_)
        arr.push_back(
            {{"act", c.act}, {"check", c.what}, {"status", status_name(c.status)}, {"detail", c.detail}});
    j["checks"] = arr;
    return j.dump(2);
}

}  // namespace strata::apps::demo
