#include "cgroup.hpp"

#include "devicefilter.hpp"

#include "error.hpp"
#include "narrate.hpp"
#include "parse.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <set>
#include <sstream>

namespace box {

// ---------------------------------------------------------------------------------------------
// Small pure helpers

std::vector<std::string> needed_controllers(const CgroupLimits& l) {
    std::vector<std::string> out;
    if (l.memory || l.memory_swap || l.memory_reservation) out.push_back("memory");
    if (l.pids) out.push_back("pids");
    if (l.cpus || l.cpu_weight || l.cpu_shares) out.push_back("cpu");
    if (!l.cpuset_cpus.empty() || !l.cpuset_mems.empty()) out.push_back("cpuset");
    if (!l.devices.empty()) out.push_back("devices");
    return out;
}

std::string device_rule_text(const CgroupDeviceRule& r) {
    auto num = [](std::int64_t n) { return n < 0 ? std::string("*") : std::to_string(n); };
    return fmt::format("{} {}:{} {}", r.type, num(r.major), num(r.minor), r.access);
}

std::int64_t cpu_quota_us(double cpus) {
    return std::max<std::int64_t>(1000, std::llround(cpus * static_cast<double>(kCpuPeriodUs)));
}

std::int64_t weight_to_shares(std::int64_t weight) {
    return std::clamp<std::int64_t>(weight * 1024 / 100, 2, 262144);
}

std::int64_t shares_to_weight(std::uint64_t shares) {
    auto s = static_cast<std::int64_t>(std::clamp<std::uint64_t>(shares, 2, 262144));
    return 1 + ((s - 2) * 9999) / 262142;
}

void check_cgroup_name(std::string_view name) {
    bool ok = !name.empty() && name.size() <= 64 && name != "." && name != "..";
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) ok = false;
    if (!ok)
        throw InputError(kExitUsage, fmt::format("--name: '{}' is not a cgroup name: use 1 to 64 letters, "
                                                 "digits, '.', '_' or '-', e.g. --name web1",
                                                 name));
}

void add_cgroup_options(CLI::App& app, CgroupOptions& opt) {
    add_ns_options(app, opt);
    auto& l = opt.limits;
    app.add_option_function<std::string>("--memory", [&l](const std::string& v) { l.memory = parse_size(v, "--memory"); },
                                         "memory limit, e.g. 64M (K, M, G, T); over it, the OOM killer acts")
        ->type_name("SIZE");
    app.add_option_function<std::string>(
        "--memory-swap", [&l](const std::string& v) { l.memory_swap = parse_size(v, "--memory-swap"); },
        "memory + swap limit, at least --memory (default: --memory, i.e. no swap)")
        ->type_name("SIZE");
    app.add_option_function<std::string>(
        "--pids", [&l](const std::string& v) { l.pids = parse_int(v, "--pids", 1, 4194304); },
        "most processes and threads at once, e.g. 20")
        ->type_name("N");
    app.add_option_function<std::string>(
        "--cpus", [&l](const std::string& v) { l.cpus = parse_fraction(v, "--cpus", 1024); },
        "CPU time, in CPUs: 0.5 = half of one core (a quota per 100 ms period)")
        ->type_name("FRACTION");
    app.add_option_function<std::string>(
        "--cpu-weight", [&l](const std::string& v) { l.cpu_weight = parse_int(v, "--cpu-weight", 1, 10000); },
        "share of CPU under contention, 1-10000 (default 100)")
        ->type_name("N");
    app.add_option("--name", opt.name, "the cgroup is box/NAME (default: box-cgroup's pid)")->type_name("NAME");
    app.add_flag("--stats", opt.stats, "at exit, print what the container used: peak memory, OOM kills, CPU, pids");
}

void check_cgroup_options(CgroupOptions& opt) {
    if (opt.name.empty()) opt.name = std::to_string(::getpid());
    check_cgroup_name(opt.name);
    auto& l = opt.limits;
    if (l.memory && *l.memory < (1u << 20))
        throw InputError(kExitUsage, "--memory: a container needs at least 1M; give a size like 64M");
    if (l.memory_swap && !l.memory)
        throw InputError(kExitUsage, "--memory-swap limits memory + swap: give --memory too");
    if (l.memory_swap && *l.memory_swap < *l.memory)
        throw InputError(kExitUsage, "--memory-swap is memory + swap, so it must be at least --memory");
    if (l.cpus && *l.cpus < 0.01)
        throw InputError(kExitUsage, "--cpus: the smallest quota is 0.01 (1 ms per 100 ms period)");
    opt.cgroup_ns = opt.namespaces.erase("cgroup") > 0;
}

namespace {

std::string human_size(std::uint64_t bytes) {
    const char* units = "BKMGT";
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) { v /= 1024; ++u; }
    if (u == 0) return fmt::format("{}B", bytes);
    if (v == std::floor(v)) return fmt::format("{:.0f}{}", v, units[u]);  // 64M, not 64.0M
    return fmt::format("{:.1f}{}", v, units[u]);
}

std::string opt_or_na(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "n/a"; }

}  // namespace

std::string format_stats(const CgroupStats& s) {
    std::string mem = s.memory_peak ? fmt::format("{} ({} bytes)", human_size(*s.memory_peak), *s.memory_peak) : "n/a";
    std::string cpu = s.cpu_usec ? fmt::format("{:.3f}s ({} us)", static_cast<double>(*s.cpu_usec) / 1e6, *s.cpu_usec) : "n/a";
    return fmt::format("stats: memory peak {}, OOM kills {}, CPU {}, pids peak {}", mem, opt_or_na(s.oom_kills), cpu,
                       opt_or_na(s.pids_peak));
}

// ---------------------------------------------------------------------------------------------
// mountinfo: which cgroup filesystems are mounted where

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo) {
    static const std::set<std::string> ours{"memory", "pids", "cpu", "cpuacct", "cpuset", "devices"};
    CgroupMounts m;
    std::istringstream in{std::string(mountinfo)};
    std::string line;
    while (std::getline(in, line)) {
        // id parent major:minor root mountpoint options [optional...] - fstype source superopts
        std::istringstream f(line);
        std::string id, parent, dev, root, point, field, fstype, source, super;
        f >> id >> parent >> dev >> root >> point;
        while (f >> field && field != "-") {}
        f >> fstype >> source >> super;
        if (fstype == "cgroup2") {
            if (m.unified.empty()) m.unified = point;
        } else if (fstype == "cgroup") {
            std::vector<std::string> ctrls;
            std::istringstream opts(super);
            std::string o;
            while (std::getline(opts, o, ','))
                if (ours.count(o) || o == "blkio" || o == "freezer" ||
                    o == "net_cls" || o == "net_prio" || o == "perf_event" || o == "hugetlb" || o == "rdma" ||
                    o == "misc")
                    ctrls.push_back(o);
            std::string set;
            for (const auto& c : ctrls) set += (set.empty() ? "" : ",") + c;
            for (const auto& c : ctrls)
                if (ours.count(c) && !m.v1.count(c)) {
                    m.v1[c] = point;
                    m.v1_set[c] = set;
                }
        }
    }
    return m;
}

std::map<std::string, std::string> parse_proc_cgroup(std::string_view text) {
    std::map<std::string, std::string> out;
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        // hierarchy-id:controllers:path, e.g. "4:memory:/box/web1", "1:cpu,cpuacct:/", "0::/"
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::istringstream ctrls(line.substr(a + 1, b - a - 1));
        std::string path = line.substr(b + 1);
        if (b == a + 1) out[""] = path;
        for (std::string c; std::getline(ctrls, c, ',');) out[c] = path;
    }
    return out;
}

namespace {

std::string slurp(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "re");
    if (!f) throw SysError(errno, fmt::format("open(\"{}\")", path));
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return out;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Write one control file the way `echo VALUE > FILE` does (no O_CREAT: cgroupfs makes the files).
void write_file(const std::string& path, const std::string& value) {
    auto call = fmt::format("write(\"{}\", \"{}\")", path, value);
    Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) throw SysError(errno, call);
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0) throw SysError(errno, call);
}

// Write a limit, narrated.
void write_limit(const std::string& dir, const std::string& file, const std::string& value) {
    explain(Step::CgroupLimit, fmt::format("write(\"{}\", \"{}\")", file, value));
    write_file(dir + "/" + file, value);
}

// "key value" lines (memory.events, cpu.stat, memory.oom_control) -> the value of @p key.
std::optional<std::uint64_t> keyed(const std::string& path, const std::string& key) {
    if (!exists(path)) return std::nullopt;
    std::istringstream in(slurp(path));
    std::string k;
    std::uint64_t v;
    while (in >> k >> v)
        if (k == key) return v;
    return std::nullopt;
}

std::optional<std::uint64_t> number(const std::string& path) {
    if (!exists(path)) return std::nullopt;
    try {
        return std::stoull(slurp(path));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void pause_ms(long ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1000000};
    while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

std::vector<pid_t> procs(const std::string& dir) {
    std::vector<pid_t> out;
    if (!exists(dir + "/cgroup.procs")) return out;
    std::istringstream in(slurp(dir + "/cgroup.procs"));
    pid_t p;
    while (in >> p) out.push_back(p);
    return out;
}

// Wait (bounded, about 5 s) until no process is left in @p dirs: a killed process leaves its
// cgroup only once it has exited.
void wait_empty(const std::vector<std::string>& dirs) {
    for (int round = 0; round < 500; ++round) {
        if (std::all_of(dirs.begin(), dirs.end(), [](auto& d) { return procs(d).empty(); })) return;
        pause_ms(10);
    }
}

// SIGKILL what is in @p dirs until they are empty: the v1 way (no cgroup.kill), and v2's
// fallback on kernels before 5.14. Bounded: about 5 s.
void kill_loop(const std::vector<std::string>& dirs) {
    for (int round = 0; round < 500; ++round) {
        bool any = false;
        for (const auto& d : dirs)
            for (pid_t p : procs(d)) {
                any = true;
                ::kill(p, SIGKILL);
            }
        if (!any) return;
        pause_ms(10);
    }
}

// mkdir ROOT/PATH and its missing parents, one level at a time; each new directory is added to
// @p made and handed to @p at_level (v2 enables controllers there, v1's cpuset fills its CPUs).
// The group itself must be new (EEXIST: another container has it) unless @p may_exist. Retries when a
// parent vanished in between because the last group using it was removed.
void make_path(const std::string& root, const std::string& path, bool may_exist, std::vector<std::string>& made,
               const std::function<void(const std::string& dir, bool group)>& at_level) {
    std::string dir = root + "/" + path;
    explain(Step::CgroupCreate, fmt::format("mkdir(\"{}\")", dir));
    for (int attempt = 0;; ++attempt) {
        std::size_t next = 0;
        int err = 0;
        while (next != std::string::npos && !err) {
            next = path.find('/', next + 1);
            std::string level = root + "/" + path.substr(0, next);
            bool group = next == std::string::npos;
            if (::mkdir(level.c_str(), 0755) == 0) made.push_back(level);
            else if (errno != EEXIST || (group && !may_exist)) err = errno;
            if (!err) at_level(level, group);
        }
        if (!err) return;
        if (err == ENOENT && attempt < 5) continue;
        if (err == EEXIST)
            throw InputError(kExitUsage,
                             fmt::format("--name: the cgroup {} already exists: another container is called '{}'; "
                                         "choose another --name",
                                         dir, path.substr(path.rfind('/') + 1)));
        throw SysError(err, fmt::format("mkdir(\"{}\")", dir));
    }
}

// rmdir @p owned deepest first (waiting briefly for exiting processes to leave a group); a
// parent another group still uses stays (EBUSY/ENOTEMPTY: fine).
void remove_dirs(const std::vector<std::string>& groups, const std::vector<std::string>& owned) {
    for (auto it = owned.rbegin(); it != owned.rend(); ++it) {
        bool group = std::find(groups.begin(), groups.end(), *it) != groups.end();
        if (group) explain(Step::CgroupRemove, fmt::format("rmdir(\"{}\")", *it));
        for (int attempt = 0;; ++attempt) {
            if (::rmdir(it->c_str()) == 0 || errno == ENOENT || !group) break;
            if (errno != EBUSY || attempt >= 200) throw SysError(errno, fmt::format("rmdir(\"{}\")", *it));
            pause_ms(10);
        }
    }
}

// What a group's remove takes away, parents first: what create made, and box/ (which every
// container shares, so that the last one out removes it) even when an earlier container made it.
std::vector<std::string> owned(const std::string& root, const std::string& path, const std::vector<std::string>& made) {
    std::vector<std::string> out;
    if (made.empty()) return out;
    if (path.rfind("box/", 0) == 0 && made.front() != root + "/box") out.push_back(root + "/box");
    out.insert(out.end(), made.begin(), made.end());
    return out;
}

std::string mount_error_hint() { return "mounting inside the container needs its own mount namespace"; }

void mount_ro(const char* src, const std::string& target, const char* type, const std::string& data) {
    auto call = fmt::format("mount(\"{}\", \"{}\", \"{}\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, \"{}\")", src,
                            target, type, data);
    explain(Step::MountCgroup, call);
    if (::mount(src, target.c_str(), type, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                data.empty() ? nullptr : data.c_str()) < 0)
        throw SysError(errno, call).with_hint(mount_error_hint());
}

void mkdirs(const std::string& path) {
    for (std::size_t i = 1; i <= path.size(); ++i)
        if (i == path.size() || path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0755);
}

// The option (box-cgroup) or config.json field (box) that asks for controller @p c.
std::string option_for(const std::string& c, const CgroupLimits& l) {
    if (c == "memory") return l.memory ? "--memory" : l.memory_swap ? "--memory-swap" : ".linux.resources.memory.reservation";
    if (c == "pids") return "--pids";
    if (c == "cpu") return l.cpus ? "--cpus" : l.cpu_weight ? "--cpu-weight" : ".linux.resources.cpu.shares";
    if (c == "cpuset") return l.cpuset_cpus.empty() ? ".linux.resources.cpu.mems" : ".linux.resources.cpu.cpus";
    return ".linux.resources." + c;
}

// ---------------------------------------------------------------------------------------------
// v2: one hierarchy, one directory

// The controllers v2 enables for @p l: device rules need none (they are a BPF program).
std::vector<std::string> v2_controllers(const CgroupLimits& l) {
    auto c = needed_controllers(l);
    c.erase(std::remove(c.begin(), c.end(), "devices"), c.end());
    return c;
}

class CgroupV2 final : public CgroupDriver {
public:
    CgroupV2(std::string root, std::string path) : root_(std::move(root)), path_(std::move(path)), dir_(root_ + "/" + path_) {}

    std::string_view version() const override { return "v2"; }

    void check_available(const CgroupLimits& limits) const override {
        auto needed = v2_controllers(limits);
        if (needed.empty()) return;
        std::string have = trim(slurp(root_ + "/cgroup.controllers"));
        std::set<std::string> avail;
        std::istringstream in(have);
        for (std::string c; in >> c;) avail.insert(c);
        for (const auto& c : needed)
            if (!avail.count(c))
                throw InputError(kExitUnavailable,
                                 fmt::format("{}: cgroup v2 at {} has no {} controller (its cgroup.controllers "
                                             "lists: '{}')",
                                             option_for(c, limits), root_, c, have),
                                 "leave the option out, or use a kernel/host where the controller is enabled "
                                 "(see lessons/03-cgroups/README.md#which-cgroups)");
    }

    void create(const CgroupLimits& limits) override {
        auto needed = v2_controllers(limits);
        enable(root_, needed);  // the root's subtree_control hands the controllers to box/
        make_path(root_, path_, may_exist_, made_, [&](const std::string& dir, bool group) {
            if (!group) enable(dir, needed);  // ...and each level's to the next, down to the group
        });
        explain_note(fmt::format("cgroup v2: the container's group is {}", dir_));
        fd_ = Fd(check(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), fmt::format("open(\"{}\")", dir_)));
    }

    void set_limits(const CgroupLimits& l) override {
        in_context(fmt::format("writing limits into {}", dir_), [&] {
            // EXERCISE 03.2: write the v2 memory, swap, pids and cpu limits
            if (l.memory) write_limit(dir_, "memory.max", std::to_string(*l.memory));
            // v2 limits swap alone; --memory-swap is RAM + swap (as in Docker and OCI)
            if (l.memory_swap)
                write_limit(dir_, "memory.swap.max", std::to_string(*l.memory_swap - l.memory.value_or(0)));
            else if (l.memory && exists(dir_ + "/memory.swap.max"))
                write_limit(dir_, "memory.swap.max", "0");
            if (l.pids) write_limit(dir_, "pids.max", std::to_string(*l.pids));
            if (l.cpus) write_limit(dir_, "cpu.max", fmt::format("{} {}", cpu_quota_us(*l.cpus), kCpuPeriodUs));
            if (l.cpu_weight) write_limit(dir_, "cpu.weight", std::to_string(*l.cpu_weight));
            // END EXERCISE
            if (l.cpu_shares) write_limit(dir_, "cpu.weight", std::to_string(shares_to_weight(*l.cpu_shares)));
            if (!l.cpuset_cpus.empty()) write_limit(dir_, "cpuset.cpus", l.cpuset_cpus);
            if (!l.cpuset_mems.empty()) write_limit(dir_, "cpuset.mems", l.cpuset_mems);
            if (l.memory_reservation) write_limit(dir_, "memory.low", std::to_string(*l.memory_reservation));
        });
        // v2 has no devices controller: the rules are a BPF program attached to the group.
        if (!l.devices.empty()) attach_device_filter(fd_.get(), dir_, l.devices);
    }

    int clone_fd() const override { return fd_.get(); }

    void join(pid_t pid) override {
        explain(Step::CgroupJoin, fmt::format("write(\"{}/cgroup.procs\", \"{}\")", dir_, pid));
        write_file(dir_ + "/cgroup.procs", std::to_string(pid));
    }

    bool contains(pid_t pid) const override {
        std::istringstream in(slurp(fmt::format("/proc/{}/cgroup", pid)));
        std::string line, want = "/" + path_;
        while (std::getline(in, line))
            if (line.rfind("0::", 0) == 0) return line.size() >= want.size() && line.ends_with(want);
        return false;
    }

    void kill_all() override {
        if (std::find(made_.begin(), made_.end(), dir_) == made_.end()) return;  // not ours, or gone
        if (!exists(dir_ + "/cgroup.kill")) return kill_loop({dir_});  // before Linux 5.14: one by one
        // EXERCISE 03.3: kill every process left in the group at once
        explain(Step::CgroupKill, fmt::format("write(\"{}/cgroup.kill\", \"1\")", dir_));
        write_file(dir_ + "/cgroup.kill", "1");
        // END EXERCISE
        wait_empty({dir_});
    }

    void remove() override {
        fd_.close();
        remove_dirs({dir_}, owned_dirs());
        made_.clear();
    }

    CgroupStats stats() const override {
        explain(Step::CgroupStats, fmt::format("read(\"{}/memory.peak\", memory.events, cpu.stat, pids.peak)", dir_));
        CgroupStats s;
        s.memory_peak = number(dir_ + "/memory.peak");
        s.oom_kills = keyed(dir_ + "/memory.events", "oom_kill");
        s.cpu_usec = keyed(dir_ + "/cpu.stat", "usage_usec");
        s.pids_peak = number(dir_ + "/pids.peak");
        return s;
    }

    std::vector<std::string> paths() const override { return {dir_}; }
    std::vector<std::string> owned_dirs() const override { return owned(root_, path_, made_); }

    void mount_in_child() const override {
        mkdirs("/sys/fs/cgroup");
        mount_ro("cgroup2", "/sys/fs/cgroup", "cgroup2", "");
    }

private:
    // Add the controllers in @p needed to DIR/cgroup.subtree_control that are not there yet.
    static void enable(const std::string& dir, const std::vector<std::string>& needed) {
        std::string have = exists(dir + "/cgroup.subtree_control") ? slurp(dir + "/cgroup.subtree_control") : "";
        std::set<std::string> on;
        std::istringstream in(have);
        for (std::string c; in >> c;) on.insert(c);
        std::string add;
        for (const auto& c : needed)
            if (!on.count(c)) add += (add.empty() ? "+" : " +") + c;
        if (add.empty()) return;
        explain(Step::CgroupEnable, fmt::format("write(\"{}/cgroup.subtree_control\", \"{}\")", dir, add));
        write_file(dir + "/cgroup.subtree_control", add);
    }

    std::string root_, path_, dir_;
    std::vector<std::string> made_;  ///< what create() made, parents first
    Fd fd_;
};

// ---------------------------------------------------------------------------------------------
// v1: one hierarchy per controller (or per set of co-mounted controllers), one directory in each

class CgroupV1 final : public CgroupDriver {
public:
    CgroupV1(CgroupMounts m, std::string path) : m_(std::move(m)), path_(std::move(path)) {
        for (const char* c : {"memory", "pids", "cpu", "cpuacct"}) add_group(c);
    }

    std::string_view version() const override { return "v1"; }

    void check_available(const CgroupLimits& limits) const override {
        auto needed = needed_controllers(limits);
        std::string mounted;  // of the controllers boxkit uses
        for (const auto& [c, point] : m_.v1)
            if ((c != "cpuset" && c != "devices") || std::count(needed.begin(), needed.end(), c))
                mounted += (mounted.empty() ? "" : ", ") + c;
        for (const auto& c : needed)
            if (!m_.v1.count(c))
                throw InputError(kExitUnavailable,
                                 fmt::format("{}: no cgroup v1 hierarchy has the {} controller (mounted: {})",
                                             option_for(c, limits), c, mounted.empty() ? "none" : mounted),
                                 fmt::format("mount it (mount -t cgroup -o {0} cgroup /sys/fs/cgroup/{0}) or leave "
                                             "the option out",
                                             c));
        if (limits.memory_swap && !exists(m_.v1.at("memory") + "/memory.memsw.limit_in_bytes"))
            throw InputError(kExitUnavailable,
                             "--memory-swap: this kernel does not account swap in cgroup v1 "
                             "(no memory.memsw.limit_in_bytes)",
                             "boot with swapaccount=1, or leave --memory-swap out");
    }

    void create(const CgroupLimits& limits) override {
        explain_note("cgroup v1: one directory per controller hierarchy");
        for (const auto& c : needed_controllers(limits))
            if (c == "cpuset" || c == "devices") add_group(c);  // only when asked for: each join costs time
        for (const auto& g : groups_)
            make_path(g.mount, path_, may_exist_, made_, [&](const std::string& dir, bool) {
                if (g.set.find("cpuset") != std::string::npos && !made_.empty() && made_.back() == dir) copy_cpuset(dir);
            });
    }

    void set_limits(const CgroupLimits& l) override {
        in_context(fmt::format("writing limits for cgroup {}", path_), [&] {
            if (l.memory) write_limit(dir("memory"), "memory.limit_in_bytes", std::to_string(*l.memory));
            // memsw is RAM + swap; it must be set after (and be at least) the RAM limit
            bool memsw = exists(dir("memory") + "/memory.memsw.limit_in_bytes");
            if (l.memory_swap || (l.memory && memsw))
                write_limit(dir("memory"), "memory.memsw.limit_in_bytes",
                            std::to_string(l.memory_swap.value_or(l.memory.value_or(0))));
            if (l.pids) write_limit(dir("pids"), "pids.max", std::to_string(*l.pids));
            if (l.cpus) {
                write_limit(dir("cpu"), "cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
                write_limit(dir("cpu"), "cpu.cfs_quota_us", std::to_string(cpu_quota_us(*l.cpus)));
            }
            if (l.cpu_weight) write_limit(dir("cpu"), "cpu.shares", std::to_string(weight_to_shares(*l.cpu_weight)));
            if (l.cpu_shares) write_limit(dir("cpu"), "cpu.shares", std::to_string(*l.cpu_shares));
            if (!l.cpuset_cpus.empty()) write_limit(dir("cpuset"), "cpuset.cpus", l.cpuset_cpus);
            if (!l.cpuset_mems.empty()) write_limit(dir("cpuset"), "cpuset.mems", l.cpuset_mems);
            if (l.memory_reservation)
                write_limit(dir("memory"), "memory.soft_limit_in_bytes", std::to_string(*l.memory_reservation));
            for (const auto& r : l.devices)  // in order: a later rule overrides an earlier one
                write_limit(dir("devices"), r.allow ? "devices.allow" : "devices.deny", device_rule_text(r));
        });
    }

    void join(pid_t pid) override {
        for (const auto& g : groups_) {
            explain(Step::CgroupJoin, fmt::format("write(\"{}/cgroup.procs\", \"{}\")", g.dir, pid));
            write_file(g.dir + "/cgroup.procs", std::to_string(pid));
        }
    }

    bool contains(pid_t pid) const override {
        std::istringstream in(slurp(fmt::format("/proc/{}/cgroup", pid)));
        std::string line, want = "/" + path_;
        std::size_t inside = 0;
        while (std::getline(in, line))
            for (const auto& g : groups_)
                if (line.find(":" + g.set + ":") != std::string::npos && line.ends_with(want)) ++inside;
        return inside == groups_.size();
    }

    void kill_all() override {
        std::vector<std::string> dirs;
        for (const auto& g : groups_)
            if (std::find(made_.begin(), made_.end(), g.dir) != made_.end()) dirs.push_back(g.dir);
        if (dirs.empty()) return;
        // v1 has no cgroup.kill: read cgroup.procs and SIGKILL each process, until none is left
        explain(Step::CgroupKill, fmt::format("kill(each pid in {}/cgroup.procs, SIGKILL)", dirs.front()));
        kill_loop(dirs);
    }

    void remove() override {
        remove_dirs(paths(), owned_dirs());
        made_.clear();
    }

    CgroupStats stats() const override {
        explain(Step::CgroupStats, "read(memory.max_usage_in_bytes, memory.oom_control, cpuacct.usage, pids.peak)");
        CgroupStats s;
        if (has("memory")) {
            s.memory_peak = number(dir("memory") + "/memory.max_usage_in_bytes");
            s.oom_kills = keyed(dir("memory") + "/memory.oom_control", "oom_kill");
        }
        if (has("cpuacct"))
            if (auto ns = number(dir("cpuacct") + "/cpuacct.usage")) s.cpu_usec = *ns / 1000;
        if (has("pids")) s.pids_peak = number(dir("pids") + "/pids.peak");
        return s;
    }

    std::vector<std::string> paths() const override {
        std::vector<std::string> out;
        for (const auto& g : groups_) out.push_back(g.dir);
        return out;
    }

    std::vector<std::string> owned_dirs() const override {
        std::vector<std::string> out;
        for (const auto& g : groups_) {
            std::vector<std::string> mine;  // what create() made in this hierarchy
            for (const auto& d : made_)
                if (d.rfind(g.mount + "/", 0) == 0) mine.push_back(d);
            for (auto& d : owned(g.mount, path_, mine)) out.push_back(d);
        }
        return out;
    }

    void mount_in_child() const override {
        // A small tmpfs holds one directory per hierarchy, as on the host; each is a read-only
        // mount of that hierarchy, whose root (in our cgroup namespace) is the container's group.
        mkdirs("/sys/fs/cgroup");
        auto call = "mount(\"tmpfs\", \"/sys/fs/cgroup\", \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=755,size=64k\")";
        explain(Step::MountCgroup, call);
        check(::mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k"), call);
        for (const auto& g : groups_) {
            std::string at = "/sys/fs/cgroup/" + g.set;
            ::mkdir(at.c_str(), 0755);
            mount_ro("cgroup", at, "cgroup", g.set);
            if (g.set.find(',') == std::string::npos) continue;
            std::istringstream in(g.set);  // cpu,cpuacct: also reachable as cpu and as cpuacct
            for (std::string c; std::getline(in, c, ',');) ::symlink(g.set.c_str(), ("/sys/fs/cgroup/" + c).c_str());
        }
        check(::mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "mode=755,size=64k"),
              "mount(\"tmpfs\", \"/sys/fs/cgroup\", MS_REMOUNT|MS_RDONLY)");
    }

private:
    struct Group {
        std::string mount, set, dir;
    };
    bool has(const std::string& c) const { return m_.v1.count(c) > 0; }
    std::string dir(const std::string& c) const { return m_.v1.at(c) + "/" + path_; }

    // A group in controller @p c's hierarchy, unless it is not mounted or has one already.
    void add_group(const std::string& c) {
        if (!has(c)) return;
        auto mount = m_.v1.at(c);
        if (std::none_of(groups_.begin(), groups_.end(), [&](auto& g) { return g.mount == mount; }))
            groups_.push_back({mount, m_.v1_set.at(c), mount + "/" + path_});
    }

    // A new v1 cpuset group has no CPUs and no memory nodes, so no process could join it: give
    // it its parent's (v2 and v1's cgroup.clone_children do that by themselves).
    static void copy_cpuset(const std::string& dir) {
        std::string parent = dir.substr(0, dir.rfind('/'));
        for (const char* f : {"cpuset.cpus", "cpuset.mems"})
            if (exists(dir + "/" + f) && trim(slurp(dir + "/" + f)).empty())
                write_limit(dir, f, trim(slurp(parent + "/" + f)));
    }

    CgroupMounts m_;
    std::string path_;
    std::vector<Group> groups_;
    std::vector<std::string> made_;  ///< what create() made, parents first, hierarchy by hierarchy
};

}  // namespace

std::unique_ptr<CgroupDriver> make_cgroup_v2(std::string root, std::string path) {
    return std::make_unique<CgroupV2>(std::move(root), std::move(path));
}

std::unique_ptr<CgroupDriver> make_cgroup_v1(CgroupMounts mounts, std::string path) {
    return std::make_unique<CgroupV1>(std::move(mounts), std::move(path));
}

void remove_cgroup_dirs(const std::vector<std::string>& groups, const std::vector<std::string>& owned) {
    // A group is most often empty by now (the container's pid namespace took its processes with
    // it): rmdir it at once. Only a group that still holds processes (EBUSY) has them killed.
    std::vector<std::string> busy;  // of the groups create made (one it joined is not its to empty)
    for (const auto& g : groups)
        if (std::find(owned.begin(), owned.end(), g) != owned.end() && ::rmdir(g.c_str()) != 0 && errno == EBUSY)
            busy.push_back(g);
    if (!busy.empty()) {
        explain(Step::CgroupKill, fmt::format("kill(each pid in {}/cgroup.procs, SIGKILL)", busy.front()));
        kill_loop(busy);
    }
    remove_dirs(groups, owned);  // the busy groups, now empty, and the parents
}

std::unique_ptr<CgroupDriver> make_cgroup_driver(const CgroupMounts& m, std::string path) {
    if (!m.v1.empty()) {
        std::string list;
        for (const auto& [c, point] : m.v1) list += (list.empty() ? "" : ", ") + c;
        if (!m.unified.empty())
            explain_note(fmt::format("hybrid host: v1 hierarchies for {} and a cgroup2 mount at {} without them: "
                                     "using cgroup v1",
                                     list, m.unified));
        else
            explain_note(fmt::format("cgroup v1 host: hierarchies for {}", list));
        return make_cgroup_v1(m, std::move(path));
    }
    if (!m.unified.empty()) {
        explain_note(fmt::format("cgroup v2 (unified) at {}", m.unified));
        return make_cgroup_v2(m.unified, std::move(path));
    }
    throw InputError(kExitUnavailable, "no cgroup filesystem is mounted (none in /proc/self/mountinfo)",
                     "mount cgroup2 at /sys/fs/cgroup: mount -t cgroup2 none /sys/fs/cgroup");
}

CgroupMounts detect_cgroup_mounts() {
    explain(Step::CgroupDetect, "read(\"/proc/self/mountinfo\")");
    return parse_cgroup_mounts(slurp("/proc/self/mountinfo"));
}

// ---------------------------------------------------------------------------------------------
// Cgroup: ownership, clean-up, the watchdog

namespace {
// The inode of each directory: the watchdog removes only the very groups it was started for.
std::vector<ino_t> inodes(const std::vector<std::string>& paths) {
    std::vector<ino_t> out;
    for (const auto& p : paths) {
        struct stat st{};
        out.push_back(::stat(p.c_str(), &st) == 0 ? st.st_ino : 0);
    }
    return out;
}

const char kDone = 'd';  // "I removed it myself": the watchdog exits without touching anything
}  // namespace

Cgroup::Cgroup(std::unique_ptr<CgroupDriver> driver, CgroupLimits limits)
    : driver_(std::move(driver)), limits_(limits), owner_(::getpid()) {}

Cgroup::~Cgroup() {
    if (!driver_ || owner_ != ::getpid()) return;  // moved from, or a copy in a child process
    if (!removed_) {
        try {
            remove_now();
        } catch (const SysError& e) {
            std::fprintf(stderr, "%s: warning: removing the cgroup: %s\n", program_invocation_short_name,
                         e.message().c_str());
        } catch (const std::exception& e) {  // a destructor must not throw (an exercise stub does)
            std::fprintf(stderr, "%s: warning: removing the cgroup: %s\n", program_invocation_short_name, e.what());
        }
    }
}

// Kill what is left, remove the directories, and tell the watchdog there is nothing to do.
void Cgroup::remove_now() {
    std::exception_ptr kill_error;  // an empty group can be removed even if killing failed
    try {
        driver_->kill_all();
    } catch (...) {
        kill_error = std::current_exception();
    }
    try {
        driver_->remove();
    } catch (...) {  // busy because the kill failed: the kill's error is the one that explains it
        if (kill_error) std::rethrow_exception(kill_error);
        throw;
    }
    removed_ = true;
    if (watchdog_) {
        ssize_t n = ::write(watchdog_.get(), &kDone, 1);
        (void)n;
        watchdog_.close();
        while (::waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {}
    }
    if (kill_error) std::rethrow_exception(kill_error);
}

// A process outside the group that waits for box-cgroup to go away. If box-cgroup did not say
// it removed the group itself (it was SIGKILLed, say), the watchdog kills and removes it.
void Cgroup::start_watchdog() {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
    auto ids = inodes(driver_->paths());
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw SysError(err, "fork() (the cgroup watchdog)");
    }
    if (pid == 0) {
        ::setsid();  // not in the terminal's process group: Ctrl-C is for box-cgroup
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(s, SIG_IGN);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::prctl(PR_SET_NAME, "box-watchdog");
        int null = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
        ::close_range(3, static_cast<unsigned>(fds[0]) - 1, 0);
        ::close_range(static_cast<unsigned>(fds[0]) + 1, ~0U, 0);
        char c = 0;
        ssize_t n;
        while ((n = ::read(fds[0], &c, 1)) < 0 && errno == EINTR) {}
        if (!(n == 1 && c == kDone) && inodes(driver_->paths()) == ids) {
            try {
                driver_->kill_all();
            } catch (...) {
            }
            try {
                driver_->remove();
            } catch (...) {
            }
        }
        ::_exit(0);
    }
    ::close(fds[0]);
    watchdog_ = Fd(fds[1]);
    watchdog_pid_ = pid;
}

void Cgroup::join_from_parent(pid_t pid) {
    if (driver_->clone_fd() >= 0 && driver_->contains(pid)) {
        explain_note("the child was born inside its cgroup (CLONE_INTO_CGROUP): no move needed");
        return;
    }
    in_context("moving the container into its cgroup", [&] { driver_->join(pid); });
}

int Cgroup::finish(int status, bool print_stats) {
    const char* prog = program_invocation_short_name;
    CgroupStats s = driver_->stats();
    if (s.oom_kills && *s.oom_kills > 0) {
        std::string limit = limits_.memory ? fmt::format(" (--memory {})", human_size(*limits_.memory)) : "";
        std::fprintf(stderr, "%s: the OOM killer killed %llu process%s in the container: it reached its memory limit%s%s\n",
                     prog, static_cast<unsigned long long>(*s.oom_kills), *s.oom_kills == 1 ? "" : "es",
                     limit.c_str(), status == 128 + SIGKILL ? "; that is the SIGKILL behind exit status 137" : "");
    }
    if (print_stats) std::fprintf(stderr, "%s: %s\n", prog, format_stats(s).c_str());
    try {
        remove_now();  // kills the strays: processes the command left behind
    } catch (const SysError& e) {
        std::fprintf(stderr, "%s: warning: removing the cgroup: %s\n", prog, e.message().c_str());
    }
    return status;
}

Cgroup create_cgroup(const std::string& name, const CgroupLimits& limits) {
    try {
        return in_context(fmt::format("creating cgroup box/{}", name), [&] {
            check_cgroup_name(name);
            auto driver = make_cgroup_driver(detect_cgroup_mounts(), "box/" + name);
            driver->check_available(limits);  // fail before anything is created
            Cgroup cg(std::move(driver), limits);
            cg.driver().create(limits);       // from here on, ~Cgroup removes what was made
            cg.start_watchdog();              // ...and the watchdog does if we are SIGKILLed
            cg.driver().set_limits(limits);
            return cg;
        });
    } catch (SysError& e) {
        int err = e.code().value();
        if (err == EACCES || err == EPERM || err == EROFS)
            e.with_exit_code(kExitNoPermission)
                .with_hint("creating a cgroup needs root (write access to the cgroup filesystem); without root, "
                           "run the container without limits (box-ns --user)");
        throw;
    }
}

void cgroup_in_child(const CgroupOptions& opt, const Cgroup& cgroup) {
    in_context("giving the container its cgroup view", [&] {
        if (opt.cgroup_ns) unshare_cgroup_namespace();
        if (opt.namespaces.count("mount")) cgroup.driver().mount_in_child();
    });
}

void unshare_cgroup_namespace() {
    // EXERCISE 03.1: a new cgroup namespace, rooted at the group this process is in now
    explain(Step::UnshareCgroup, "unshare(CLONE_NEWCGROUP)");
    check(::unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)");
    // END EXERCISE
}

}  // namespace box
