// Stage 02, the minimal init (--init): PID 1 that starts CMD, reaps orphans, forwards signals.
#include "ns.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace box {

int init_loop(pid_t cmd_pid, const SignalBlock& signals) {
    explain(Step::InitReap, "waitpid(-1, WNOHANG)");
    for (;;) {
        int st = 0;
        pid_t r = 0;
        // EXERCISE 02.4: reap every child that has exited; return CMD's status when it is one
        while ((r = ::waitpid(-1, &st, WNOHANG)) > 0)
            if (r == cmd_pid) return exit_status(st);
        // END EXERCISE
        if (r < 0 && errno == ECHILD) return kExitFailure;  // CMD is gone without a status
        siginfo_t info{};
        int sig = ::sigwaitinfo(&signals.blocked(), &info);
        if (sig < 0 || sig == SIGCHLD) continue;
        explain(Step::ForwardSignal, fmt::format("kill({}, {})", cmd_pid, sigabbrev_np(sig)));
        ::kill(cmd_pid, sig);
    }
}

[[noreturn]] void exec_or_init(const NsOptions& opt, ErrorPipe& errors, SignalBlock& signals) {
    if (!opt.init) {
        signals.restore();         // CMD starts with the caller's signal mask
        exec_command(opt.cmd);     // CMD becomes PID 1; returns only on failure
    }
    explain(Step::InitStart, "fork()");
    // Our image is box-ns from the host: nobody inside may open /proc/1/exe or ptrace us.
    ::prctl(PR_SET_DUMPABLE, 0);
    ErrorPipe cmd_errors;
    pid_t cmd = fork_child(cmd_errors, [&] {
        signals.restore();
        exec_command(opt.cmd);
    });
    cmd_errors.receive(cmd);       // CMD's exec failure becomes ours, and so box-ns's
    errors.done();                 // CMD runs: box-ns's receive() returns
    try {
        ::_exit(init_loop(cmd, signals));
    } catch (const std::exception& e) {  // the error pipe is closed now: say it ourselves
        ::_exit(report("box-ns", e));
    }
}

}  // namespace box
