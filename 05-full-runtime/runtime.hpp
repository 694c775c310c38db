/// @file runtime.hpp
/// @brief Stage 05: the OCI lifecycle (create, start, state, kill, delete) and the steps the
/// container process takes inside before the user's program runs.
/// @ingroup runtime
#pragma once

#include "oci.hpp"
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

/// `box create`: set the container up and leave its process waiting before the user's program
/// (on the exec fifo). Returns its pid. Nothing is left behind if any step fails.
pid_t create_container(const Globals& g, const CreateOptions& o);

/// `box start`: let a created container's process run its program; then the poststart hooks.
void start_container(const Globals& g, const std::string& id);

/// `box run`: create + start; without --detach, wait and return the program's exit status,
/// then delete the container.
int run_container(const Globals& g, const CreateOptions& o);

/// `box state`: the state JSON with the live status.
oci::Json container_state(const Globals& g, const std::string& id);

/// `box kill ID SIGNAL`: SIGNAL is a name (TERM, SIGTERM) or a number.
void kill_container(const Globals& g, const std::string& id, const std::string& signal);

/// `box delete [--force]`: a stopped (or, with force, any) container: kill, poststop hooks,
/// cgroup and state removed.
void delete_container(const Globals& g, const std::string& id, bool force);

/// `box list`: every container's state under --root.
std::vector<oci::Json> list_containers(const Globals& g);

/// `box ps ID`: the pids in the container (its process and the ones in its cgroup).
std::vector<pid_t> container_pids(const Globals& g, const std::string& id);

/// `box exec`: run @p process (a config.json "process" object) in a running container's
/// namespaces. Returns its exit status (or 0 with detach, after writing @p pid_file).
int exec_in_container(const Globals& g, const std::string& id, const oci::Process& process, bool detach,
                      const std::string& pid_file);

/// Signal name or number -> number (TERM, SIGTERM, 15). Throws InputError(kExitUsage).
int parse_signal(const std::string& text);

/// Run hooks in order with @p state on their stdin; a hook that fails or outlives its timeout
/// is an error naming it (@p kind: "createRuntime", ...).
void run_hooks(const std::vector<oci::Hook>& hooks, const oci::Json& state, std::string_view kind);

/// The `features` JSON (runtime-spec features.md).
oci::Json features_json();

}  // namespace box
