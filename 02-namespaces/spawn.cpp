// Stage 02, the parent's side: clone3 into new namespaces, the release pipe, the id maps.
#include "ns.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>

namespace box {

SyncPipe::SyncPipe() {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
    read_ = Fd(fds[0]);
    write_ = Fd(fds[1]);
}

void SyncPipe::release() {
    read_.close();
    explain(Step::SyncRelease, "write(sync_pipe, \"1\")");
    while (::write(write_.get(), "1", 1) < 0) {
        if (errno != EINTR) throw SysError(errno, "write(sync_pipe, \"1\")");
    }
    write_.close();
}

void SyncPipe::wait_release() {
    char c = 0;
    ssize_t n;
    while ((n = ::read(read_.get(), &c, 1)) < 0 && errno == EINTR) {}
    read_.close();
    if (n != 1) throw InputError(kExitFailure, "box-ns stopped before releasing the container process");
}

namespace {
std::string flag_names(std::uint64_t flags) {
    static const std::pair<std::uint64_t, const char*> names[] = {
        {CLONE_NEWUSER, "CLONE_NEWUSER"}, {CLONE_NEWUTS, "CLONE_NEWUTS"},     {CLONE_NEWPID, "CLONE_NEWPID"},
        {CLONE_NEWNS, "CLONE_NEWNS"},     {CLONE_NEWIPC, "CLONE_NEWIPC"},     {CLONE_NEWNET, "CLONE_NEWNET"},
        {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"}};
    std::string out;
    for (auto [bit, name] : names)
        if (flags & bit) out += (out.empty() ? "" : "|") + std::string(name);
    return out.empty() ? "0" : out;
}
}  // namespace

// clone3 returns twice, like fork: 0 in the child (on a copy of our stack: no CLONE_VM).
pid_t clone3_or_clone(std::uint64_t flags, int cgroup_fd) {
    struct clone_args args{};
    args.flags = flags | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
    args.exit_signal = SIGCHLD;
    args.cgroup = cgroup_fd >= 0 ? static_cast<std::uint64_t>(cgroup_fd) : 0;
    auto call = fmt::format("clone3({{.flags = {}, .exit_signal = SIGCHLD{}}})", flag_names(args.flags),
                            cgroup_fd >= 0 ? fmt::format(", .cgroup = {}", cgroup_fd) : "");
    explain(cgroup_fd >= 0 ? Step::CloneIntoCgroup : Step::Clone, call);
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || errno != ENOSYS || cgroup_fd >= 0) return static_cast<pid_t>(check(pid, call));
    // No clone3 (an old kernel, or a seccomp filter that answers ENOSYS, as Docker's does).
    call = fmt::format("clone({}|SIGCHLD)", flag_names(flags));
    explain(Step::Clone, call);
    return static_cast<pid_t>(check(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0L), call));
}

pid_t clone_child(const NsOptions& opt, int cgroup_fd, ErrorPipe& errors, SyncPipe& sync,
                  const std::function<void()>& fn) {
    pid_t pid = in_context("creating the container process", [&] {
        return clone3_or_clone(clone_flags(opt.namespaces), cgroup_fd);
    });
    if (pid == 0) {
        errors.child_side();
        sync.child_side();
        explain(Step::ParentDeath, "prctl(PR_SET_PDEATHSIG, SIGKILL)");
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // cannot fail for a valid signal
        child_main(errors, fn);
    }
    return pid;
}

namespace {
void write_proc_file(pid_t pid, const char* name, const std::string& text, Step step) {
    auto path = fmt::format("/proc/{}/{}", pid, name);
    auto call = fmt::format("write(\"{}\", \"{}\")", path, text.substr(0, text.find_last_not_of('\n') + 1));
    explain(step, call);
    Fd fd(check(::open(path.c_str(), O_WRONLY | O_CLOEXEC), fmt::format("open(\"{}\")", path)));
    // One write(2) for the whole map: the kernel accepts a map once, in a single write.
    ssize_t n = check(::write(fd.get(), text.data(), text.size()), call);
    if (static_cast<std::size_t>(n) != text.size()) throw SysError(EIO, call);
}
}  // namespace

void write_id_maps_from_parent(pid_t pid, const NsOptions& opt) {
    if (!opt.namespaces.count("user")) return;
    in_context("writing the user namespace's id maps", [&] {
        try {
            write_proc_file(pid, "uid_map", id_map_text(opt.uids), Step::UidMap);
            // Without CAP_SETGID outside, a gid map is allowed only once setgroups(2) is denied
            // (else a process could drop a group that was denying it access).
            if (::geteuid() != 0) write_proc_file(pid, "setgroups", "deny", Step::SetGroupsDeny);
            write_proc_file(pid, "gid_map", id_map_text(opt.gids), Step::GidMap);
        } catch (SysError& e) {
            if (e.code().value() == EPERM || e.code().value() == EINVAL)
                e.with_exit_code(e.code().value() == EPERM ? kExitNoPermission : kExitUsage)
                    .with_hint("the map names ids you may not map, or ranges that overlap: "
                               "see --uid-map/--gid-map in box-ns --help");
            throw;
        }
    });
}

}  // namespace box
