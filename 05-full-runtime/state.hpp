/// @file state.hpp
/// @brief Stage 05: the container's state under --root (runtime-spec runtime.md "State"),
/// one directory per container, locked with flock(2) so concurrent commands are safe.
/// @ingroup runtime
#pragma once

#include "guard.hpp"
#include "oci.hpp"

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace box {

/// What `box state ID` prints: the spec's fields, then runc's extras.
struct ContainerState {
    std::string id;
    std::string status = "creating";  ///< creating, created, running, stopped
    pid_t pid = 0;
    std::string bundle;               ///< absolute path
    std::map<std::string, std::string> annotations;
    // runc's extras
    std::string rootfs;               ///< absolute path
    std::string created;              ///< RFC 3339, UTC
    std::string owner;                ///< "" (runc prints the owner of rootless containers only)
    // ours, not printed by `state`: to tell the container's process from a reused pid
    unsigned long long pid_start = 0; ///< field 22 of /proc/PID/stat
    std::vector<std::string> cgroups; ///< the container's cgroup, one directory per hierarchy; none if it has none
    std::vector<std::string> cgroup_owned;  ///< what `delete` removes: stage 03's owned_dirs(), parents first
};

/// The state JSON as `box state` prints it (ociVersion, id, status, pid, bundle, annotations,
/// rootfs, created, owner).
oci::Json state_json(const ContainerState& s);
/// The state file as stored (state_json plus our private fields).
oci::Json stored_json(const ContainerState& s);
/// Read a stored state file back (throws InputError naming @p source when it is damaged).
ContainerState parse_stored(std::string_view text, std::string_view source);

/// A container id must be 1-1024 characters of [A-Za-z0-9_.+-], and not "." or ".."
/// (it names a directory). Throws InputError(kExitUsage) naming the id and the rule.
void check_id(std::string_view id);

/// The current time as RFC 3339 with nanoseconds, UTC: "2026-11-24T20:50:00.123456789Z".
std::string rfc3339_now();
/// @p ts (CLOCK_REALTIME) as rfc3339_now() writes it, computed without reading the time zone.
std::string rfc3339(const timespec& ts);

/// field 22 of /proc/PID/stat (the start time in clock ticks), 0 if the process is gone,
/// and whether it is a zombie.
unsigned long long process_start_time(pid_t pid, bool* zombie = nullptr);

/// One container's directory under the state root, held locked (flock LOCK_EX) for as long as
/// this object lives. The lock is released by the kernel if the process dies.
class StateDir {
public:
    /// Make ROOT/ID and lock it. A second `create` with the same id fails: kExitFailure,
    /// "container 'ID' already exists".
    static StateDir create(const std::string& root, const std::string& id);
    /// Lock an existing container's directory. Missing: kExitNoInput, "container 'ID' does not exist".
    static StateDir open(const std::string& root, const std::string& id);

    const std::string& path() const noexcept { return path_; }
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
    ContainerState load() const;
    /// Write state.json atomically (a temporary file swapped in with renameat2(RENAME_EXCHANGE),
    /// then unlinked; a plain rename the first time).
    void save(const ContainerState& s) const;
    /// Keep the config.json text `create` read (as ROOT/ID/config.json): the spec says changes
    /// to the bundle's config.json after create must not affect the container, so start, exec
    /// and delete read this copy (poststart/poststop hooks, the seccomp filter, the process).
    void save_config(std::string_view text) const;
    /// The config saved by save_config(), parsed.
    oci::Config config() const;
    /// The status now: "stopped" once the process is gone (or is a zombie, or its pid was
    /// reused), "created" while the exec fifo still exists, else "running".
    std::string live_status(const ContainerState& s) const;
    /// Remove the directory and everything in it (the lock goes with the last fd).
    void remove();
    /// In the container's process: close this process's copy of the locked fd, so that the
    /// lock goes away with the runtime's command and not with the container.
    void close_in_child() noexcept { fd_.close(); }
    /// Undo create() if this object dies before keep() (a failed create leaves nothing).
    void keep() noexcept { undo_.dismiss(); }

private:
    StateDir(std::string path, Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
    std::string path_;
    Fd fd_;
    Cleanup undo_;
};

}  // namespace box
