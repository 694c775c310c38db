/// @file process.hpp
/// @brief Starting the container process, carrying its errors back, waiting for it.
/// @ingroup core
#pragma once

#include "guard.hpp"

#include <signal.h>
#include <sys/types.h>

#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace box {

/// Blocks the signals the parent handles (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD) so they
/// are received synchronously in wait_forwarding(). Make one before forking; the child calls
/// restore() before exec so the command starts with the caller's signal mask.
class SignalBlock {
public:
    SignalBlock();
    ~SignalBlock();
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;
    void restore() noexcept;
    const sigset_t& blocked() const noexcept { return set_; }

private:
    sigset_t set_{};
    sigset_t old_{};
    pid_t owner_;
};

/// A close-on-exec pipe from the child to the parent that carries a failure back.
/// The child either execs (the pipe closes: success) or writes its error and exits;
/// the parent's receive() rethrows that error as its own, with the child's errno and step.
class ErrorPipe {
public:
    ErrorPipe();
    /// In the child: send @p e to the parent. Never throws.
    void send(const std::exception& e) noexcept;
    /// In the parent: wait until the child has exec'd or failed. On failure, reap @p pid and
    /// throw the child's error.
    void receive(pid_t pid);
    /// In the child: close the read end (done by fork_child).
    void child_side() noexcept { read_.close(); }
    /// In a child that stays alive instead of exec'ing (an init whose command has started):
    /// close the write end, so that the parent's receive() returns as if it had exec'd.
    void done() noexcept { write_.close(); }

private:
    Fd read_;
    Fd write_;
};

/// fork(2) a child that runs @p fn; an exception in @p fn goes to @p errors and the child
/// exits with 125. The child never returns from this function (it ends in exec or _exit).
pid_t fork_child(ErrorPipe& errors, const std::function<void()>& fn);

/// Run @p fn as the body of a child process: exceptions go to @p errors, then _exit.
[[noreturn]] void child_main(ErrorPipe& errors, const std::function<void()>& fn) noexcept;

/// The environment a container command starts with: a standard PATH, HOME=/root, and TERM
/// copied from the caller if set. Nothing else of the host's leaks in.
std::vector<std::string> container_env();

/// execve @p argv (PATH lookup inside the new root). Throws a SysError with exit code 127 (not
/// found) or 126 (not executable) naming the command.
[[noreturn]] void exec_command(const std::vector<std::string>& argv,
                               const std::vector<std::string>& env = container_env());

/// Turn a waitpid status into a shell-style exit code: the exit status, or 128+N for signal N.
int exit_status(int wstatus);

/// Wait for @p pid, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT received meanwhile to it.
/// Returns exit_status() of the child. Other children are reaped and ignored.
int wait_forwarding(pid_t pid, const SignalBlock& signals);

}  // namespace box
