// box run, state, kill, delete, list, ps, exec; hooks; features.
#include "container_cgroup.hpp"
#include "inside.hpp"
#include "runtime.hpp"


#include "error.hpp"
#include "narrate.hpp"
#include "process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace box {

namespace {

// Wait up to @p timeout_ms (-1: no limit) for the process @p pidfd refers to to exit (a zombie
// counts). poll(2) on a pidfd wakes at the exit itself; a sleep loop would wake up to a period late.
bool wait_exit(const Fd& pidfd, int timeout_ms) {
    pollfd p{pidfd.get(), POLLIN, 0};
    int n;
    while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {}
    if (n < 0) throw SysError(errno, "poll(pidfd)");
    return n > 0;
}

Fd open_pidfd(pid_t pid) { return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); }

// Wait up to @p timeout_ms (-1: no limit) for our child @p pid to exit (it is not reaped). A
// startContainer hook runs under the container's seccomp filter, which may not allow
// pidfd_open(2): then a short sleep loop on waitid(WNOWAIT) stands in for the pidfd.
bool wait_child_exit(pid_t pid, int timeout_ms) {
    if (Fd pidfd = open_pidfd(pid)) return wait_exit(pidfd, timeout_ms);
    for (long waited = 0; timeout_ms < 0 || waited < timeout_ms; ++waited) {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
            return true;
        timespec ms{0, 1000000};
        ::nanosleep(&ms, nullptr);
    }
    return false;
}

// Wait until @p pid is gone or a zombie (its parent, maybe not us, reaps it). Reaps it if ours.
void wait_gone(const ContainerState& s) {
    Fd pidfd = open_pidfd(s.pid);
    bool zombie = false;
    auto start = process_start_time(s.pid, &zombie);  // after pidfd_open: if it matches, the pidfd is the container's
    if (pidfd && start == s.pid_start && !zombie && !wait_exit(pidfd, 10000))
        throw InputError(kExitFailure, fmt::format("container '{}': process {} did not die after SIGKILL", s.id, s.pid));
    ::waitpid(s.pid, nullptr, WNOHANG);  // a zombie of ours (box run's) is reaped now
}

// A `box create` killed after it released the container process but before it saved "created"
// leaves no pid in state.json when the container has no hooks (create saves the pid early only
// for them: one save fewer on the normal path) and no cgroup to kill through: the process blocks
// for ever opening the exec fifo for writing, in its own pid namespace. It holds an O_PATH fd to
// the fifo (make_exec_fifo), so it is found as a holder of the fifo (same st_dev/st_ino through
// /proc/PID/fd/N) and killed; its start time, read before its fds and again after pidfd_open,
// makes sure the pidfd is the process that held the fifo. Each fd is looked at with statx(2)'s
// AT_STATX_DONT_SYNC: the attributes the kernel has, so an fd on a network or FUSE file system
// that no longer answers cannot hang `delete --force`.
void kill_exec_fifo_holders(const StateDir& dir) {
    struct stat fifo{};
    if (::stat(dir.file("exec.fifo").c_str(), &fifo) != 0 || !S_ISFIFO(fifo.st_mode)) return;
    std::error_code ec;
    for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
        char* end = nullptr;
        auto pid = static_cast<pid_t>(std::strtol(proc.path().filename().c_str(), &end, 10));
        if (*end != '\0' || pid <= 0 || pid == ::getpid()) continue;
        auto start = process_start_time(pid);
        bool holds = false;
        std::error_code fd_ec;  // a process gone meanwhile, or a kernel thread: no fds to see
        for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
            struct statx st{};
            if (::statx(AT_FDCWD, fd.path().c_str(), AT_STATX_DONT_SYNC, STATX_INO, &st) == 0 &&
                makedev(st.stx_dev_major, st.stx_dev_minor) == fifo.st_dev && st.stx_ino == fifo.st_ino)
                holds = true;
        }
        if (!holds || start == 0) continue;
        Fd pidfd = open_pidfd(pid);
        if (!pidfd || process_start_time(pid) != start) continue;  // gone, and the pid maybe reused
        explain(Step::ExecFifoHolderKill, fmt::format("pidfd_send_signal(pidfd of {}, SIGKILL)", pid));
        if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) == 0 && !wait_exit(pidfd, 10000))
            throw InputError(kExitFailure, fmt::format("process {} (it holds {}) did not die after SIGKILL", pid, dir.file("exec.fifo")));
    }
}

void run_hook(const oci::Hook& h, const std::string& state, std::string_view kind) {
    explain(Step::Hook, fmt::format("{} hook: {}", kind, h.path));
    int in[2];
    check(::pipe2(in, O_CLOEXEC), "pipe2()");
    Fd r(in[0]), w(in[1]);
    pid_t parent = ::getpid();
    pid_t pid = check(::fork(), "fork()");
    if (pid == 0) {
        // A hook dies with the box command that runs it: a `box create` killed while a hook
        // sleeps leaves no hook behind (`box delete --force` cannot know its pid).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(r.get(), 0);
        sigset_t none;  // a hook starts with no signal blocked, whatever box blocked to forward them
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char*> argv, envp;
        std::vector<std::string> args = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        auto env = h.env;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        ::execve(h.path.c_str(), argv.data(), envp.data());
        std::fprintf(stderr, "box: error: %s hook %s: execve: %s\n", std::string(kind).c_str(), h.path.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    r.close();
    ::signal(SIGPIPE, SIG_IGN);  // a hook need not read its stdin
    [[maybe_unused]] auto n = ::write(w.get(), state.data(), state.size());
    w.close();
    if (!wait_child_exit(pid, h.timeout ? *h.timeout * 1000 : -1)) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw InputError(kExitFailure, fmt::format("{} hook {} did not finish within its timeout of {} s", kind, h.path, *h.timeout));
    }
    int status = 0;
    check(::waitpid(pid, &status, 0), fmt::format("waitpid({})", pid));
    if (int code = exit_status(status))
        throw InputError(kExitFailure, fmt::format("{} hook {} failed with exit status {}", kind, h.path, code),
                         "the hook's own messages are above; the container was not kept");
}

std::string ns_id(pid_t pid, const char* ns) {
    char buf[64] = {};
    auto path = fmt::format("/proc/{}/ns/{}", pid, ns);
    ::readlink(path.c_str(), buf, sizeof buf - 1);
    return buf;
}

}  // namespace

void run_hooks(const std::vector<oci::Hook>& hooks, const oci::Json& state, std::string_view kind) {
    auto text = state.dump();
    for (const auto& h : hooks) run_hook(h, text, kind);
}

int run_container(const Globals& g, const CreateOptions& o) {
    SignalBlock signals;                                   // SIGINT/SIGTERM go to the container
    auto created = create_container(g, o);                 // set up, waiting on the exec fifo
    pid_t pid = created.pid;
    auto report = [](const std::exception& e) { std::fprintf(stderr, "box: error: %s\n", e.what()); };
    Cleanup remove{[&] { try { delete_container(g, o.id, true); } catch (const std::exception& e) { report(e); }
        ::waitpid(pid, nullptr, WNOHANG); }};             // a process that died by itself (start failed) is ours to reap
    start_created(g, created);                             // the program runs
    if (o.detach) { remove.dismiss(); return 0; }
    int code = wait_forwarding(pid, signals);              // its exit status is ours
    remove.dismiss();
    try { delete_stopped(g, created); } catch (const std::exception& e) { report(e); }  // cgroup, state, poststop hooks
    return code;
}

oci::Config container_config(const Globals& g, const std::string& id) { return StateDir::open(g.root, id).config(); }

oci::Json container_state(const Globals& g, const std::string& id) {
    auto dir = StateDir::open(g.root, id);
    auto s = dir.load();
    s.status = dir.live_status(s);
    if (s.status == "stopped") s.pid = 0;
    return state_json(s);
}

int parse_signal(const std::string& text) {
    std::string name = text;
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
        int n = 0;
        for (char c : name) n = std::isdigit(static_cast<unsigned char>(c)) && n < 1000 ? n * 10 + (c - '0') : 1000;
        if (n >= 1 && n <= SIGRTMAX) return n;
    } else {
        for (int s = 1; s < NSIG; ++s)
            if (const char* abbrev = ::sigabbrev_np(s); abbrev && name == abbrev) return s;
    }
    throw InputError(kExitUsage, fmt::format("'{}' is not a signal: give a name (TERM, SIGKILL) or a number (15)", text));
}

void kill_container(const Globals& g, const std::string& id, const std::string& signal) {
    int sig = parse_signal(signal);
    auto dir = StateDir::open(g.root, id);
    auto s = dir.load();
    auto status = dir.live_status(s);
    if (status != "created" && status != "running")
        throw InputError(kExitFailure, fmt::format("container '{}' is {}: there is no process to signal", id, status));
    explain(Step::ForwardSignal, fmt::format("kill({}, SIG{})", s.pid, ::sigabbrev_np(sig)));
    check(::kill(s.pid, sig), fmt::format("kill({}, {})", s.pid, sig));
}

void delete_container(const Globals& g, const std::string& id, bool force) {
    auto dir = StateDir::open(g.root, id);
    auto s = dir.load();
    auto status = dir.live_status(s);
    if ((status == "created" || status == "running") && !force)
        throw InputError(kExitFailure, fmt::format("container '{}' is {}: stop it first, or use delete --force", id, status),
                         fmt::format("box kill {} KILL, then box delete {}", id, id));
    // "creating" seen here (create holds the state lock to the end) means its `box create` died.
    if (status == "creating" && !force)
        throw InputError(kExitFailure, fmt::format("container '{}' is creating, but the box create that made it is gone (killed?)", id),
                         fmt::format("box delete --force {} kills what is left of it and removes it", id));
    bool alive = status == "created" || status == "running" ||
                 (status == "creating" && s.pid > 0 && s.pid_start != 0 && process_start_time(s.pid) == s.pid_start);
    if (alive) {
        ::kill(s.pid, SIGKILL);
        wait_gone(s);
    } else if (status == "creating") {
        kill_exec_fifo_holders(dir);                     // no pid recorded: the process left waits on the fifo
    }
    remove_container_cgroup(s);                          // every process left in its cgroup, then the group
    std::optional<oci::Config> config;
    try { config = dir.config(); } catch (const std::exception&) {}  // an unreadable copy: no poststop hooks to run
    dir.remove();
    if (config && status != "creating") run_poststop_hooks(*config, s);
}

void delete_stopped(const Globals& g, const Created& c) {
    auto dir = StateDir::open(g.root, c.state.id);
    remove_container_cgroup(c.state);                   // a process `box exec` left there is killed first
    dir.remove();
    run_poststop_hooks(c.config, c.state);
}

void run_poststop_hooks(const oci::Config& config, ContainerState state) {
    try {
        state.status = "stopped";
        run_hooks(config.hooks.poststop, state_json(state), "poststop");
    } catch (const std::exception& e) {  // the spec: a failed poststop hook is logged, delete goes on
        std::fprintf(stderr, "box: warning: %s\n", e.what());
    }
}

void wait_for_exec(const Fd& fifo, const std::string& id) {
    std::string error;
    for (;;) {
        pollfd p{fifo.get(), POLLIN, 0};
        if (::poll(&p, 1, -1) < 0 && errno != EINTR) throw SysError(errno, "poll(exec.fifo)");
        char buf[512];
        ssize_t n = ::read(fifo.get(), buf, sizeof buf);
        if (n == 0) break;  // every writer closed: the program runs (or the process is gone)
        if (n > 0) error.append(buf, static_cast<std::size_t>(n));
        else if (errno != EAGAIN && errno != EINTR) throw SysError(errno, "read(exec.fifo)");
    }
    if (!error.empty())
        throw InputError(kExitFailure, fmt::format("container '{}': {}", id, error),
                         fmt::format("the container stopped; remove it with: box delete {}", id));
}

std::vector<oci::Json> list_containers(const Globals& g) {
    std::vector<oci::Json> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(g.root, ec)) {
        try {
            out.push_back(container_state(g, e.path().filename().string()));
        } catch (const std::exception&) {}  // deleted meanwhile, or not a container
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a["id"] < b["id"]; });
    return out;
}

std::vector<pid_t> container_pids(const Globals& g, const std::string& id) {
    auto dir = StateDir::open(g.root, id);
    auto s = dir.load();
    if (dir.live_status(s) == "stopped") return {};
    if (!s.cgroups.empty()) return cgroup_pids(s);        // every process in its cgroup
    // Every process in the container's pid namespace (its own, if it has one).
    std::string want = ns_id(s.pid, "pid");
    std::vector<pid_t> pids;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        auto name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = std::stoi(name);
        if (pid == s.pid || (want != ns_id(::getpid(), "pid") && ns_id(pid, "pid") == want)) pids.push_back(pid);
    }
    std::sort(pids.begin(), pids.end());
    return pids;
}

int exec_in_container(const Globals& g, const std::string& id, const oci::Process& process, const ExecOptions& o) {
    ContainerState s;
    oci::Config config;
    {
        auto dir = StateDir::open(g.root, id);
        s = dir.load();
        if (dir.live_status(s) != "running")
            throw InputError(kExitFailure, fmt::format("container '{}' is not running: exec needs a running container", id));
        config = dir.config();                            // as create read it
    }
    auto seccomp = seccomp_filter(config, g.root);        // the container's filter applies to exec'd programs too
    // Open the container's namespaces now; the user namespace only if it is not ours.
    std::vector<std::pair<Fd, std::string>> ns;
    for (const char* type : {"user", "ipc", "uts", "net", "pid", "cgroup", "mnt"}) {
        if (ns_id(s.pid, type) == ns_id(::getpid(), type)) continue;
        auto path = fmt::format("/proc/{}/ns/{}", s.pid, type);
        ns.emplace_back(Fd(check(::open(path.c_str(), O_RDONLY | O_CLOEXEC), fmt::format("open(\"{}\")", path))), type);
    }
    // The container's root, seen from here: setns(2) into its mount namespace sets the root to
    // the namespace's, which is the host's for a --no-pivot (chroot) container.
    auto root_path = fmt::format("/proc/{}/root", s.pid);
    Fd root(check(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), fmt::format("open(\"{}\")", root_path)));
    Fd console = o.console_socket.empty() ? Fd() : connect_console_socket(o.console_socket);
    int pids[2];
    check(::pipe2(pids, O_CLOEXEC), "pipe2()");
    Fd pid_r(pids[0]), pid_w(pids[1]);
    SignalBlock signals;
    ErrorPipe errors;  // the program's process reports its failure here too (it holds the write end)
    pid_t helper = fork_child(errors, [&] {
        join_container_cgroup(s);  // its cgroup first, while the host's cgroupfs is still in view
        for (auto& [fd, type] : ns) {
            explain(Step::JoinNamespace, fmt::format("setns(/proc/{}/ns/{})", s.pid, type));
            check(::setns(fd.get(), 0), fmt::format("setns(/proc/{}/ns/{})", s.pid, type));
        }
        explain(Step::Chroot, fmt::format("chroot(\"{}\")", root_path));
        check(::fchdir(root.get()), fmt::format("fchdir(\"{}\")", root_path));
        check(::chroot("."), fmt::format("chroot(\"{}\")", root_path));
        // A new pid namespace applies to children: the program runs in a second fork.
        pid_t pid = check(::fork(), "fork()");
        if (pid == 0) {
            signals.restore();
            if (process.terminal) setup_terminal(process, console);  // the pty master goes to the engine
            apply_limits(process);                                    // rlimits, oom_score_adj
            secure_process(process, seccomp);                         // user, capabilities, no_new_privs, seccomp
            auto program = find_program(process);
            exec_process(process, program);
        }
        [[maybe_unused]] auto n = ::write(pid_w.get(), &pid, sizeof pid);
        errors.done();
        if (o.detach) ::_exit(0);
        ::_exit(wait_forwarding(pid, signals));
    });
    console.close();
    pid_w.close();
    pid_t pid = 0;
    bool got = ::read(pid_r.get(), &pid, sizeof pid) == sizeof pid;
    errors.receive(helper);  // rethrows the helper's or the program's set-up error
    if (!got) throw InputError(kExitFailure, "exec: the helper process died");
    write_pid_file(o.pid_file, pid);
    return o.detach ? (::waitpid(helper, nullptr, 0), 0) : wait_forwarding(helper, signals);
}

oci::Json features_json() {
    return {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", oci::kOciVersion},
        {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
        {"mountOptions", {"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "mand", "noatime",
                          "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid",
                          "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared", "rslave",
                          "runbindable", "rw", "shared", "slave", "strictatime", "suid", "sync", "unbindable"}},
        {"linux",
         {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
          {"capabilities", [] {
               oci::Json caps = oci::Json::array();
               for (int i = 0; !oci::capability_name(i).empty(); ++i) caps.push_back(oci::capability_name(i));
               return caps;
           }()},
          // v2: proven in the v2-only VM by tests/vm/checks/05-resources.sh (device rules too: a
          // BPF_PROG_TYPE_CGROUP_DEVICE program).
          {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
          {"seccomp", {{"enabled", true}}},
          {"apparmor", {{"enabled", false}}},
          {"selinux", {{"enabled", false}}}}},
        {"annotations", {{"org.boxkit.stage", "05-full-runtime"}}},
    };
}

}  // namespace box
