// box create and box start: the OCI lifecycle's two halves, each a flat list of steps.
#include "inside.hpp"
#include "runtime.hpp"

#include "cgroup.hpp"
#include "seccomp.hpp"

#include "error.hpp"
#include "narrate.hpp"
#include "process.hpp"

#include <fmt/format.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace box {

namespace {

// Parent-to-child "go on" pipe: the child waits until the parent has written its id maps.
struct ReleasePipe {
    Fd read, write;
    ReleasePipe() {
        int fds[2];
        check(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
        read = Fd(fds[0]);
        write = Fd(fds[1]);
    }
    void release() { explain(Step::SyncRelease, "write(sync pipe)"); check(static_cast<int>(::write(write.get(), "1", 1)), "write(sync pipe)"); write.close(); }
    void wait() {
        write.close();
        char c;
        if (::read(read.get(), &c, 1) != 1) throw InputError(kExitFailure, "box create went away before releasing the container");
        read.close();
    }
};

// Refuse, before anything is made, what this build of box cannot do (clearly, not silently).
void check_supported(const oci::Config& c, const CreateOptions& o) {
    auto refuse = [](std::string what, std::string hint) { throw InputError(kExitUnavailable, std::move(what), std::move(hint)); };
    if (c.process.terminal && o.console_socket.empty())
        throw InputError(kExitUsage, "config.json: .process.terminal is true but no --console-socket was given",
                         "give --console-socket SOCKET (engines do), or set \"terminal\": false");
    if (!c.hooks.create_container.empty() || !c.hooks.start_container.empty())
        refuse("config.json: .hooks: createContainer and startContainer hooks are not supported by box yet",
               "use createRuntime (or prestart) and poststart hooks");
    if (!c.process.apparmor_profile.empty())
        refuse("config.json: .process.apparmorProfile: this kernel has no AppArmor (LSMs: /sys/kernel/security/lsm)",
               "remove apparmorProfile (podman: --security-opt apparmor=unconfined)");
    if (!c.process.selinux_label.empty() || !c.linux.mount_label.empty())
        refuse("config.json: .process.selinuxLabel: this kernel has no SELinux", "remove selinuxLabel and mountLabel");
    if (auto* p = c.linux.find("pid"); p && !p->path.empty())
        refuse("config.json: .linux.namespaces: joining a pid namespace by path is not supported by box yet",
               "drop the path to get a new pid namespace");
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

int new_namespace_flags(const oci::Config& c) {
    int flags = 0;
    for (const auto& n : c.linux.namespaces)
        if (n.path.empty()) flags |= n.flag;
    return flags;
}

// clone(2) the container process into its new namespaces; it runs @p fn and never returns.
pid_t clone_container(const oci::Config& c, ErrorPipe& errors, const std::function<void()>& fn) {
    int flags = new_namespace_flags(c);
    explain(Step::Clone, fmt::format("clone({:#x}|SIGCHLD)", flags));
    pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    check(pid, fmt::format("clone({:#x}) (the namespaces in config.json)", flags));
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

// linux.resources as stage 03's limits (swap: the spec's memory+swap total, as --memory-swap).
CgroupLimits cgroup_limits(const oci::Config& c) {
    CgroupLimits l;
    if (!c.linux.resources) return l;
    const auto& r = *c.linux.resources;
    if (r.memory_limit && *r.memory_limit > 0) l.memory = static_cast<std::uint64_t>(*r.memory_limit);
    if (r.memory_swap && *r.memory_swap > 0 && l.memory) l.memory_swap = static_cast<std::uint64_t>(*r.memory_swap);
    if (r.pids_limit && *r.pids_limit > 0) l.pids = *r.pids_limit;
    if (r.cpu_quota && *r.cpu_quota > 0)
        l.cpus = static_cast<double>(*r.cpu_quota) / static_cast<double>(r.cpu_period.value_or(100000));
    return l;
}

// Whether the container needs a cgroup of its own: for limits, or to find its processes again
// when it has no pid namespace of its own (with one, killing its PID 1 kills them all). Joining a
// v1 cgroup costs ~15 ms on this machine (cgroup.procs writes wait for an RCU grace period), so
// `box run` of a default bundle does without.
bool needs_cgroup(const oci::Config& c, const CgroupLimits& limits) {
    const auto* pid = c.linux.find("pid");
    return limits.memory || limits.pids || limits.cpus || !pid || !pid->path.empty();
}

// The container's cgroup box/ID, made with stage 03's driver (v2, v1 or this hybrid host's v1);
// nullptr when needs_cgroup() says no.
std::unique_ptr<CgroupDriver> make_cgroup(const oci::Config& c, const std::string& id) {
    auto limits = cgroup_limits(c);
    if (!needs_cgroup(c, limits)) return nullptr;
    check_cgroup_name(id);
    auto driver = make_cgroup_driver(detect_cgroup_mounts(), id);
    driver->check_available(limits);
    driver->create(limits);
    driver->set_limits(limits);
    return driver;
}

// linux.seccomp through stage 04's loader, built before anything is started (names this
// libseccomp does not know are skipped, as runc and crun do for engines' profiles).
std::optional<SeccompFilter> seccomp_filter(const oci::Config& c) {
    if (!c.linux.seccomp) return std::nullopt;
    auto profile = parse_seccomp_profile(*c.linux.seccomp, "config.json: .linux.seccomp", UnknownSyscalls::Skip);
    CapMask caps = 0;
    if (c.process.capabilities)
        for (int cap : c.process.capabilities->bounding) caps |= CapMask{1} << cap;
    else
        caps = all_capabilities();
    return SeccompFilter(profile, caps);
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

// In the child, after release: every step between clone and the user's program.
void container_in_child(const oci::Config& c, const CreateOptions& o, const std::string& rootfs, ErrorPipe& errors,
                        const Fd& fifo, const Fd& console, const std::optional<SeccompFilter>& seccomp) {
    join_namespaces(c);                          // setns(2) into namespaces named by path
    become_userns_root(c);                       // uid/gid 0 of a user namespace, mapped outside
    set_hostname(c);                             // in the new uts namespace
    prepare_rootfs(c, rootfs);                   // mounts, devices and /dev links, still outside
    switch_root(rootfs, o.no_pivot);             // pivot_root: the rootfs becomes '/'
    apply_sysctl(c);                             // before /proc/sys turns read-only
    finish_rootfs(c);                            // masked and read-only paths, a read-only root
    if (c.process.terminal) setup_terminal(c.process, console);  // the pty master goes to the engine
    apply_limits(c.process);                     // rlimits, oom_score_adj
    bool nnp = c.process.no_new_privileges;      // without no_new_privs, loading needs CAP_SYS_ADMIN: load first
    if (seccomp && !nnp) { explain(Step::SeccompLoad, "seccomp(SECCOMP_SET_MODE_FILTER)"); seccomp->load(); }
    set_user_and_capabilities(c.process);        // groups, gid, uid, capabilities, no_new_privs
    if (seccomp && nnp) { explain(Step::SeccompLoad, "seccomp(SECCOMP_SET_MODE_FILTER)"); seccomp->load(); }
    ::syscall(SYS_close_range, 3 + o.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);  // no fd of ours leaks in
    auto program = find_program(c.process);      // a missing program fails `create`, not `start`
    errors.done();                               // create returns: the container is "created"
    wait_for_start(fifo);                        // blocks until `box start`
    exec_process(c.process, program);            // become the user's program
}

}  // namespace

pid_t create_container(const Globals& g, const CreateOptions& opt) {
    CreateOptions o = opt;
    o.bundle = absolute(o.bundle, "bundle");
    auto config = oci::load_config(o.bundle);             // config.json, checked before anything is made
    check_supported(config, o);                           // refuse clearly what box cannot do here
    auto seccomp = seccomp_filter(config);                // stage 04's filter, built (and checked) now
    auto rootfs = absolute(config.root_path[0] == '/' ? config.root_path : o.bundle + "/" + config.root_path, "root.path");
    auto dir = StateDir::create(g.root, o.id);            // ROOT/ID, locked: a duplicate id is refused
    ContainerState state;
    state.id = o.id, state.bundle = o.bundle, state.annotations = config.annotations;
    state.rootfs = rootfs, state.created = rfc3339_now();
    state.cgroup = o.id;                                  // recorded first: delete removes it (if made) whatever happens
    dir.save(state);                                      // status "creating"
    Fd fifo = make_exec_fifo(dir);                        // `box start` opens it to let the program run
    auto cgroup = make_cgroup(config, o.id);              // box/ID with linux.resources' limits (stage 03)
    Cleanup remove_cgroup{[&] { if (cgroup) { cgroup->kill_all(); cgroup->remove(); } }};
    if (!cgroup) state.cgroup.clear();
    Fd console = o.console_socket.empty() ? Fd() : connect_console_socket(o.console_socket);
    ErrorPipe errors;                                     // the child's failure comes back here
    ReleasePipe sync;                                     // the child waits until its id maps are written
    pid_t pid = clone_container(config, errors, [&] {    // --- in the child, in its new namespaces ---
        dir.close_in_child();                             // the state lock stays with `box create`
        sync.wait();
        container_in_child(config, o, rootfs, errors, fifo, console, seccomp);
    });
    Cleanup kill_child{[pid] { ::kill(pid, SIGKILL); ::waitpid(pid, nullptr, 0); }};
    if (cgroup) cgroup->join(pid);                        // the child is in its cgroup before it runs anything
    write_id_maps_from_parent(pid, config);               // uid_map/gid_map of a new user namespace
    sync.release();                                       // the child may go on
    errors.receive(pid);                                  // rethrows the child's error; else it waits on the fifo
    state.pid = pid;
    state.pid_start = process_start_time(pid);
    state.status = "created";
    dir.save(state);                                      // status "created", with its pid
    run_hooks(config.hooks.prestart, state_json(state), "prestart");
    run_hooks(config.hooks.create_runtime, state_json(state), "createRuntime");
    write_pid_file(o.pid_file, pid);                      // the engine reads the pid from here
    kill_child.dismiss();
    remove_cgroup.dismiss();
    dir.keep();
    return pid;
}

void start_container(const Globals& g, const std::string& id) {
    auto dir = StateDir::open(g.root, id);
    auto state = dir.load();
    auto status = dir.live_status(state);
    if (status != "created")
        throw InputError(kExitFailure, fmt::format("container '{}' is {}, not created: start runs a created container once", id, status));
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
    ::unlink(path.c_str());                               // no fifo: the container counts as running
    state.status = "running";
    dir.save(state);
    try {
        run_hooks(oci::load_config(state.bundle).hooks.poststart, state_json(state), "poststart");
    } catch (const std::exception& e) {  // the spec: a failed poststart hook is logged, the container runs on
        std::fprintf(stderr, "box: warning: %s\n", e.what());
    }
}

}  // namespace box
