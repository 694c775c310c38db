// box create and box start: the OCI lifecycle's two halves, each a flat list of steps.
#include "container_cgroup.hpp"
#include "inside.hpp"
#include "runtime.hpp"

#include "seccomp.hpp"
#include "seccomp_cache.hpp"

#include "error.hpp"
#include "narrate.hpp"
#include "process.hpp"

#include <fmt/format.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace box {

namespace {

// The parent and the child take turns over two pipes. The child waits for "go on" (its id maps
// are written; later: the createRuntime hooks have run); the parent waits for "your turn" (the
// child's mounts are made, before pivot_root: the hooks' moment) or for the child's error.
struct TurnPipes {
    Fd to_child_r, to_child_w, to_parent_r, to_parent_w;
    TurnPipes() {
        int a[2], b[2];
        check(::pipe2(a, O_CLOEXEC), "pipe2(O_CLOEXEC)");
        check(::pipe2(b, O_CLOEXEC), "pipe2(O_CLOEXEC)");
        to_child_r = Fd(a[0]), to_child_w = Fd(a[1]), to_parent_r = Fd(b[0]), to_parent_w = Fd(b[1]);
    }
    // Parent: let the child go on; it learns its pid as the host sees it (the state's pid).
    void release(pid_t pid) {
        explain(Step::SyncRelease, "write(sync pipe)");
        check(static_cast<int>(::write(to_child_w.get(), &pid, sizeof pid)), "write(sync pipe)");
    }
    // Parent: wait for the child's turn signal; if it died first, rethrow its error.
    void wait_child(ErrorPipe& errors, pid_t pid) {
        to_parent_w.close();
        char c;
        if (::read(to_parent_r.get(), &c, 1) == 1) return;
        errors.receive(pid);
        throw InputError(kExitFailure, "the container process died during its set-up");
    }
    // Child: wait for "go on"; returns the pid the parent sent.
    pid_t wait() {
        to_child_w.close();
        to_parent_r.close();
        pid_t pid = 0;
        if (::read(to_child_r.get(), &pid, sizeof pid) != sizeof pid)
            throw InputError(kExitFailure, "box create went away before releasing the container");
        return pid;
    }
    // Child: hand the turn to the parent and wait until it gives it back.
    void parents_turn() {
        check(static_cast<int>(::write(to_parent_w.get(), "h", 1)), "write(sync pipe)");
        wait();
    }
};

// Refuse, before anything is made, what this build of box cannot do (clearly, not silently).
void check_supported(const oci::Config& c, const CreateOptions& o) {
    check_process(c.process, !o.console_socket.empty(), "config.json: .process");
    if (!c.linux.mount_label.empty())
        throw InputError(kExitUnavailable, "config.json: .linux.mountLabel: this kernel has no SELinux", "remove mountLabel");
}

std::string absolute(const std::string& path, std::string_view what) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf))
        throw InputError(kExitNoInput, fmt::format("{} '{}' does not exist", what, path),
                         what == "bundle" ? "give --bundle the directory holding config.json (make one with: box spec)"
                                          : "config.json's root.path must name the rootfs directory (relative to the bundle)");
    return buf;
}

Fd make_exec_fifo(const StateDir& dir) {
    auto path = dir.file("exec.fifo");
    explain(Step::ExecFifo, fmt::format("mkfifo(\"{}\", 0622)", path));
    check(::mkfifo(path.c_str(), 0622), fmt::format("mkfifo(\"{}\")", path));
    ::chmod(path.c_str(), 0622);  // writable by the container's user, whatever the umask
    return Fd(check(::open(path.c_str(), O_PATH | O_CLOEXEC), fmt::format("open(\"{}\", O_PATH)", path)));
}

// Whether a hook runs while the container is "creating" (it may run `box state`, which then
// shows the pid): else the state is saved once more only when the container is "created".
bool has_create_hooks(const oci::Config& c) {
    return !c.hooks.prestart.empty() || !c.hooks.create_runtime.empty() || !c.hooks.create_container.empty();
}

int new_namespace_flags(const oci::Config& c) {
    int flags = 0;
    for (const auto& n : c.linux.namespaces)
        if (n.path.empty()) flags |= n.flag;
    return flags;
}

// A pid namespace holds only processes forked after setns(2) into it: a helper joins it (a user
// namespace named by path first, for the right to) and clones the container process as box's
// own child (CLONE_PARENT), then exits. Returns the container process's pid.
pid_t clone_in_joined_pid_namespace(const oci::Config& c, int flags, ErrorPipe& errors, const std::function<void()>& fn) {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
    Fd r(fds[0]), w(fds[1]);
    pid_t helper = fork_child(errors, [&] {
        join_pid_namespace(c);                   // (user first) setns(CLONE_NEWPID): for our children
        explain(Step::Clone, fmt::format("clone({:#x}|CLONE_PARENT|SIGCHLD)", flags));
        auto pid = static_cast<pid_t>(::syscall(SYS_clone, flags | CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
        check(pid, fmt::format("clone({:#x}|CLONE_PARENT) (the namespaces in config.json)", flags));
        if (pid == 0) child_main(errors, fn);
        [[maybe_unused]] auto n = ::write(w.get(), &pid, sizeof pid);
        ::_exit(0);
    });
    w.close();
    pid_t pid = 0;
    if (::read(r.get(), &pid, sizeof pid) != sizeof pid) {
        errors.receive(helper);                  // the helper's error: it never cloned
        throw InputError(kExitFailure, "the process joining the pid namespace died");
    }
    ::waitpid(helper, nullptr, 0);
    return pid;
}

// How the container process enters its cgroup v1 groups without a wait. Writing a pid to
// cgroup.procs takes a lock whose writer waits for an RCU grace period (7-16 ms on this machine).
// Moving the calling thread alone, by writing "0" to a v1 group's tasks file, takes no such lock,
// and the container process has one thread: so the child moves itself. And the groups are made
// while the child makes its mounts (on two CPUs, at the same time): the parent makes them after
// the first release and sends the child their tasks files over a socket (SCM_RIGHTS, opened on
// the host by box, as a child in a user namespace could not); the child writes "0" to each once
// its mounts are made, before the parent's turn (so the hooks see it in its cgroup) and before
// anything of the user's runs. A v2 group has no tasks file: then the groups are made before
// clone and the parent moves the child (clone3's CLONE_INTO_CGROUP would be the way there).
struct CgroupEntry {
    Fd parent_end, child_end;
    bool moves = false;

    // A socket pair when the child moves itself (v1 groups, its own pid namespace).
    explicit CgroupEntry(bool child_moves) : moves(child_moves) {
        if (!child_moves) return;
        int sv[2];
        check(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), "socketpair(AF_UNIX, SOCK_SEQPACKET)");
        parent_end = Fd(sv[0]), child_end = Fd(sv[1]);
    }
    bool child_moves() const noexcept { return moves; }

    // Parent, once the groups are made: their tasks files and paths to the child. A child that
    // died meanwhile reports its own error (wait_child), so a failed send is not ours to report.
    void send(const std::vector<std::string>& groups) {
        std::vector<Fd> files;
        std::string paths;
        for (const auto& group : groups) {
            auto path = group + "/tasks";
            files.emplace_back(check(::open(path.c_str(), O_WRONLY | O_CLOEXEC), fmt::format("open(\"{}\")", path)));
            paths += path + '\n';
        }
        std::vector<char> control(CMSG_SPACE(sizeof(int) * files.size()));
        iovec iov{paths.data(), paths.size()};
        msghdr msg{};
        msg.msg_iov = &iov, msg.msg_iovlen = 1, msg.msg_control = control.data(), msg.msg_controllen = control.size();
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET, cm->cmsg_type = SCM_RIGHTS, cm->cmsg_len = CMSG_LEN(sizeof(int) * files.size());
        for (std::size_t i = 0; i < files.size(); ++i) reinterpret_cast<int*>(CMSG_DATA(cm))[i] = files[i].get();
        [[maybe_unused]] auto n = ::sendmsg(parent_end.get(), &msg, MSG_NOSIGNAL);
        parent_end.close();
    }
    // In the child, after its mounts: into each group.
    void enter_in_child() {
        if (!moves) return;
        char paths[4096];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)];
        iovec iov{paths, sizeof paths};
        msghdr msg{};
        msg.msg_iov = &iov, msg.msg_iovlen = 1, msg.msg_control = control, msg.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(child_end.get(), &msg, MSG_CMSG_CLOEXEC);
        cmsghdr* cm = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
        if (!cm || cm->cmsg_type != SCM_RIGHTS)
            throw InputError(kExitFailure, "box create went away before the container's cgroup was made");
        std::size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        std::string_view list(paths, static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < count; ++i) {
            Fd tasks(reinterpret_cast<int*>(CMSG_DATA(cm))[i]);
            auto path = list.substr(0, list.find('\n'));
            list.remove_prefix(std::min(list.size(), path.size() + 1));
            auto call = fmt::format("write(\"{}\", \"0\")", path);
            explain(Step::CgroupJoin, call);
            check(static_cast<int>(::write(tasks.get(), "0", 1)), call);
        }
        child_end.close();
    }
};

// clone3(2) the container process into its new namespaces (stage 02's clone3_or_clone), born in
// the cgroup v2 group @p cgroup_fd names when it is >= 0 (CLONE_INTO_CGROUP: no move, so no
// write to cgroup.procs and its RCU grace period); it runs @p fn and never returns.
pid_t clone_container(const oci::Config& c, int cgroup_fd, ErrorPipe& errors, const std::function<void()>& fn) {
    int flags = new_namespace_flags(c);
    if (auto* p = c.linux.find("pid"); p && !p->path.empty()) return clone_in_joined_pid_namespace(c, flags, errors, fn);
    pid_t pid = in_context("the namespaces in config.json", [&] { return clone3_or_clone(static_cast<unsigned>(flags), cgroup_fd); });
    if (pid == 0) {
        errors.child_side();
        child_main(errors, fn);
    }
    return pid;
}

void write_map(pid_t pid, const char* file, const std::vector<oci::IdMapping>& maps, Step step) {
    std::string text;
    for (const auto& m : maps) text += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    auto path = fmt::format("/proc/{}/{}", pid, file);
    explain(step, fmt::format("write(\"{}\", \"{}\")", path, text.substr(0, text.size() - 1)));
    Fd fd(check(::open(path.c_str(), O_WRONLY | O_CLOEXEC), fmt::format("open(\"{}\")", path)));
    check(static_cast<int>(::write(fd.get(), text.data(), text.size())), fmt::format("write(\"{}\")", path));
}

// uid_map and gid_map of a new user namespace (an unprivileged caller must deny setgroups first).
void write_id_maps_from_parent(pid_t pid, const oci::Config& c) {
    auto* user = c.linux.find("user");
    if (!user || !user->path.empty()) return;
    if (::geteuid() != 0) {
        std::ofstream(fmt::format("/proc/{}/setgroups", pid)) << "deny";
    }
    write_map(pid, "uid_map", c.linux.uid_mappings, Step::UidMap);
    write_map(pid, "gid_map", c.linux.gid_mappings, Step::GidMap);
}

// In the child, after release: every step between clone and the user's program.
void container_in_child(const oci::Config& c, const CreateOptions& o, const std::string& rootfs, ContainerState state,
                        ErrorPipe& errors, TurnPipes& sync, CgroupEntry& entry, const Fd& fifo, const Fd& console,
                        const std::optional<SeccompFilter>& seccomp) {
    join_namespaces(c);                          // setns(2) into namespaces named by path
    become_userns_root(c);                       // uid/gid 0 of a user namespace, mapped outside
    set_hostname(c);                             // in the new uts namespace
    prepare_rootfs(c, rootfs);                   // mounts, devices and /dev links, still outside
    entry.enter_in_child();                      // into its cgroup v1 groups, made meanwhile by the parent
    sync.parents_turn();                         // box create runs the prestart and createRuntime hooks
    run_hooks(c.hooks.create_container, state_json(state), "createContainer");  // in our namespaces, before pivot_root
    switch_root(rootfs, o.no_pivot);             // pivot_root: the rootfs becomes '/'
    apply_sysctl(c);                             // before /proc/sys turns read-only
    finish_rootfs(c);                            // masked and read-only paths, a read-only root
    if (c.process.terminal) setup_terminal(c.process, console);  // the pty master goes to the engine
    apply_limits(c.process);                     // rlimits, oom_score_adj
    secure_process(c.process, seccomp);          // user, capabilities, no_new_privs, seccomp (stage 04)
    ::syscall(SYS_close_range, 3 + o.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);  // no fd of ours leaks in
    auto program = find_program(c.process);      // a missing program fails `create`, not `start`
    errors.done();                               // create returns: the container is "created"
    Fd started = wait_for_start(fifo);           // blocks until `box start`
    state.status = "created";
    run_start_hooks(c.hooks.start_container, state_json(state), started);  // inside, before the program
    exec_process(c.process, program);            // become the user's program
}

}  // namespace

// linux.seccomp through stage 04's loader, built before anything is started (names this
// libseccomp does not know are skipped, as runc and crun do for engines' profiles).
std::optional<SeccompFilter> seccomp_filter(const oci::Config& c, const std::string& root) {
    if (!c.linux.seccomp) return std::nullopt;
    auto profile = parse_seccomp_profile(*c.linux.seccomp, "config.json: .linux.seccomp", UnknownSyscalls::Skip);
    CapMask caps = 0;
    if (c.process.capabilities)
        for (int cap : c.process.capabilities->bounding) caps |= CapMask{1} << cap;
    else
        caps = all_capabilities();
    auto key = seccomp_cache_key(*c.linux.seccomp, caps);
    auto cache = root + "/.seccomp-cache";
    if (auto cached = seccomp_cache_load(cache, key)) return cached;  // built before: the same bytes
    SeccompFilter built(profile, caps);
    auto filter = SeccompFilter::from_bpf(built.bpf(), built.flags(), built.rule_count());
    seccomp_cache_store(cache, key, filter);
    return filter;
}

void write_pid_file(const std::string& path, pid_t pid) {
    if (path.empty()) return;
    std::string tmp = path + ".box-tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << pid;
        if (!out.flush()) throw SysError(errno ? errno : EIO, fmt::format("write(\"{}\")", tmp)).add_context("writing --pid-file");
    }
    check(::rename(tmp.c_str(), path.c_str()), fmt::format("rename(\"{}\", \"{}\")", tmp, path));
}

void check_process(const oci::Process& p, bool console_socket, std::string_view where) {
    auto refuse = [](std::string what, std::string hint) { throw InputError(kExitUnavailable, std::move(what), std::move(hint)); };
    if (p.terminal && !console_socket)
        throw InputError(kExitUsage, fmt::format("{}.terminal is true but no --console-socket was given", where),
                         "give --console-socket SOCKET (engines do), or set \"terminal\": false");
    if (!p.apparmor_profile.empty())
        refuse(fmt::format("{}.apparmorProfile: this kernel has no AppArmor (LSMs: /sys/kernel/security/lsm)", where),
               "remove apparmorProfile (podman: --security-opt apparmor=unconfined)");
    if (!p.selinux_label.empty())
        refuse(fmt::format("{}.selinuxLabel: this kernel has no SELinux", where), "remove selinuxLabel");
}

Created create_container(const Globals& g, const CreateOptions& opt) {
    CreateOptions o = opt;
    o.bundle = absolute(o.bundle, "bundle");
    auto text = oci::read_config_text(o.bundle);
    auto config = oci::parse_config(text, o.bundle + "/config.json");  // checked before anything is made
    check_supported(config, o);                           // refuse clearly what box cannot do here
    auto seccomp = seccomp_filter(config, g.root);        // stage 04's filter, built (and checked) now, or cached
    auto rootfs = absolute(config.root_path[0] == '/' ? config.root_path : o.bundle + "/" + config.root_path, "root.path");
    ContainerState state;
    Cleanup poststop;                                     // armed at createRuntime: a failure then runs poststop, last
    auto dir = StateDir::create(g.root, o.id);            // ROOT/ID, locked: a duplicate id is refused
    state.id = o.id, state.bundle = o.bundle, state.annotations = config.annotations;
    state.rootfs = rootfs, state.created = rfc3339_now();
    auto cgroup = plan_container_cgroup(config, o.id, state);  // which groups (stage 03's drivers), none made yet
    dir.save(state);                                      // status "creating", with the groups it will make
    dir.save_config(text);                                // later changes to the bundle's copy do not count
    Fd fifo = make_exec_fifo(dir);                        // `box start` opens it to let the program run
    Cleanup remove_cgroup{[&] { if (cgroup) { cgroup->kill_all(); cgroup->remove(); } }};
    bool joined_pid_ns = [&] { auto* p = config.linux.find("pid"); return p && !p->path.empty(); }();
    CgroupEntry entry(cgroup && !joined_pid_ns && cgroup->version() == "v1");  // v1: the child moves itself
    if (cgroup && !entry.child_moves()) make_container_cgroup(*cgroup, config, state);  // v2: made before clone
    int born_in = cgroup && !entry.child_moves() && !joined_pid_ns ? cgroup->clone_fd() : -1;  // v2: CLONE_INTO_CGROUP
    Fd console = o.console_socket.empty() ? Fd() : connect_console_socket(o.console_socket);
    ErrorPipe errors;                                     // the child's failure comes back here
    TurnPipes sync;                                       // the child waits for its id maps, then for the hooks
    pid_t pid = clone_container(config, born_in, errors, [&] {    // --- in the child, in its new namespaces ---
        entry.parent_end.close();                         // box's end: if box dies, the child's read ends
        dir.close_in_child();                             // the state lock stays with `box create`
        state.pid = sync.wait();                          // its id maps are written; its pid as the host sees it
        container_in_child(config, o, rootfs, state, errors, sync, entry, fifo, console, seccomp);
    });
    Cleanup kill_child{[pid] { ::kill(pid, SIGKILL); ::waitpid(pid, nullptr, 0); }};
    entry.child_end.close();                              // the child's end (if it dies, send fails, not hangs)
    if (cgroup && !entry.child_moves() && born_in < 0) cgroup->join(pid);  // a joined pid namespace: cgroup.procs
    write_id_maps_from_parent(pid, config);               // uid_map/gid_map of a new user namespace
    sync.release(pid);                                    // the child may go on: mounts, up to pivot_root
    state.pid = pid;
    state.pid_start = process_start_time(pid);
    if (entry.child_moves()) {                            // v1, while the child makes its mounts:
        make_container_cgroup(*cgroup, config, state);    // cgroupsPath with linux.resources (stage 03)
        entry.send(state.cgroups);                        // the child moves itself in after its mounts
    }
    sync.wait_child(errors, pid);                         // its mounts are made (or its error is rethrown)
    if (has_create_hooks(config)) dir.save(state);        // still "creating", now with its pid (a hook may ask)
    poststop = Cleanup{[&config, state] { run_poststop_hooks(config, state); }};
    run_hooks(config.hooks.prestart, state_json(state), "prestart");            // deprecated: where createRuntime runs
    run_hooks(config.hooks.create_runtime, state_json(state), "createRuntime"); // in box's namespaces, before pivot_root
    sync.release(pid);                                    // the child: createContainer hooks, pivot_root, the rest
    errors.receive(pid);                                  // rethrows the child's error; else it waits on the fifo
    state.status = "created";
    dir.save(state);                                      // status "created"
    write_pid_file(o.pid_file, pid);                      // the engine reads the pid from here
    poststop.dismiss();
    kill_child.dismiss();
    remove_cgroup.dismiss();
    dir.keep();
    return Created{pid, std::move(config), std::move(state)};
}

namespace {

// Open the exec fifo: the container's process runs its program. Then the poststart hooks
// (@p poststart reads them only when it is time).
void release(const StateDir& dir, ContainerState state, const std::function<std::vector<oci::Hook>()>& poststart) {
    const auto& id = state.id;
    auto path = dir.file("exec.fifo");
    explain(Step::ExecFifo, fmt::format("open(\"{}\", O_RDONLY)", path));
    Fd fifo(check(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC), fmt::format("open(\"{}\")", path)));
    for (;;) {  // the child opens its end and writes one byte; or it is gone
        pollfd p{fifo.get(), POLLIN, 0};
        int n = ::poll(&p, 1, 100);
        if (n > 0 && (p.revents & POLLIN)) break;
        if (n < 0 && errno != EINTR) throw SysError(errno, "poll(exec.fifo)");
        if (dir.live_status(state) == "stopped")
            throw InputError(kExitFailure, fmt::format("container '{}' stopped before it could start", id));
    }
    char c;
    check(static_cast<int>(::read(fifo.get(), &c, 1)), "read(exec.fifo)");
    ::unlink(path.c_str());                               // no fifo: the container is running (live_status)
    state.status = "running";                             // for the hooks; state.json keeps "created"
    wait_for_exec(fifo, id);                              // its startContainer hooks ran and it exec'd its program
    try {
        run_hooks(poststart(), state_json(state), "poststart");
    } catch (const std::exception& e) {  // the spec: a failed poststart hook is logged, the container runs on
        std::fprintf(stderr, "box: warning: %s\n", e.what());
    }
}

}  // namespace

void start_container(const Globals& g, const std::string& id) {
    auto dir = StateDir::open(g.root, id);
    auto state = dir.load();
    auto status = dir.live_status(state);
    if (status != "created")
        throw InputError(kExitFailure, fmt::format("container '{}' is {}, not created: start runs a created container once", id, status));
    release(dir, state, [&] { return dir.config().hooks.poststart; });
}

void start_created(const Globals& g, const Created& c) {
    auto dir = StateDir::open(g.root, c.state.id);  // locked again: `delete --force` may have come first
    release(dir, c.state, [&] { return c.config.hooks.poststart; });
}

}  // namespace box
