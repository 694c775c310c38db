// Stage 02, the child's side: what each new namespace needs from inside before CMD runs.
#include "ns.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace box {

namespace {
bool maps_zero(const std::vector<IdRange>& map) {
    for (const auto& r : map)
        if (r.inside == 0) return true;
    return false;
}

// The child keeps the ids it was cloned with; with a map like 0:100000:65536 (root caller) its
// host uid 0 is not mapped at all. Switching to 0 *of the namespace* makes it the namespace's
// root, so CMD keeps the namespace's capabilities across exec.
void become_ns_root(const NsOptions& opt) {
    in_context("becoming root of the user namespace", [&] {
        if (maps_zero(opt.gids)) {
            explain(Step::NsRoot, "setresgid(0, 0, 0)");
            check(::setresgid(0, 0, 0), "setresgid(0, 0, 0)");
            // Drop the host's supplementary groups where allowed (setgroups is denied rootless).
            ::setgroups(0, nullptr);
        }
        if (maps_zero(opt.uids)) {
            explain(Step::NsRoot, "setresuid(0, 0, 0)");
            check(::setresuid(0, 0, 0), "setresuid(0, 0, 0)");
        }
    });
    // A change of ids clears the parent-death signal: set it again.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
}
}  // namespace

void loopback_up() {
    in_context("bringing up lo in the new network namespace", [] {
        Fd s(check(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket(AF_INET, SOCK_DGRAM)"));
        struct ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        check(::ioctl(s.get(), SIOCGIFFLAGS, &ifr), "ioctl(SIOCGIFFLAGS, \"lo\")");
        ifr.ifr_flags |= IFF_UP;
        // EXERCISE 02.2: bring the loopback interface up
        explain(Step::LoopbackUp, "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)");
        check(::ioctl(s.get(), SIOCSIFFLAGS, &ifr), "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)");
        // END EXERCISE
    });
}

void enter_time_ns(std::int64_t offset_seconds) {
    in_context("making the time namespace", [&] {
        explain(Step::UnshareTime, "unshare(CLONE_NEWTIME)");
        check(::unshare(CLONE_NEWTIME), "unshare(CLONE_NEWTIME)");
        if (offset_seconds != 0) write_time_offsets(offset_seconds);
        // unshare left us outside the namespace (only our children are born in it). Until we
        // are in it, the kernel refuses to let this process start a thread (CLONE_VM gives
        // EINVAL), and only newer kernels move us in at execve: so join it now, explicitly.
        explain(Step::EnterTime, "setns(\"/proc/self/ns/time_for_children\", CLONE_NEWTIME)");
        Fd ns(check(::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC),
                    "open(\"/proc/self/ns/time_for_children\")"));
        check(::setns(ns.get(), CLONE_NEWTIME), "setns(\"/proc/self/ns/time_for_children\", CLONE_NEWTIME)");
    });
}

void write_time_offsets(std::int64_t offset_seconds) {
    // Offsets can be written only before the first process enters the namespace: the setns in
    // enter_time_ns() right after this.
    auto text = fmt::format("monotonic {0} 0\nboottime {0} 0\n", offset_seconds);
    auto call = fmt::format("write(\"/proc/self/timens_offsets\", \"monotonic {0} 0\\nboottime {0} 0\")",
                            offset_seconds);
    explain(Step::TimeOffsets, call);
    Fd fd(check(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC), "open(\"/proc/self/timens_offsets\")"));
    try {
        check(::write(fd.get(), text.data(), text.size()), call);
    } catch (SysError& e) {
        if (e.code().value() == ERANGE || e.code().value() == EINVAL)
            e.with_exit_code(kExitUsage).with_hint("--uptime-offset: a clock cannot go back before boot: "
                                                   "use a positive offset or a smaller negative one");
        throw;
    }
}

void ns_in_child(const NsOptions& opt) {
    if (opt.namespaces.count("user")) become_ns_root(opt);
    if (opt.namespaces.count("uts")) {
        // EXERCISE 02.1: give the container its own hostname
        auto call = fmt::format("sethostname(\"{}\")", opt.hostname);
        explain(Step::SetHostname, call);
        check(::sethostname(opt.hostname.data(), opt.hostname.size()), call);
        // END EXERCISE
    }
    if (opt.namespaces.count("net")) loopback_up();
    if (opt.namespaces.count("time")) enter_time_ns(opt.offset_seconds);
}

namespace {
void make_mounts_private() {
    explain(Step::MakePrivate, "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE)");
    check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE)");
}

// proc shows the PID namespace of whoever mounts it: ours. Mounted inside the rootfs before
// pivot_root because a user namespace may mount proc only while a full proc is still in view.
void mount_proc_in(const std::string& rootfs) {
    auto target = rootfs + "/proc";
    ::mkdir(target.c_str(), 0555);  // EEXIST is the usual case
    // EXERCISE 02.3: mount the new PID namespace's proc inside the rootfs
    auto call = fmt::format("mount(\"proc\", \"{}\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC)", target);
    explain(Step::MountProcPid, call);
    check(::mount("proc", target.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), call);
    // END EXERCISE
}
}  // namespace

void enter_rootfs_ns(const NsOptions& opt) {
    if (!opt.namespaces.count("mount")) {
        explain_note("no mount namespace: chroot only, and no /proc (a mount now would appear on the host)");
        chroot_into(opt.rootfs);
        return;
    }
    in_context(fmt::format("preparing rootfs {}", opt.rootfs), [&] {
        make_mounts_private();
        mount_proc_in(opt.rootfs);
    });
    if (opt.use_chroot)
        chroot_into(opt.rootfs);
    else
        pivot_into(opt.rootfs);
}

}  // namespace box
