/// @file ns.hpp
/// @brief Stage 02, namespaces: what a process can see (hostname, pids, mounts, IPC, network,
/// users, cgroups, clocks).
/// @ingroup ns
#pragma once

#include "process.hpp"
#include "rootfs.hpp"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

/// @defgroup ns 02-namespaces: namespaces
/// clone3(2) with CLONE_NEW* flags, uid/gid maps, rootless containers, a minimal init.

namespace box {

/// One line of a uid_map or gid_map: ids [inside, inside+count) inside the user namespace are
/// ids [outside, outside+count) outside it.
struct IdRange {
    std::uint32_t inside = 0;
    std::uint32_t outside = 0;
    std::uint32_t count = 1;
    bool operator==(const IdRange&) const = default;
};

/// The options of stage 02: stage 01's plus the namespaces.
struct NsOptions : RootfsOptions {
    std::string ns_list;             ///< --ns as given; "" = the default for this caller
    bool user = false;               ///< --user: add a user namespace (always on without root)
    std::string hostname = "box";    ///< --hostname (in the new UTS namespace)
    bool hostname_given = false;     ///< --hostname was given (an error without a UTS namespace)
    std::string uid_map, gid_map;    ///< --uid-map / --gid-map as given ("" = caller -> 0)
    std::string uptime_offset;       ///< --uptime-offset as given ("" = 0)
    bool init = false;               ///< --init: a minimal init is PID 1, CMD is its child
    // Filled by check_ns_options():
    std::set<std::string> namespaces;  ///< the chosen names: "uts", "pid", ...
    std::vector<IdRange> uids, gids;   ///< the maps to write (empty without a user namespace)
    std::int64_t offset_seconds = 0;   ///< the monotonic/boottime offset for the time namespace
};

/// The namespace names --ns accepts, in the order they are listed.
const std::vector<std::string>& namespace_names();

/// Register stage 02's options (and stage 01's) on @p app.
void add_ns_options(CLI::App& app, NsOptions& opt);

/// Resolve and check the namespace options before anything is created: the --ns list (the
/// default depends on @p caller_uid: all but user for root, all for anyone else), the id maps
/// (an unprivileged caller may map only its own uid and gid), the uptime offset.
/// Throws InputError naming the option and the fix.
void check_ns_options(NsOptions& opt, uid_t caller_uid = ::geteuid(), gid_t caller_gid = ::getegid());

/// The default namespaces for a caller: all of them but "user" for root, all for anyone else.
std::set<std::string> default_namespaces(uid_t caller_uid);

/// The clone flags (CLONE_NEW*) for @p names. "time" is left out: a time namespace's clocks
/// can be set only before a process enters it, so the child unshares it (see enter_time_ns()).
std::uint64_t clone_flags(const std::set<std::string>& names);

/// "0:1000:1,1:100000:65536" -> ranges. Throws InputError(kExitUsage) naming @p what.
std::vector<IdRange> parse_id_map(std::string_view text, std::string_view what);

/// The text written to /proc/PID/uid_map: one "inside outside count" line per range.
std::string id_map_text(const std::vector<IdRange>& ranges);

/// "10d", "3h", "90m", "45s", "-3600" -> seconds. Throws InputError(kExitUsage) naming @p what.
std::int64_t parse_duration(std::string_view text, std::string_view what);

/// Parent-to-child release pipe: the parent does its *_from_parent() work, then release()s;
/// the child waits in wait_release() first. If the parent dies first, the child sees EOF and
/// exits. Close-on-exec, so CMD never inherits it.
class SyncPipe {
public:
    SyncPipe();
    /// Parent: let the child go on (narrated as Step::SyncRelease).
    void release();
    /// Child: block until the parent releases; throws if the parent went away instead.
    void wait_release();
    /// Child: drop the write end (done by clone_child()).
    void child_side() noexcept { write_.close(); }

private:
    Fd read_;
    Fd write_;
};

/// clone3(2) with @p flags (CLONE_NEW*), plus CLONE_INTO_CGROUP into the group @p cgroup_fd names
/// when it is >= 0; narrated. Returns twice, like fork: 0 in the child, on a copy of the stack.
/// Without clone3 (ENOSYS) and without a group, clone(2). Throws SysError.
pid_t clone3_or_clone(std::uint64_t flags, int cgroup_fd);

/// Start the container process in new namespaces with clone3(2) (clone(2) if the kernel or a
/// seccomp filter refuses clone3). @p cgroup_fd >= 0 adds CLONE_INTO_CGROUP (clone3 only; -1
/// for none). The child runs @p fn, which must end in exec; its errors travel over @p errors.
/// The child gets SIGKILL if box-ns dies (PR_SET_PDEATHSIG), so no container outlives it.
pid_t clone_child(const NsOptions& opt, int cgroup_fd, ErrorPipe& errors, SyncPipe& sync,
                  const std::function<void()>& fn);

/// Parent: write the child's setgroups (deny, for an unprivileged caller), uid_map and gid_map.
/// Does nothing without a user namespace.
void write_id_maps_from_parent(pid_t pid, const NsOptions& opt);

/// Child, after release: become uid/gid 0 of the user namespace, set the hostname, bring up
/// lo, enter the time namespace with its offsets: each only for a namespace that was asked for.
void ns_in_child(const NsOptions& opt);

/// Child: stage 01's root switch, namespace-aware. With a mount namespace: mounts made private,
/// a proc for the new PID namespace mounted in the rootfs *before* pivot_root (rootless proc
/// mounts need the host's /proc still in view), then pivot_root (or chroot). Without one:
/// chroot only and no /proc (a mount would appear on the host).
void enter_rootfs_ns(const NsOptions& opt);

/// Child, last step: without --init, exec CMD (it becomes PID 1). With --init, stay as PID 1:
/// start CMD as a child, reap every orphan, forward SIGTERM/SIGINT/SIGHUP/SIGQUIT to CMD, and
/// exit with CMD's status.
[[noreturn]] void exec_or_init(const NsOptions& opt, ErrorPipe& errors, SignalBlock& signals);

/// The minimal init's loop: wait for @p cmd_pid while reaping every other child and forwarding
/// the blocked signals to it. Returns CMD's exit status (128+N for signal N).
int init_loop(pid_t cmd_pid, const SignalBlock& signals);

/// Bring the loopback interface up (in the current network namespace).
void loopback_up();

/// Make a new time namespace, shift its monotonic and boottime clocks by offset_seconds, and
/// move the calling process into it (setns on /proc/self/ns/time_for_children).
void enter_time_ns(std::int64_t offset_seconds);

/// Write the monotonic and boottime offsets of a time namespace nobody has entered yet.
void write_time_offsets(std::int64_t offset_seconds);

}  // namespace box
