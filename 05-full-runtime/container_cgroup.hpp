/// @file container_cgroup.hpp
/// @brief Stage 05: the container's cgroup from config.json (linux.cgroupsPath and
/// linux.resources), made with stage 03's drivers; joined by `exec`, listed by `ps`, removed
/// by `delete` from what `create` recorded in the state.
/// @ingroup runtime
#pragma once

#include "cgroup.hpp"
#include "oci.hpp"
#include "state.hpp"

#include <memory>
#include <string>

namespace box {

/// linux.resources as stage 03's limits. Device rules: the config's, then (as runc does) the
/// devices every container may use (/dev/null, zero, full, random, urandom, tty, ptmx, pts)
/// and those of linux.devices, so that a config's "deny all" first rule leaves them usable.
CgroupLimits cgroup_limits(const oci::Config& c);

/// The cgroup mounts and the group's path below them, as runc's cgroupfs driver reads
/// linux.cgroupsPath: "" is box/ID; "/a/b" is a/b below each hierarchy's root; "a/b" is below
/// the group box itself is in (v1: in each hierarchy; v2: its parent, which can hand
/// controllers down). @p own is /proc/self/cgroup parsed.
struct CgroupPlace {
    CgroupMounts mounts;
    std::string path;
};
CgroupPlace cgroup_place(CgroupMounts mounts, const std::map<std::string, std::string>& own,
                         const std::string& cgroups_path, const std::string& id);

/// Plan the container's cgroup (a cgroupsPath group that exists already is joined, as runc
/// does, and left by `delete`), unless it needs none: no cgroupsPath, no limits and a pid
/// namespace of its own (with one, killing its PID 1 kills them all; joining a v1 cgroup costs
/// ~15 ms here, so `box run` of a default bundle does without). Records the groups in @p state,
/// to be saved before any is made (so that `delete` finds them whatever happens next); makes
/// nothing. nullptr: none.
std::unique_ptr<CgroupDriver> plan_container_cgroup(const oci::Config& c, const std::string& id, ContainerState& state);

/// Make the groups @p driver planned and write linux.resources into them; records in @p state
/// what was made exactly (saved with the next save). On failure, what it made is removed.
void make_container_cgroup(CgroupDriver& driver, const oci::Config& c, ContainerState& state);

/// `delete`: kill what is left in the recorded groups and remove what `create` made.
void remove_container_cgroup(const ContainerState& s);

/// `exec`, in the process that becomes the program (before it enters the container's mount
/// namespace): join the container's groups, as runc does.
void join_container_cgroup(const ContainerState& s);

/// `ps`: the pids in the container's groups (empty when it has none).
std::vector<pid_t> cgroup_pids(const ContainerState& s);

}  // namespace box
