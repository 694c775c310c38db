#include "process.hpp"

#include <cstdio>

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace box {

SignalBlock::SignalBlock() : owner_(::getpid()) {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set_, s);
    sigprocmask(SIG_BLOCK, &set_, &old_);
}

SignalBlock::~SignalBlock() {
    if (owner_ == ::getpid()) restore();
}

void SignalBlock::restore() noexcept { sigprocmask(SIG_SETMASK, &old_, nullptr); }

ErrorPipe::ErrorPipe() {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
    read_ = Fd(fds[0]);
    write_ = Fd(fds[1]);
}

// Wire format: fields separated by '\x1f': kind, exit code, errno, call/message, hint, context...
void ErrorPipe::send(const std::exception& e) noexcept {
    std::string out;
    auto field = [&](const std::string& s) { out += s; out += '\x1f'; };
    if (auto* se = dynamic_cast<const SysError*>(&e)) {
        field("S");
        field(std::to_string(se->exit_code()));
        field(std::to_string(se->code().value()));
        field(se->call());
        field(se->hint());
        for (const auto& c : se->context()) field(c);
    } else if (auto* ie = dynamic_cast<const InputError*>(&e)) {
        field("I");
        field(std::to_string(ie->exit_code()));
        field("0");
        field(ie->what());
        field(ie->hint());
    } else {
        field("I");
        field(std::to_string(kExitFailure));
        field("0");
        field(e.what());
        field("");
    }
    if (write_.get() < 0) {
        // done() was called: the parent has stopped listening (e.g. `box create` returned). The
        // error must not vanish: say it on this process's stderr, the container's.
        std::fprintf(stderr, "error: %s\n", e.what());
        return;
    }
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
        ssize_t n = ::write(write_.get(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void ErrorPipe::receive(pid_t pid) {
    write_.close();
    std::string in;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(read_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
    }
    read_.close();
    if (in.empty()) return;  // the child exec'd: success
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    std::vector<std::string> f;
    std::size_t start = 0, sep;
    while ((sep = in.find('\x1f', start)) != std::string::npos) {
        f.push_back(in.substr(start, sep - start));
        start = sep + 1;
    }
    if (f.size() < 5) throw InputError(kExitFailure, "the container process failed (garbled error report)");
    int code = std::stoi(f[1]);
    if (f[0] == "I") throw InputError(code, f[3], f[4]);
    SysError err(std::stoi(f[2]), f[3]);
    err.with_exit_code(code).with_hint(f[4]);
    for (std::size_t i = f.size(); i > 5; --i) err.add_context(f[i - 1]);
    throw err;
}

[[noreturn]] void child_main(ErrorPipe& errors, const std::function<void()>& fn) noexcept {
    try {
        fn();
        errors.send(InputError(kExitFailure, "the container process returned without exec"));
    } catch (const std::exception& e) {
        errors.send(e);
    } catch (...) {
        errors.send(InputError(kExitFailure, "unknown error in the container process"));
    }
    ::_exit(kExitFailure);
}

pid_t fork_child(ErrorPipe& errors, const std::function<void()>& fn) {
    explain(Step::Fork, "fork()");
    pid_t pid = check(::fork(), "fork()");
    if (pid == 0) {
        errors.child_side();
        child_main(errors, fn);
    }
    return pid;
}

std::vector<std::string> container_env() {
    std::vector<std::string> env{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                 "HOME=/root"};
    if (const char* term = std::getenv("TERM")) env.push_back(std::string("TERM=") + term);
    return env;
}

[[noreturn]] void exec_command(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    if (argv.empty()) throw InputError(kExitUsage, "no command given: name the program to run inside the rootfs");
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    }
    envp.push_back(nullptr);
    explain(Step::Exec, fmt::format("execve(\"{}\")", argv[0]));
    // execvpe searches the PATH of the current environment; point it at the container's.
    ::setenv("PATH", path.c_str(), 1);
    ::execvpe(args[0], args.data(), envp.data());
    int err = errno;
    SysError e(err, fmt::format("execve(\"{}\")", argv[0]));
    if (err == ENOENT || err == ENOTDIR) {
        e.with_exit_code(kExitNotFound)
            .with_hint(fmt::format("'{}' must exist inside the rootfs (PATH={}); "
                                   "check with: ls ROOTFS/bin",
                                   argv[0], path));
    } else if (err == EACCES || err == ENOEXEC || err == EPERM) {
        e.with_exit_code(kExitCannotExec)
            .with_hint(fmt::format("'{}' exists but cannot be executed: is it a program for this machine, "
                                   "with its execute bit set?",
                                   argv[0]));
    }
    e.add_context("running the command inside the container");
    throw e;
}

int exit_status(int wstatus) {
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return kExitFailure;
}

int wait_forwarding(pid_t pid, const SignalBlock& signals) {
    explain(Step::Wait, fmt::format("waitpid({})", pid));
    for (;;) {
        int st = 0;
        pid_t r = ::waitpid(pid, &st, WNOHANG);
        if (r == pid) return exit_status(st);
        if (r < 0 && errno != EINTR) throw SysError(errno, fmt::format("waitpid({})", pid));
        siginfo_t info{};
        int sig = ::sigwaitinfo(&signals.blocked(), &info);
        if (sig < 0 || sig == SIGCHLD) continue;
        explain(Step::ForwardSignal, fmt::format("kill({}, {})", pid, sigabbrev_np(sig)));
        ::kill(pid, sig);
    }
}

}  // namespace box
