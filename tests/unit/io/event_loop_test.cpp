#include "io/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <thread>

namespace strata::io {
namespace {

TEST(EventLoop, DispatchesReadableDescriptors) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok());
    std::array<int, 2> sv{};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv.data()), 0);
    Fd a(sv[0]);
    Fd b(sv[1]);
    int calls = 0;
    ASSERT_TRUE((*loop)
                    ->add(b.get(), kReadable,
                          [&](std::uint32_t ev) {
                              EXPECT_NE(ev & kReadable, 0U);
                              char c = 0;
                              EXPECT_EQ(::read(b.get(), &c, 1), 1);
                              ++calls;
                          })
                    .ok());
    EXPECT_EQ((*loop)->run_once(0), 0);  // nothing ready yet
    ASSERT_EQ(::write(a.get(), "x", 1), 1);
    EXPECT_EQ((*loop)->run_once(1000), 1);
    EXPECT_EQ(calls, 1);
    (*loop)->remove(b.get());
    ASSERT_EQ(::write(a.get(), "y", 1), 1);
    EXPECT_EQ((*loop)->run_once(50), 0);  // removed: not dispatched
    EXPECT_EQ(calls, 1);
}

TEST(EventLoop, TimersFireAndCancel) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok());
    int once = 0;
    int periodic = 0;
    ASSERT_TRUE(
        (*loop)->add_timer(std::chrono::milliseconds(5), std::chrono::nanoseconds(0), [&] { ++once; }).ok());
    auto id = (*loop)->add_timer(std::chrono::milliseconds(1), std::chrono::milliseconds(2), [&] {
        if (++periodic == 3) (*loop)->stop();
    });
    ASSERT_TRUE(id.ok());
    (*loop)->run();
    EXPECT_EQ(periodic, 3);
    (*loop)->cancel_timer(*id);
    EXPECT_TRUE((*loop)->stopped());
    // A cancelled periodic timer does not fire again; the one-shot fires once.
    for (int i = 0; i < 5; ++i) (void)(*loop)->run_once(5);
    EXPECT_EQ(periodic, 3);
    EXPECT_EQ(once, 1);
}

TEST(EventLoop, StopFromAnotherThreadWakesRun) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok());
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        (*loop)->stop();
    });
    (*loop)->run();  // returns only because of stop()
    t.join();
    EXPECT_TRUE((*loop)->stopped());
}

}  // namespace
}  // namespace strata::io
