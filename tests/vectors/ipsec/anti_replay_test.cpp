// Replays every scenario of ../shared/vectors/anti_replay_rfc4303.json step by
// step through ReplayWindow, in the RFC 4303 order: infer, check before the
// ICV, accept only after it.
#include <gtest/gtest.h>

#include <string>

#include "ipsec/replay_window.hpp"
#include "vectors/vector_file.hpp"

namespace strata::ipsec {
namespace {

TEST(AntiReplayRfc4303, EveryScenarioStepByStep) {
    const auto doc = test::load_vectors("anti_replay_rfc4303.json");
    const auto& scenarios = doc.at("scenarios");
    ASSERT_GT(scenarios.size(), 0U);
    std::size_t steps_run = 0;
    for (const auto& sc : scenarios) {
        SCOPED_TRACE(sc.at("name").get<std::string>());
        const bool esn = sc.at("esn").get<bool>();
        auto created = ReplayWindow::create(sc.at("window_size").get<std::uint32_t>(), esn);
        ASSERT_TRUE(created.ok());
        ReplayWindow w = std::move(created).value();
        if (sc.contains("initial_received")) {
            for (const auto& s : sc.at("initial_received")) ASSERT_TRUE(w.accept(s.get<std::uint64_t>()));
        }
        ASSERT_EQ(w.highest(), sc.at("initial_highest").get<std::uint64_t>());
        for (const auto& step : sc.at("steps")) {
            SCOPED_TRACE(step.dump());
            std::uint64_t seq = 0;
            bool icv_valid = step.value("icv_valid", true);
            if (esn) {
                seq = w.infer(step.at("wire_seq").get<std::uint32_t>());
                EXPECT_EQ(seq, step.at("inferred_seq").get<std::uint64_t>());
                // The ICV covers the high-order bits: it verifies only if the
                // receiver inferred the sender's number.
                icv_valid = icv_valid && seq == step.at("sender_seq").get<std::uint64_t>();
            } else {
                seq = step.at("seq").get<std::uint64_t>();
            }
            const std::string expect = step.at("expect").get<std::string>();
            const ReplayVerdict v = w.check(seq);
            bool accepted = false;
            if (v == ReplayVerdict::Fresh && icv_valid) accepted = w.accept(seq);
            EXPECT_EQ(accepted, expect == "accept");
            if (expect == "reject") {
                const std::string reason = step.at("reason").get<std::string>();
                if (reason.rfind("duplicate", 0) == 0) {
                    EXPECT_EQ(v, ReplayVerdict::Duplicate);
                } else if (reason.rfind("too old", 0) == 0) {
                    EXPECT_EQ(v, ReplayVerdict::TooOld);
                } else if (reason.rfind("integrity", 0) == 0) {
                    EXPECT_FALSE(icv_valid);
                } else {
                    ADD_FAILURE() << "unknown reject reason " << reason;
                }
            }
            EXPECT_EQ(w.highest(), step.at("highest_after").get<std::uint64_t>());
            ++steps_run;
        }
    }
    EXPECT_GE(steps_run, 74U);  // the file holds 74 steps in 8 scenarios
}

}  // namespace
}  // namespace strata::ipsec
