/// @file inside.hpp
/// @brief Stage 05: what the container process does inside, between clone and exec, in the
/// order it does it. Each function is one step of create_container()'s child.
/// @ingroup runtime
#pragma once

#include "guard.hpp"
#include "oci.hpp"
#include "seccomp.hpp"

#include <optional>
#include <string>

namespace box {

/// setns(2) into every namespace config.json names by path (user first), but pid: see
/// join_pid_namespace().
void join_namespaces(const oci::Config& c);

/// setns(2) into the pid namespace config.json names by path (its user namespace first, if
/// named). It applies to this process's children only: the container process is cloned after.
void join_pid_namespace(const oci::Config& c);

/// In a user namespace: become its uid/gid 0 (the cloned child still has the host's ids,
/// which the namespace's maps may leave unmapped).
void become_userns_root(const oci::Config& c);

/// sethostname/setdomainname, when config.json sets them (needs a uts namespace).
void set_hostname(const oci::Config& c);

/// Before the root switch, as runc's prepareRoot: every mount gets linux.rootfsPropagation
/// (rslave when unset), the mount the rootfs is on made a slave or private, the rootfs bound on
/// itself; then every mount of config.json inside it, the default devices, /dev links.
void prepare_rootfs(const oci::Config& c, const std::string& rootfs);

/// pivot_root into @p rootfs as runc does (the old root made a slave, then detached); chroot
/// with --no-pivot.
void switch_root(const std::string& rootfs, bool no_pivot);

/// After the root switch: masked paths, read-only paths, a read-only root, rootfsPropagation.
void finish_rootfs(const oci::Config& c);

/// Write linux.sysctl into /proc/sys.
void apply_sysctl(const oci::Config& c);

/// Connect to the engine's console socket (before the root switch: the path is the host's).
Fd connect_console_socket(const std::string& path);

/// With process.terminal: open a pty in the container's devpts, send its master over
/// @p socket (SCM_RIGHTS), make the slave the controlling terminal and stdin/out/err.
void setup_terminal(const oci::Process& p, const Fd& socket);

/// process.rlimits and process.oomScoreAdj.
void apply_limits(const oci::Process& p);

/// process.user and process.capabilities through stage 04's drop_privileges() (bounding set,
/// groups, gid, uid, then the other four sets), umask, then noNewPrivileges.
void set_user_and_capabilities(const oci::Process& p);

/// set_user_and_capabilities() and the seccomp filter, in stage 04's order: the filter last,
/// unless there is no no_new_privs (loading then needs CAP_SYS_ADMIN: it goes first).
void secure_process(const oci::Process& p, const std::optional<SeccompFilter>& seccomp);

/// Find process.args[0] in the container's PATH now, so a missing program fails `create`
/// with a clear error instead of failing silently after `start`. Returns the path to exec.
std::string find_program(const oci::Process& p);

/// Block until `box start` opens the exec fifo (opened O_PATH as @p fifo before the root
/// switch, reopened for writing through /proc/self/fd) and write one byte. Returns the
/// fifo's write end: it stays open until the program is exec'd (O_CLOEXEC), so `box start`
/// sees its end when the program runs.
Fd wait_for_start(const Fd& fifo);

/// Run the startContainer hooks (inside the container, before the program). A failure is
/// written to @p started, for `box start` to report, and the process exits.
void run_start_hooks(const std::vector<oci::Hook>& hooks, const oci::Json& state, const Fd& started);

/// execve the program with process.env, in process.cwd.
[[noreturn]] void exec_process(const oci::Process& p, const std::string& program);

}  // namespace box
