#include "io/unix_socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "io/process.hpp"
#include "io/signals.hpp"

namespace strata::io {
namespace {

std::string temp_path(const char* name) {
    return "/tmp/strata-io-test-" + std::to_string(::getpid()) + "-" + name;
}

TEST(UnixSocket, ListenerIsOwnerOnlyAndAccepts) {
    const std::string path = temp_path("ctl.sock");
    {
        auto l = UnixListener::listen(path);
        ASSERT_TRUE(l.ok()) << to_string(l.error());
        struct stat st {};
        ASSERT_EQ(::stat(path.c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 0777, 0600U);
        auto c = unix_connect(path);
        ASSERT_TRUE(c.ok());
        Fd s;
        for (int i = 0; i < 100 && !s.valid(); ++i) s = l->accept();
        ASSERT_TRUE(s.valid());
        ASSERT_EQ(::send(c->get(), "hi", 2, 0), 2);
        char buf[2] = {};
        ASSERT_EQ(::recv(s.get(), buf, 2, 0), 2);
        EXPECT_EQ(std::string(buf, 2), "hi");
        // A second listener on a live socket is refused.
        EXPECT_FALSE(UnixListener::listen(path).ok());
    }
    struct stat st {};
    EXPECT_NE(::stat(path.c_str(), &st), 0);  // removed with the listener
}

TEST(UnixSocket, RefusesToReplaceARegularFile) {
    const std::string path = temp_path("file");
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    EXPECT_FALSE(UnixListener::listen(path).ok());
    ::unlink(path.c_str());
}

TEST(Signals, BlockedSignalIsReadFromTheDescriptor) {
    auto s = SignalSet::open({SIGUSR1});
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s->next().has_value());
    ASSERT_EQ(::raise(SIGUSR1), 0);
    auto sig = s->next();
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(*sig, SIGUSR1);
}

TEST(Process, RunsWithoutAShellAndCapturesStderr) {
    // The argument is passed as is: a shell would have expanded it.
    auto r = run_program({"ls", "/nonexistent-$HOME-;-x"});
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->exit_status, 0);
    EXPECT_NE(r->error_output.find("$HOME-;-x"), std::string::npos) << r->error_output;
    auto t = run_program({"true"});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->exit_status, 0);
    EXPECT_FALSE(run_program({"/nonexistent/program"}).ok());
}

}  // namespace
}  // namespace strata::io
