/// @file cgroup.hpp
/// @brief Stage 03, resource control: put the container in a cgroup with memory, pids and cpu
/// limits, read what it used, and remove the cgroup on every path.
/// @ingroup cgroup
///
/// One interface (CgroupDriver), two drivers chosen at run time from /proc/self/mountinfo:
/// CgroupV2 (the unified hierarchy: one directory, `memory.max`, `cpu.max`, ...) and CgroupV1
/// (one directory per controller hierarchy: `memory.limit_in_bytes`, `cpu.cfs_quota_us`, ...).
/// A hybrid host (v1 controllers plus a cgroup2 mount without them) uses v1 and says so under
/// `--explain`. A driver is given its group's path below each hierarchy's root: box-cgroup's is
/// `box/<name>`; stage 05 passes the path an OCI config's linux.cgroupsPath names.
#pragma once

#include "guard.hpp"
#include "ns.hpp"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// @defgroup cgroup 03-cgroups: resource control
/// cgroup v2 and v1 drivers, limits, accounting, clean-up on every path.

namespace box {

/// One rule of the device controller: who may open or mknod which device nodes.
struct CgroupDeviceRule {
    bool allow = false;
    char type = 'a';                      ///< a (every device), c (character) or b (block)
    std::int64_t major = -1, minor = -1;  ///< -1: any
    std::string access = "rwm";           ///< r(ead), w(rite), m(knod)
};

/// `c 1:3 rwm`, `a *:* rwm`: a rule as v1's devices.allow and devices.deny take it.
std::string device_rule_text(const CgroupDeviceRule& r);

/// The limits of stage 03. An unset field is not limited.
struct CgroupLimits {
    std::optional<std::uint64_t> memory;       ///< --memory: bytes of RAM
    std::optional<std::uint64_t> memory_swap;  ///< --memory-swap: RAM + swap, bytes (defaults to --memory: no swap)
    std::optional<std::int64_t> pids;          ///< --pids: processes and threads
    std::optional<double> cpus;                ///< --cpus: CPU time per period, in CPUs (0.5 = half a core)
    std::optional<std::int64_t> cpu_weight;    ///< --cpu-weight: 1..10000, v2 units (100 = default share)
    // Set by stage 05 from config.json's linux.resources (box-cgroup has no option for them):
    std::optional<std::uint64_t> cpu_shares;   ///< v1 units (2..262144): v1 cpu.shares, v2 cpu.weight as crun converts
    std::string cpuset_cpus, cpuset_mems;      ///< CPUs and memory nodes it may use ("0-1"), "" = the parent's
    std::optional<std::uint64_t> memory_reservation;  ///< soft limit: v1 memory.soft_limit_in_bytes, v2 memory.low
    std::vector<CgroupDeviceRule> devices;     ///< device rules, in order (v1: devices.allow/deny; v2: a BPF program)
};

/// The options of stage 03: stage 02's plus the limits.
struct CgroupOptions : NsOptions {
    CgroupLimits limits;        ///< --memory, --memory-swap, --pids, --cpus, --cpu-weight
    std::string name;           ///< --name: the group is box/NAME (default: box-cgroup's pid)
    bool stats = false;         ///< --stats: print what the container used, at exit
    bool cgroup_ns = false;     ///< filled by check_cgroup_options(): unshare a cgroup ns after joining
};

/// Register stage 03's options (and stage 02's) on @p app. Values are checked as they are
/// parsed: a bad one is an InputError naming the option (exit 64).
void add_cgroup_options(CLI::App& app, CgroupOptions& opt);

/// After check_ns_options(): the default --name, --memory-swap against --memory, and the cgroup
/// namespace taken out of clone's flags: the child makes it (cgroup_in_child()) once it is in
/// its group, so that the group, not the host's, is its '/'.
void check_cgroup_options(CgroupOptions& opt);

/// The controllers @p limits need ("memory", "pids", "cpu", "cpuset", "devices"), in that order.
std::vector<std::string> needed_controllers(const CgroupLimits& limits);

/// The CFS bandwidth period boxkit uses (100 ms, the kernel's default) and the quota for
/// @p cpus CPUs over it, in microseconds.
constexpr std::int64_t kCpuPeriodUs = 100000;
std::int64_t cpu_quota_us(double cpus);

/// v2 cpu.weight (1..10000, default 100) -> v1 cpu.shares (2..262144, default 1024),
/// proportionally, so the defaults match.
std::int64_t weight_to_shares(std::int64_t weight);

/// v1 cpu.shares -> v2 cpu.weight as crun converts it: 1 + ((shares - 2) * 9999) / 262142.
std::int64_t shares_to_weight(std::uint64_t shares);

/// The cgroup filesystems mounted, from /proc/self/mountinfo.
struct CgroupMounts {
    std::string unified;                       ///< where cgroup2 is mounted, "" if nowhere
    std::map<std::string, std::string> v1;     ///< v1 controller -> its hierarchy's mount point
    std::map<std::string, std::string> v1_set; ///< v1 controller -> all controllers of its hierarchy ("cpu,cpuacct")
};

/// Parse the text of /proc/self/mountinfo (pure: unit-tested).
CgroupMounts parse_cgroup_mounts(std::string_view mountinfo);

/// Read /proc/self/mountinfo and parse it.
CgroupMounts detect_cgroup_mounts();

/// Parse the text of /proc/PID/cgroup (pure: unit-tested): each v1 controller -> the group the
/// process is in ("/", "/box/web1"), and "" -> its v2 group.
std::map<std::string, std::string> parse_proc_cgroup(std::string_view text);

/// What the container used, read from the cgroup's accounting files at exit.
/// A field the kernel does not provide is unset.
struct CgroupStats {
    std::optional<std::uint64_t> memory_peak;  ///< bytes
    std::optional<std::uint64_t> oom_kills;    ///< processes killed by the OOM killer
    std::optional<std::uint64_t> cpu_usec;     ///< CPU time, user + system
    std::optional<std::uint64_t> pids_peak;    ///< most processes at once
};

/// `stats: memory peak 12.3M (12902400 bytes), OOM kills 0, CPU 1.002s (1002000 us), pids peak 3`
std::string format_stats(const CgroupStats& s);

/// One container's cgroup, in one hierarchy layout. Make one with make_cgroup_driver().
/// Nothing here removes on destruction: Cgroup (below) owns the clean-up.
class CgroupDriver {
public:
    virtual ~CgroupDriver() = default;
    /// "v2" or "v1".
    virtual std::string_view version() const = 0;
    /// Fail (InputError, kExitUnavailable) before anything is created if a controller that
    /// @p limits need is missing.
    virtual void check_available(const CgroupLimits& limits) const = 0;
    /// mkdir the group, and its missing parents, in every hierarchy used, enabling (v2) the
    /// controllers @p limits need at each level down. Fails if the group already exists,
    /// unless may_exist() said it may.
    virtual void create(const CgroupLimits& limits) = 0;
    /// Let create() use a group that exists already (an engine's cgroupsPath: runc joins it).
    /// Such a group is not this driver's: kill_all() and remove() leave it and what is in it.
    void may_exist(bool yes) { may_exist_ = yes; }
    /// Write @p limits into the control files.
    virtual void set_limits(const CgroupLimits& limits) = 0;
    /// An fd of the group's directory for clone3's CLONE_INTO_CGROUP, or -1 (v1: no such thing).
    virtual int clone_fd() const { return -1; }
    /// Move process @p pid into the group (write it to cgroup.procs).
    virtual void join(pid_t pid) = 0;
    /// Whether @p pid is already in the group (born there with CLONE_INTO_CGROUP).
    virtual bool contains(pid_t pid) const = 0;
    /// SIGKILL every process in the group and wait until it is empty (bounded).
    virtual void kill_all() = 0;
    /// rmdir the group, then the parents create() made and box/, those no other group uses.
    /// Missing directories are fine.
    virtual void remove() = 0;
    /// Read the accounting files.
    virtual CgroupStats stats() const = 0;
    /// The group's directories, one per hierarchy.
    virtual std::vector<std::string> paths() const = 0;
    /// What remove() takes away, parents first: the groups, the parents create() made, and
    /// box/ (shared by containers: removed when the last one goes). Another process can remove
    /// them with remove_cgroup_dirs().
    virtual std::vector<std::string> owned_dirs() const = 0;
    /// Inside the container (new mount and cgroup namespaces, after the root switch): mount
    /// the cgroup filesystems read-only at /sys/fs/cgroup so it sees its own group as the root.
    virtual void mount_in_child() const = 0;

protected:
    bool may_exist_ = false;  ///< see may_exist()
};

/// The v2 driver: one group at ROOT/PATH (@p path relative to the root, e.g. "box/web1").
/// @p root is the cgroup2 mount (injectable for tests).
std::unique_ptr<CgroupDriver> make_cgroup_v2(std::string root, std::string path);

/// The v1 driver: one group per hierarchy at MOUNT/PATH, for the controllers boxkit uses
/// (memory, pids, cpu, cpuacct; cpuset and devices when the limits set them) that @p mounts has.
std::unique_ptr<CgroupDriver> make_cgroup_v1(CgroupMounts mounts, std::string path);

/// Choose the driver for this host: v1 when any of memory, pids, cpu, cpuacct is mounted as a
/// v1 hierarchy (on a hybrid host, the cgroup2 mount has none of them), else v2.
std::unique_ptr<CgroupDriver> make_cgroup_driver(const CgroupMounts& mounts, std::string path);

/// In another process than the one that made them (stage 05's `delete`): kill what is left in
/// the groups @p groups, then rmdir @p owned (as owned_dirs() listed them) deepest first. A group
/// that stays busy is an error; a parent still used by another group is left.
void remove_cgroup_dirs(const std::vector<std::string>& groups, const std::vector<std::string>& owned);

/// Check a --name: letters, digits, '.', '_', '-'; not "." or ".."; at most 64 characters.
void check_cgroup_name(std::string_view name);

/// The container's cgroup, owned: created with its limits by create_cgroup(), killed and
/// removed when this object goes away (in the process that made it only), and by a watchdog
/// process if box-cgroup itself is killed (SIGKILL leaves no destructor to run).
class Cgroup {
public:
    Cgroup(std::unique_ptr<CgroupDriver> driver, CgroupLimits limits);
    Cgroup(Cgroup&&) = default;
    Cgroup& operator=(Cgroup&&) = delete;
    ~Cgroup();

    /// For clone3's CLONE_INTO_CGROUP: the group's directory fd (v2), or -1 (v1).
    int clone_fd() const { return driver_->clone_fd(); }
    /// In the parent, between clone and release: move the child into the group unless it was
    /// born there.
    void join_from_parent(pid_t pid);
    /// In the parent, after the container's command exited with @p status: report an OOM kill
    /// (always) and the accounting (with @p print_stats) on stderr, kill what is left in the
    /// group, and remove it. Returns @p status.
    int finish(int status, bool print_stats);
    CgroupDriver& driver() { return *driver_; }
    const CgroupDriver& driver() const { return *driver_; }

private:
    friend Cgroup create_cgroup(const std::string& name, const CgroupLimits& limits);
    void start_watchdog();
    void remove_now();
    std::unique_ptr<CgroupDriver> driver_;
    CgroupLimits limits_;
    pid_t owner_;           ///< only this process removes the group (not a child after clone)
    bool removed_ = false;
    Fd watchdog_;           ///< the write end of the watchdog's pipe: it cleans up when this closes
    pid_t watchdog_pid_ = -1;
};

/// Detect the hierarchies, choose the driver, check the controllers, create box/NAME and
/// write the limits. On any error nothing is left behind.
Cgroup create_cgroup(const std::string& name, const CgroupLimits& limits);

/// In the child, once it is inside its cgroup: a new cgroup namespace, so the group is its '/'.
void unshare_cgroup_namespace();

/// Child, after the root switch: the cgroup namespace (if asked for) and, with a mount
/// namespace, the cgroup filesystems mounted read-only at /sys/fs/cgroup, so the container sees
/// its own limits there.
void cgroup_in_child(const CgroupOptions& opt, const Cgroup& cgroup);

}  // namespace box
