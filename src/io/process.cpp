#include "io/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace strata::io {

IoResult<ProgramResult> run_program(const std::vector<std::string>& argv) {
    if (argv.empty()) return core::fail(IoError{EINVAL, "run_program"});
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
    args.push_back(nullptr);

    std::array<int, 2> pipefd{};
    if (::pipe2(pipefd.data(), O_CLOEXEC) < 0) return core::fail(last_error("pipe2"));
    Fd read_end(pipefd[0]);
    Fd write_end(pipefd[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
    pid_t pid = 0;
    const int e = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    write_end.reset();
    if (e != 0) return core::fail(IoError{e, "posix_spawnp"});

    ProgramResult out;
    std::array<char, 512> buf{};
    for (;;) {
        const ssize_t n = ::read(read_end.get(), buf.data(), buf.size());
        if (n > 0) {
            if (out.error_output.size() < 4096)
                out.error_output.append(buf.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return core::fail(last_error("waitpid"));
    }
    out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    while (!out.error_output.empty() && (out.error_output.back() == '\n')) out.error_output.pop_back();
    return out;
}

}  // namespace strata::io
