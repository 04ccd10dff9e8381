#include "ipsec/replay_window.hpp"

#include <gtest/gtest.h>

namespace strata::ipsec {
namespace {

ReplayWindow make(std::uint32_t size, bool esn = false) {
    auto w = ReplayWindow::create(size, esn);
    EXPECT_TRUE(w.ok());
    return std::move(w).value();
}

// The lecture's example, as written: n = 50 covering 100..149.
TEST(ReplayWindow, LectureExampleWindowOf50) {
    ReplayWindow w = make(50);
    for (std::uint64_t s = 100; s <= 149; ++s) ASSERT_TRUE(w.accept(s));
    EXPECT_EQ(w.highest(), 149U);
    EXPECT_EQ(w.check(99), ReplayVerdict::TooOld);  // left of 100..149
    EXPECT_EQ(w.check(120), ReplayVerdict::Duplicate);
    EXPECT_EQ(w.check(199), ReplayVerdict::Fresh);
    ASSERT_TRUE(w.accept(199));  // the window moves to 150..199
    EXPECT_EQ(w.highest(), 199U);
    EXPECT_EQ(w.check(149), ReplayVerdict::TooOld);
    EXPECT_EQ(w.check(150), ReplayVerdict::Fresh);
    EXPECT_EQ(w.check(199), ReplayVerdict::Duplicate);
    ASSERT_TRUE(w.accept(170));
    EXPECT_EQ(w.check(170), ReplayVerdict::Duplicate);  // a duplicate inside the window
    EXPECT_FALSE(w.accept(170));
}

TEST(ReplayWindow, SizeLimits) {
    EXPECT_FALSE(ReplayWindow::create(31, false).ok());
    EXPECT_FALSE(ReplayWindow::create(4097, false).ok());
    EXPECT_TRUE(ReplayWindow::create(32, false).ok());
    EXPECT_TRUE(ReplayWindow::create(4096, true).ok());
}

TEST(ReplayWindow, SequenceZeroIsNeverAccepted) {
    ReplayWindow w = make(64);
    EXPECT_EQ(w.check(0), ReplayVerdict::TooOld);
    EXPECT_FALSE(w.accept(0));
}

TEST(ReplayWindow, CheckDoesNotChangeState) {
    ReplayWindow w = make(64);
    EXPECT_EQ(w.check(500), ReplayVerdict::Fresh);
    EXPECT_EQ(w.highest(), 0U);
    EXPECT_EQ(w.check(500), ReplayVerdict::Fresh);
}

// Every size, and jumps across block boundaries: nothing inside the window
// is forgotten, nothing outside is remembered.
TEST(ReplayWindow, ExhaustiveAgainstASetModel) {
    for (std::uint32_t size : {32U, 50U, 64U, 65U, 127U, 128U, 1000U, 4096U}) {
        ReplayWindow w = make(size);
        std::vector<std::uint64_t> seen;
        std::uint64_t x = 12345;
        for (int i = 0; i < 20000; ++i) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            const std::uint64_t jump = (x >> 33) % (i % 100 == 0 ? 3 * size : 8);
            const std::uint64_t back = (x >> 13) % (size + 10);
            const std::uint64_t hi = w.highest();
            std::uint64_t seq = (x & 1) != 0 ? hi + jump : (hi > back ? hi - back : 1);
            if (seq == 0) seq = 1;
            ReplayVerdict expect = ReplayVerdict::Fresh;
            if (seq <= hi && hi - seq >= size) {
                expect = ReplayVerdict::TooOld;
            } else if (std::find(seen.begin(), seen.end(), seq) != seen.end()) {
                expect = ReplayVerdict::Duplicate;
            }
            ASSERT_EQ(w.check(seq), expect) << "size " << size << " seq " << seq << " highest " << hi;
            if (expect == ReplayVerdict::Fresh) {
                ASSERT_TRUE(w.accept(seq));
                seen.push_back(seq);
                if (seen.size() > 6000) seen.erase(seen.begin(), seen.begin() + 1000);
            }
        }
    }
}

// In order, the window slides one block at a time (the O(1) path): after
// any number of packets it remembers exactly the last `size` numbers.
TEST(ReplayWindow, InOrderStreamRemembersExactlyTheLastWindow) {
    for (std::uint32_t size : {32U, 64U, 1024U, 4096U}) {
        ReplayWindow w = make(size);
        const std::uint64_t last = 3ULL * size + 37;
        for (std::uint64_t s = 1; s <= last; ++s) ASSERT_TRUE(w.accept(s)) << s;
        for (std::uint64_t s = last - size + 1; s <= last; ++s)
            ASSERT_EQ(w.check(s), ReplayVerdict::Duplicate) << "size " << size << " seq " << s;
        EXPECT_EQ(w.check(last - size), ReplayVerdict::TooOld) << size;
        EXPECT_EQ(w.check(last + 1), ReplayVerdict::Fresh) << size;
    }
}

// A jump past the whole ring (and one of exactly the ring) clears it: the
// numbers just below the new highest are fresh again, bits from before the
// jump are gone.
TEST(ReplayWindow, JumpsPastTheRingForgetEverythingBefore) {
    for (std::uint64_t jump : {4096ULL * 2, 4160ULL, 64ULL * 1000000}) {
        ReplayWindow w = make(4096);
        for (std::uint64_t s = 1; s <= 5000; ++s) ASSERT_TRUE(w.accept(s));
        const std::uint64_t top = 5000 + jump;
        ASSERT_TRUE(w.accept(top));
        for (std::uint64_t s = top - 4095; s < top; ++s)
            ASSERT_EQ(w.check(s), ReplayVerdict::Fresh) << "jump " << jump << " seq " << s;
        EXPECT_EQ(w.check(top), ReplayVerdict::Duplicate);
        EXPECT_EQ(w.check(top - 4096), ReplayVerdict::TooOld);
    }
}

// With ESN the 64-bit number crosses 2^32 in order: the block index and the
// slide use the full number.
TEST(ReplayWindow, InOrderAcrossTwoToThe32WithEsn) {
    ReplayWindow w = make(128, true);
    const std::uint64_t start = 0xffffff00ULL;
    for (std::uint64_t s = start; s < start + 512; ++s) {
        const std::uint64_t full = w.infer(static_cast<std::uint32_t>(s));
        ASSERT_EQ(full, s);
        ASSERT_EQ(w.check(full), ReplayVerdict::Fresh);
        ASSERT_TRUE(w.accept(full));
    }
    EXPECT_EQ(w.highest(), start + 511);
    EXPECT_EQ(w.check(start + 511 - 127), ReplayVerdict::Duplicate);
    EXPECT_EQ(w.check(start + 511 - 128), ReplayVerdict::TooOld);
}

TEST(ReplayWindow, EsnInferenceAcrossTheSubspaceBoundary) {
    ReplayWindow w = make(64, true);
    ASSERT_TRUE(w.accept(0xfffffff0ULL));
    EXPECT_EQ(w.infer(0xfffffff5U), 0xfffffff5ULL);  // case A, same subspace
    EXPECT_EQ(w.infer(3), 0x100000003ULL);           // case A, next subspace
    ASSERT_TRUE(w.accept(0x100000003ULL));
    EXPECT_EQ(w.infer(0xfffffff8U), 0xfffffff8ULL);  // case B, previous subspace
    EXPECT_EQ(w.infer(10), 0x10000000aULL);          // case B, same subspace
}

TEST(ReplayWindow, WithoutEsnInferIsTheWireValue) {
    ReplayWindow w = make(64);
    ASSERT_TRUE(w.accept(0xffffff00ULL));
    EXPECT_EQ(w.infer(3), 3U);
    EXPECT_EQ(w.check(w.infer(3)), ReplayVerdict::TooOld);
}

}  // namespace
}  // namespace strata::ipsec
