/// @file runtime.hpp
/// @brief Stage 05: the OCI lifecycle (create, start, state, kill, delete) and the steps the
/// container process takes inside before the user's program runs.
/// @ingroup runtime
#pragma once

#include "oci.hpp"
#include "seccomp.hpp"
#include "state.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace box {

/// The global options every `box` command takes, as runc spells them.
struct Globals {
    std::string root = "/run/box";  ///< --root: where container state lives
    std::string log;                ///< --log FILE ("" = stderr)
    std::string log_format = "text";///< --log-format text|json
    bool debug = false;             ///< --debug
    bool systemd_cgroup = false;    ///< --systemd-cgroup (refused: no systemd here)
    bool explain = false;           ///< --explain: narrate each kernel call (stderr)
};

/// The options of `create` and `run`.
struct CreateOptions {
    std::string id;
    std::string bundle = ".";       ///< --bundle/-b (made absolute)
    std::string pid_file;           ///< --pid-file
    std::string console_socket;     ///< --console-socket: where the pty master is sent
    bool no_pivot = false;          ///< --no-pivot: chroot instead of pivot_root
    bool no_new_keyring = false;    ///< --no-new-keyring (accepted; box makes no keyring)
    int preserve_fds = 0;           ///< --preserve-fds N: pass fds 3..3+N-1 to the container
    bool detach = false;            ///< run --detach / -d
};

/// A container as `create` leaves it: `run` goes on from here to start and delete without
/// reading back the state and config it has just written.
struct Created {
    pid_t pid = 0;
    oci::Config config;    ///< as parsed from the bundle (the state directory keeps its text)
    ContainerState state;  ///< as saved: "created", with its pid and cgroups
};

/// `box create`: set the container up and leave its process waiting before the user's program
/// (on the exec fifo). Nothing is left behind if any step fails.
Created create_container(const Globals& g, const CreateOptions& o);

/// `box start`: let a created container's process run its program; then the poststart hooks.
void start_container(const Globals& g, const std::string& id);

/// `run`'s start of the container it has just created: as start_container(), from @p c.
void start_created(const Globals& g, const Created& c);

/// `box run`: create + start; without --detach, wait and return the program's exit status,
/// then delete the container.
int run_container(const Globals& g, const CreateOptions& o);

/// The container's config.json as `create` read it (kept in its state directory).
oci::Config container_config(const Globals& g, const std::string& id);

/// `box state`: the state JSON with the live status.
oci::Json container_state(const Globals& g, const std::string& id);

/// `box kill ID SIGNAL`: SIGNAL is a name (TERM, SIGTERM) or a number.
void kill_container(const Globals& g, const std::string& id, const std::string& signal);

/// `box delete [--force]`: a stopped (or, with force, any) container: kill, poststop hooks,
/// cgroup and state removed.
void delete_container(const Globals& g, const std::string& id, bool force);

/// `run`'s delete, once it has reaped the container's process: its cgroup, its state
/// directory, then the poststop hooks, from @p c.
void delete_stopped(const Globals& g, const Created& c);

/// `box list`: every container's state under --root.
std::vector<oci::Json> list_containers(const Globals& g);

/// `box ps ID`: the pids in the container (its process and the ones in its cgroup).
std::vector<pid_t> container_pids(const Globals& g, const std::string& id);

/// The options of `exec` besides the process.
struct ExecOptions {
    bool detach = false;            ///< -d/--detach: return once the program runs
    std::string pid_file;           ///< --pid-file: the program's pid
    std::string console_socket;     ///< --console-socket: where the pty master goes (--tty)
};

/// `box exec`: run @p process (a config.json "process" object) in a running container's
/// namespaces, with the container's seccomp filter and @p process's user, capabilities,
/// no_new_privs and rlimits, as create does. Returns its exit status (or 0 with detach).
int exec_in_container(const Globals& g, const std::string& id, const oci::Process& process, const ExecOptions& o);

/// Refuse, with one clear line naming @p where (e.g. "config.json: .process"), what box cannot
/// do for this process here: a terminal without a console socket, AppArmor, SELinux.
void check_process(const oci::Process& p, bool console_socket, std::string_view where);

/// linux.seccomp through stage 04's loader, built in the parent before anything is started
/// (names this libseccomp does not know are skipped, as runc and crun do); none without it.
/// The compiled program is kept under @p root (seccomp_cache.hpp): the next container with the
/// same profile loads it instead of building it again.
std::optional<SeccompFilter> seccomp_filter(const oci::Config& c, const std::string& root);

/// Write @p pid to @p path atomically (a temporary file renamed over it); nothing if path is "".
void write_pid_file(const std::string& path, pid_t pid);

/// Signal name or number -> number (TERM, SIGTERM, 15). Throws InputError(kExitUsage).
int parse_signal(const std::string& text);

/// Run hooks in order with @p state on their stdin; a hook that fails or outlives its timeout
/// is an error naming it (@p kind: "createRuntime", ...).
void run_hooks(const std::vector<oci::Hook>& hooks, const oci::Json& state, std::string_view kind);

/// The poststop hooks of @p config with @p state as "stopped"; a failing one is a warning on
/// stderr (the spec: the runtime logs it and goes on).
void run_poststop_hooks(const oci::Config& config, ContainerState state);

/// `box start`, after the exec fifo's byte: wait until the container's process has exec'd its
/// program (its end of the fifo closes). Anything it wrote is a failed startContainer hook's
/// error: rethrown, naming container @p id.
void wait_for_exec(const Fd& fifo, const std::string& id);

/// The `features` JSON (runtime-spec features.md).
oci::Json features_json();

}  // namespace box
