/// @file cgroup.hpp
/// @brief Stage 03, resource control: put the container in a cgroup with memory, pids and cpu
/// limits, read what it used, and remove the cgroup on every path.
/// @ingroup cgroup
///
/// One interface (CgroupDriver), two drivers chosen at run time from /proc/self/mountinfo:
/// CgroupV2 (the unified hierarchy: one directory, `memory.max`, `cpu.max`, ...) and CgroupV1
/// (one directory per controller hierarchy: `memory.limit_in_bytes`, `cpu.cfs_quota_us`, ...).
/// A hybrid host (v1 controllers plus a cgroup2 mount without them) uses v1 and says so under
/// `--explain`. Every group lives at `<hierarchy>/box/<name>`.
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

/// The limits of stage 03. An unset field is not limited.
struct CgroupLimits {
    std::optional<std::uint64_t> memory;       ///< --memory: bytes of RAM
    std::optional<std::uint64_t> memory_swap;  ///< --memory-swap: RAM + swap, bytes (defaults to --memory: no swap)
    std::optional<std::int64_t> pids;          ///< --pids: processes and threads
    std::optional<double> cpus;                ///< --cpus: CPU time per period, in CPUs (0.5 = half a core)
    std::optional<std::int64_t> cpu_weight;    ///< --cpu-weight: 1..10000, v2 units (100 = default share)
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

/// The controllers @p limits need ("memory", "pids", "cpu"), in that order.
std::vector<std::string> needed_controllers(const CgroupLimits& limits);

/// The CFS bandwidth period boxkit uses (100 ms, the kernel's default) and the quota for
/// @p cpus CPUs over it, in microseconds.
constexpr std::int64_t kCpuPeriodUs = 100000;
std::int64_t cpu_quota_us(double cpus);

/// v2 cpu.weight (1..10000, default 100) -> v1 cpu.shares (2..262144, default 1024),
/// proportionally, so the defaults match.
std::int64_t weight_to_shares(std::int64_t weight);

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
    /// mkdir box/NAME (and box/) in every hierarchy used, enabling (v2) the controllers
    /// @p limits need. Fails if box/NAME already exists.
    virtual void create(const CgroupLimits& limits) = 0;
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
    /// rmdir box/NAME, then box/ if no other container uses it. Missing directories are fine.
    virtual void remove() = 0;
    /// Read the accounting files.
    virtual CgroupStats stats() const = 0;
    /// The group's directories, one per hierarchy.
    virtual std::vector<std::string> paths() const = 0;
    /// Inside the container (new mount and cgroup namespaces, after the root switch): mount
    /// the cgroup filesystems read-only at /sys/fs/cgroup so it sees its own group as the root.
    virtual void mount_in_child() const = 0;
};

/// The v2 driver: one group at ROOT/box/NAME. @p root is the cgroup2 mount (injectable for tests).
std::unique_ptr<CgroupDriver> make_cgroup_v2(std::string root, std::string name);

/// The v1 driver: one group per hierarchy at MOUNT/box/NAME, for the controllers boxkit uses
/// (memory, pids, cpu, cpuacct) that @p mounts has.
std::unique_ptr<CgroupDriver> make_cgroup_v1(CgroupMounts mounts, std::string name);

/// Choose the driver for this host: v1 when any of memory, pids, cpu, cpuacct is mounted as a
/// v1 hierarchy (on a hybrid host, the cgroup2 mount has none of them), else v2.
std::unique_ptr<CgroupDriver> make_cgroup_driver(const CgroupMounts& mounts, std::string name);

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
