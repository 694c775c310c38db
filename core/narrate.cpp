#include "narrate.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace box {

namespace {
bool g_explain = false;
}

StepText step_text(Step step) {
    switch (step) {
    // stage 01
    case Step::Fork: return {"start the process that will become the container", "fork(2)"};
    case Step::UnshareMount: return {"new mount namespace: mounts made now are invisible to the host", "unshare(2)"};
    case Step::MakePrivate: return {"stop mount events propagating back to the host", "mount_namespaces(7)"};
    case Step::BindRootfs: return {"make the rootfs a mount point of its own, as pivot_root requires", "mount(2)"};
    case Step::Chdir: return {"stand in the new root before switching to it", "chdir(2)"};
    case Step::PivotRoot: return {"make the rootfs '/'; the old root is stacked on top of it, to be detached next", "pivot_root(2)"};
    case Step::DetachOldRoot: return {"detach the old root: the host's filesystem is now unreachable", "umount2(2)"};
    case Step::Chroot: return {"change only this process's root directory: path lookup starts here", "chroot(2)"};
    case Step::MountProc: return {"mount a proc filesystem so ps, top and /proc/self work inside", "proc(5)"};
    case Step::Exec: return {"replace this process with the container's command", "execve(2)"};
    case Step::Wait: return {"wait for the container to exit and pass its status on", "waitpid(2)"};
    // stage 02
    case Step::Clone: return {"create the container process inside new namespaces", "clone(2)"};
    case Step::UnshareUser: return {"new user namespace: uid 0 inside maps to an ordinary uid outside", "user_namespaces(7)"};
    case Step::SetGroupsDeny: return {"forbid setgroups(2) so an unprivileged gid map is allowed", "user_namespaces(7)"};
    case Step::UidMap: return {"map uids inside the user namespace to uids outside", "user_namespaces(7)"};
    case Step::GidMap: return {"map gids inside the user namespace to gids outside", "user_namespaces(7)"};
    case Step::SyncRelease: return {"tell the child the parent's set-up is done: it may go on", "pipe(2)"};
    case Step::SetHostname: return {"set the hostname inside the new UTS namespace only", "sethostname(2)"};
    case Step::LoopbackUp: return {"bring up lo: a new network namespace has only a down loopback", "netdevice(7)"};
    case Step::TimeOffsets: return {"shift CLOCK_MONOTONIC/BOOTTIME for the new time namespace", "time_namespaces(7)"};
    case Step::MountProcPid: return {"mount proc for the new PID namespace: only the container's processes show", "pid_namespaces(7)"};
    case Step::InitReap: return {"as PID 1, reap every orphan so no zombie piles up", "wait(2)"};
    case Step::ForwardSignal: return {"pass the signal on to the container's command", "kill(2)"};
    case Step::UnshareTime: return {"new time namespace: its clocks can be shifted before anyone enters it", "time_namespaces(7)"};
    case Step::EnterTime: return {"enter the new time namespace now, not at exec: a process outside it may not start threads", "setns(2)"};
    case Step::NsRoot: return {"become uid/gid 0 of the user namespace (mapped to an ordinary id outside)", "user_namespaces(7)"};
    case Step::ParentDeath: return {"get SIGKILL if box-ns dies: no container outlives its runtime", "prctl(2)"};
    case Step::InitStart: return {"stay as PID 1 (the init) and start the command as its child", "pid_namespaces(7)"};
    // stage 03
    case Step::CgroupDetect: return {"find which cgroup hierarchies are mounted: v2, v1 or both", "cgroups(7)"};
    case Step::CgroupCreate: return {"create the container's cgroup: a directory in cgroupfs", "cgroups(7)"};
    case Step::CgroupLimit: return {"write a limit into the cgroup's control file", "cgroups(7)"};
    case Step::CgroupJoin: return {"move the container process into its cgroup before it runs the command", "cgroups(7)"};
    case Step::CloneIntoCgroup: return {"start the child directly inside the cgroup (no window outside it)", "clone3(2)"};
    case Step::CgroupKill: return {"kill every process still in the cgroup, so that it can be removed", "cgroups(7)"};
    case Step::CgroupRemove: return {"remove the empty cgroup directory", "rmdir(2)"};
    case Step::CgroupStats: return {"read what the container used from the cgroup's accounting files", "cgroups(7)"};
    case Step::UnshareCgroup: return {"new cgroup namespace: the container sees its own cgroup as '/'", "cgroup_namespaces(7)"};
    case Step::CgroupEnable: return {"hand controllers down to the child groups (v2: a group's controllers come from its parent)", "cgroups(7)"};
    case Step::CgroupDevices: return {"load the device rules as a BPF program and attach it to the v2 group", "bpf(2)"};
    case Step::MountCgroup: return {"mount cgroupfs read-only inside: the container sees its own limits", "cgroups(7)"};
    // stage 04
    case Step::CapDrop: return {"drop capabilities from the permitted, effective and inheritable sets", "capabilities(7)"};
    case Step::CapBounding: return {"drop from the bounding set: they can never be regained, even by exec", "capabilities(7)"};
    case Step::CapAmbient: return {"set the ambient set: what survives exec of a non-setuid program", "capabilities(7)"};
    case Step::NoNewPrivs: return {"no_new_privs: exec can never grant privileges (setuid bits, file caps)", "prctl(2)"};
    case Step::SeccompLoad: return {"install the syscall filter: the kernel checks every call from now on", "seccomp(2)"};
    case Step::SeccompTeaching: return {"install a hand-written classic BPF filter", "seccomp(2)"};
    case Step::LandlockRuleset: return {"create a Landlock ruleset: the file accesses it will restrict", "landlock(7)"};
    case Step::LandlockRule: return {"allow access beneath one path", "landlock_add_rule(2)"};
    case Step::LandlockRestrict: return {"enforce the ruleset on this process and its children, for good", "landlock_restrict_self(2)"};
    case Step::SetUid: return {"switch to the container's user and groups", "setresuid(2)"};
    // stage 05
    case Step::ExecFifo: return {"wait on the exec fifo: the process is created, the command waits for 'start'", "fifo(7)"};
    case Step::ConsoleSocket: return {"send the pty master to the engine over the console socket", "unix(7)"};
    case Step::Hook: return {"run an OCI hook with the container state on stdin", "config.md#posix-platform-hooks"};
    case Step::Mount: return {"mount a filesystem listed in config.json", "mount(2)"};
    case Step::MaskPath: return {"hide a path from the container by mounting over it", "config-linux.md#masked-paths"};
    case Step::ReadonlyPath: return {"make a path read-only inside the container", "config-linux.md#readonly-paths"};
    case Step::Sysctl: return {"set a namespaced kernel parameter", "sysctl(8)"};
    case Step::Rlimit: return {"set a resource limit for the container's process", "setrlimit(2)"};
    case Step::Device: return {"create a device node the spec requires", "mknod(2)"};
    case Step::JoinNamespace: return {"join an existing namespace by path", "setns(2)"};
    case Step::StateWrite: return {"record the container's state under --root", "runtime.md#state"};
    case Step::RootPropagation: return {"set every mount's propagation: rslave lets the host's new mounts in, never the container's out", "mount_namespaces(7)"};
    case Step::ParentPropagation: return {"the mount the rootfs is on must not be shared (pivot_root refuses it) nor unbindable", "pivot_root(2)"};
    case Step::OldRootSlave: return {"make the old root a slave, so that detaching it unmounts nothing on the host", "mount_namespaces(7)"};
    case Step::ExecFifoHolderKill: return {"kill what a killed box create left with no pid recorded: the holder of its exec fifo", "pidfd_send_signal(2)"};
    case Step::Count: break;
    }
    return {"", ""};
}

void set_explain(bool on) { g_explain = on; }
bool explaining() { return g_explain; }

std::string explain_line(Step step, std::string_view call) {
    auto t = step_text(step);
    return fmt::format("=> {:<34} {}  [{}]", call, t.why, t.man);
}

void explain(Step step, std::string_view call) {
    if (!g_explain) return;
    auto line = explain_line(step, call);
    std::fprintf(stderr, "%s\n", line.c_str());
}

void explain_note(std::string_view text) {
    if (!g_explain) return;
    std::fprintf(stderr, "   %.*s\n", static_cast<int>(text.size()), text.data());
}

}  // namespace box
