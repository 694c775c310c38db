// Unit tests for core/: errors, parsers, narration, the error pipe.
#include <doctest/doctest.h>

#include "error.hpp"
#include "guard.hpp"
#include "narrate.hpp"
#include "parse.hpp"
#include "process.hpp"

#include <sys/wait.h>

#include <string>

using namespace box;

TEST_CASE("SysError carries errno, the call and a context chain, outermost first") {
    SysError e(ENOENT, "open(\"/x\")");
    e.add_context("inner step");
    e.add_context("outer step");
    CHECK(e.code().value() == ENOENT);
    CHECK(e.message() == "outer step: inner step: open(\"/x\"): No such file or directory");
}

TEST_CASE("check() throws a SysError on -1 and passes other values through") {
    CHECK(check(3, "f()") == 3);
    errno = EINVAL;
    CHECK_THROWS_AS(check(-1, "f()"), SysError);
}

TEST_CASE("in_context() adds context to errors thrown inside") {
    try {
        in_context("preparing rootfs ./rootfs", [] { throw SysError(EINVAL, "pivot_root(\".\", \".\")"); });
        FAIL("no throw");
    } catch (const SysError& e) {
        CHECK(e.message() == "preparing rootfs ./rootfs: pivot_root(\".\", \".\"): Invalid argument");
    }
}

TEST_CASE("errno maps to exit codes and hints") {
    CHECK(SysError(EPERM, "x").exit_code() == kExitNoPermission);
    CHECK(SysError(EPERM, "x").hint().find("root") != std::string::npos);
    CHECK(SysError(ENOSYS, "x").exit_code() == kExitUnavailable);
    CHECK(SysError(EIO, "x").exit_code() == kExitFailure);
}

TEST_CASE("parse_size") {
    CHECK(parse_size("64M", "--memory") == 64ull << 20);
    CHECK(parse_size("64m", "--memory") == 64ull << 20);
    CHECK(parse_size("1G", "--memory") == 1ull << 30);
    CHECK(parse_size("512KiB", "--memory") == 512ull << 10);
    CHECK(parse_size("4096", "--memory") == 4096);
    CHECK(parse_size("2T", "--memory") == 2ull << 40);
    for (const char* bad : {"64Q", "", "M", "-1", "1.5G", "64 M", "99999999999999999999"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_size(bad, "--memory"), InputError);
    }
    try {
        parse_size("64Q", "--memory");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) ==
              "--memory: '64Q' is not a size: use a number with an optional K, M, G or T suffix, e.g. 64M");
        CHECK(e.exit_code() == kExitUsage);
    }
}

TEST_CASE("parse_int bounds and syntax") {
    CHECK(parse_int("20", "--pids", 1, 100) == 20);
    CHECK_THROWS_AS(parse_int("-1", "--pids", 1, 100), InputError);
    CHECK_THROWS_AS(parse_int("20x", "--pids", 1, 100), InputError);
    CHECK_THROWS_AS(parse_int("", "--pids", 1, 100), InputError);
    CHECK_THROWS_AS(parse_int("101", "--pids", 1, 100), InputError);
}

TEST_CASE("parse_fraction") {
    CHECK(parse_fraction("0.5", "--cpus", 2) == doctest::Approx(0.5));
    CHECK(parse_fraction("2", "--cpus", 2) == doctest::Approx(2));
    for (const char* bad : {"0", "-1", "abc", "3", "nan", "inf", ""}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_fraction(bad, "--cpus", 2), InputError);
    }
}

TEST_CASE("parse_list accepts known names and names the bad one") {
    std::set<std::string> ns{"uts", "pid", "mount"};
    CHECK(parse_list("uts,pid", "--ns", ns) == std::vector<std::string>{"uts", "pid"});
    CHECK(parse_list("mount", "--ns", ns) == std::vector<std::string>{"mount"});
    try {
        parse_list("uts,bogus", "--ns", ns);
        FAIL("no throw");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) == "--ns: 'bogus' is not one of: mount, pid, uts");
    }
    CHECK_THROWS_AS(parse_list("uts,", "--ns", ns), InputError);
    CHECK_THROWS_AS(parse_list("", "--ns", ns), InputError);
}

TEST_CASE("narration: one line, the same words for the same step, only when on") {
    auto line = explain_line(Step::PivotRoot, "pivot_root(\".\", \".\")");
    CHECK(line.rfind("=> pivot_root(\".\", \".\")", 0) == 0);
    CHECK(line.find("[pivot_root(2)]") != std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(explain_line(Step::PivotRoot, "x").find(step_text(Step::PivotRoot).why) != std::string::npos);
    set_explain(false);
    CHECK_FALSE(explaining());
}

TEST_CASE("every step has narration text and a man page") {
    for (int s = 0; s < static_cast<int>(Step::Count); ++s) {
        CAPTURE(s);
        auto t = step_text(static_cast<Step>(s));
        CHECK_FALSE(t.why.empty());
        CHECK_FALSE(t.man.empty());
    }
}

TEST_CASE("ErrorPipe carries a child's SysError to the parent, with exit code and context") {
    ErrorPipe pipe;
    pid_t pid = fork_child(pipe, [] {
        SysError e(ENOENT, "execve(\"nope\")");
        e.with_exit_code(kExitNotFound).with_hint("look in ROOTFS/bin");
        e.add_context("running the command inside the container");
        throw e;
    });
    try {
        pipe.receive(pid);
        FAIL("no throw");
    } catch (const SysError& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(e.exit_code() == kExitNotFound);
        CHECK(e.hint() == "look in ROOTFS/bin");
        CHECK(e.message() == "running the command inside the container: execve(\"nope\"): No such file or directory");
    }
    CHECK(waitpid(pid, nullptr, WNOHANG) == -1);  // already reaped by receive()
}

TEST_CASE("ErrorPipe: a child that execs reports nothing") {
    ErrorPipe pipe;
    pid_t pid = fork_child(pipe, [] { exec_command({"/bin/true"}); });
    CHECK_NOTHROW(pipe.receive(pid));
    int st = 0;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    CHECK(exit_status(st) == 0);
}

TEST_CASE("guards do nothing in a process other than their creator") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    bool ran = false;
    {
        Cleanup c{[&] { ran = true; }};
        pid_t pid = fork();
        if (pid == 0) {
            // the child's copy of c must not run its action; exit through destructors
            { Cleanup copy = std::move(c); }
            char b = ran ? '1' : '0';
            (void)!write(fds[1], &b, 1);
            _exit(0);
        }
        waitpid(pid, nullptr, 0);
        char b = '?';
        REQUIRE(read(fds[0], &b, 1) == 1);
        CHECK(b == '0');
    }
    CHECK(ran);
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("exit_status: exit codes pass through, signals become 128+N") {
    CHECK(exit_status(3 << 8) == 3);
    CHECK(exit_status(SIGKILL) == 128 + SIGKILL);
}
