// demo_report.hpp: how `strata demo` talks: act headings, explanations,
// the checks it makes, the summary table and the --json summary.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace strata::apps::demo {

// Status of one check. NotAvailable is never counted as passed.
enum class CheckStatus { Pass, Fail, NotAvailable };

struct Check {
    std::string act;
    std::string what;
    CheckStatus status = CheckStatus::Fail;
    std::string detail;
};

class Report {
public:
    // Report prints to out (stdout, or stderr when stdout carries --json).
    Report(bool color, bool quiet, std::FILE* out) : color_(color), quiet_(quiet), out_(out) {}

    // act starts a new act: a heading.
    void act(std::string_view title);
    // say prints one line of explanation (suppressed by --quiet).
    void say(std::string_view line);
    // check records a check and prints its outcome; returns ok.
    bool check(std::string_view what, bool ok, std::string detail = {});
    // not_available records a check that could not be made, and why.
    void not_available(std::string_view what, std::string why);

    // summary prints the table of checks.
    void summary() const;
    // json returns the machine-readable summary.
    [[nodiscard]] std::string json(int ike_version, const std::string& pcap, const std::string& keys) const;

    [[nodiscard]] std::size_t failed() const noexcept;
    [[nodiscard]] std::size_t passed() const noexcept;
    [[nodiscard]] std::size_t unavailable() const noexcept;
    [[nodiscard]] const std::string& current_act() const noexcept { return act_; }

private:
    [[nodiscard]] std::string paint(std::string_view text, std::string_view code) const;

    bool color_;
    bool quiet_;
    std::FILE* out_;
    std::string act_;
    std::vector<Check> checks_;
};

}  // namespace strata::apps::demo
