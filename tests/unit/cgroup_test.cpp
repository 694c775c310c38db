// Unit tests for stage 03 (no root): which driver for which mount table, the option values,
// and the v2 and v1 drivers' file writes against a temporary directory standing in for cgroupfs.
#include <doctest/doctest.h>

#include "cgroup.hpp"
#include "cli.hpp"
#include "error.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace box;
namespace fs = std::filesystem;

namespace {

// This machine's layout: v1 controllers, a cgroup2 mount without them (hybrid).
const char* kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
// A systemd laptop: the unified hierarchy only.
const char* kUnified =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
// An older v1 host with cpu and cpuacct mounted together.
const char* kV1Comounted =
    "25 22 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "26 22 0:23 / /sys/fs/cgroup/memory rw,relatime shared:10 - cgroup cgroup rw,memory\n";

void put(const fs::path& p, const std::string& text = "") {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}
std::string get(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
// The control files the kernel would make in a new group (a directory fixture has none).
void touch_all(const fs::path& dir, std::initializer_list<const char*> names) {
    for (auto n : names) put(dir / n);
}

CgroupLimits all_limits() {
    CgroupLimits l;
    l.memory = 64ull << 20;
    l.pids = 20;
    l.cpus = 0.5;
    l.cpu_weight = 200;
    return l;
}

std::string parse_error(std::vector<std::string> words) {
    CLI::App app;
    CgroupOptions opt;
    add_cgroup_options(app, opt);
    std::vector<const char*> argv{"box-cgroup"};
    for (auto& w : words) argv.push_back(w.c_str());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const InputError& e) {
        return std::string(e.what()) + " [" + std::to_string(e.exit_code()) + "]";
    } catch (const CLI::ParseError& e) {
        return std::string("CLI: ") + e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("mountinfo: a hybrid host has v1 controllers and a cgroup2 mount") {
    auto m = parse_cgroup_mounts(kHybrid);
    CHECK(m.unified == "/sys/fs/cgroup/unified");
    CHECK(m.v1.at("memory") == "/sys/fs/cgroup/memory");
    CHECK(m.v1.at("pids") == "/sys/fs/cgroup/pids");
    CHECK(m.v1.at("cpu") == "/sys/fs/cgroup/cpu");
    CHECK(m.v1.at("cpuacct") == "/sys/fs/cgroup/cpuacct");
    CHECK(m.v1.at("cpuset") == "/sys/fs/cgroup/cpuset");
    CHECK(m.v1.size() == 5);  // name=systemd: not ours
    CHECK(make_cgroup_driver(m, "box/t")->version() == "v1");
}

TEST_CASE("mountinfo: a unified host gets the v2 driver; co-mounted v1 controllers share a hierarchy") {
    auto u = parse_cgroup_mounts(kUnified);
    CHECK(u.unified == "/sys/fs/cgroup");
    CHECK(u.v1.empty());
    CHECK(make_cgroup_driver(u, "box/t")->version() == "v2");
    auto c = parse_cgroup_mounts(kV1Comounted);
    CHECK(c.v1.at("cpu") == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(c.v1_set.at("cpuacct") == "cpu,cpuacct");
    CHECK(make_cgroup_v1(c, "box/t")->paths() ==
          std::vector<std::string>{"/sys/fs/cgroup/memory/box/t", "/sys/fs/cgroup/cpu,cpuacct/box/t"});
    CHECK_THROWS_AS(make_cgroup_driver(parse_cgroup_mounts(""), "box/t"), InputError);
}

TEST_CASE("limit values: cpu quota, weight to shares, controllers needed") {
    CHECK(cpu_quota_us(0.5) == 50000);
    CHECK(cpu_quota_us(2) == 200000);
    CHECK(cpu_quota_us(0.001) == 1000);  // the kernel's minimum quota
    CHECK(weight_to_shares(100) == 1024);
    CHECK(weight_to_shares(1) == 10);
    CHECK(weight_to_shares(10000) == 102400);
    CHECK(needed_controllers(all_limits()) == std::vector<std::string>{"memory", "pids", "cpu"});
    CHECK(needed_controllers({}).empty());
}

TEST_CASE("options: bad values are one error naming the option (exit 64)") {
    CHECK(parse_error({"--memory", "64Q", "rootfs", "true"}) ==
          "--memory: '64Q' is not a size: use a number with an optional K, M, G or T suffix, e.g. 64M [64]");
    CHECK(parse_error({"--cpus", "0", "rootfs", "true"}) ==
          "--cpus: '0' is out of range: use a number above 0 and at most 1024 [64]");
    CHECK(parse_error({"--pids", "-1", "rootfs", "true"}) ==
          "--pids: '-1' is out of range: use a number from 1 to 4194304 [64]");
    CHECK(parse_error({"--cpu-weight", "0", "rootfs", "true"}).find("--cpu-weight: '0' is out of range") == 0);
    CHECK(parse_error({"--memory", "64M", "--pids", "20", "--cpus", "0.5", "rootfs", "true"}) == "no error");
}

TEST_CASE("check_cgroup_options: --memory-swap needs --memory and is at least it; the cgroup ns moves to the child") {
    CgroupOptions tiny;
    tiny.limits.memory = 0;  // "--memory 0" would OOM-kill at the first page
    CHECK_THROWS_AS(check_cgroup_options(tiny), InputError);
    CgroupOptions o;
    o.limits.memory_swap = 32ull << 20;
    CHECK_THROWS_AS(check_cgroup_options(o), InputError);
    o.limits.memory = 64ull << 20;
    CHECK_THROWS_AS(check_cgroup_options(o), InputError);
    o.limits.memory_swap = 96ull << 20;
    o.namespaces = {"pid", "cgroup", "mount"};
    check_cgroup_options(o);
    CHECK(o.cgroup_ns);
    CHECK(o.namespaces == std::set<std::string>{"pid", "mount"});  // not in clone's flags
    CHECK(o.name == std::to_string(::getpid()));
}

TEST_CASE("cgroup names: safe path components only") {
    for (const char* good : {"web1", "03-cgroup-limits.mem", "a_b"}) CHECK_NOTHROW(check_cgroup_name(good));
    for (const char* bad : {"", ".", "..", "a/b", "../x", "a b", "x\n"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(check_cgroup_name(bad), InputError);
    }
}

TEST_CASE("v2 driver: enables the controllers down the tree and writes memory.max, cpu.max, ... [ex03.2]") {
    TempDir t("cgroup");
    put(t.path / "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put(t.path / "cgroup.subtree_control", "");
    put(t.path / "box/cgroup.subtree_control", "");  // box/ made by an earlier container
    auto cg = make_cgroup_v2(t.path, "box/t");
    auto l = all_limits();
    cg->check_available(l);
    cg->create(l);
    CHECK(fs::is_directory(t.path / "box/t"));
    CHECK(get(t.path / "cgroup.subtree_control") == "+memory +pids +cpu");
    CHECK(get(t.path / "box/cgroup.subtree_control") == "+memory +pids +cpu");
    CHECK(cg->clone_fd() >= 0);
    touch_all(t.path / "box/t", {"memory.max", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight"});
    cg->set_limits(l);
    CHECK(get(t.path / "box/t/memory.max") == "67108864");
    CHECK(get(t.path / "box/t/memory.swap.max") == "0");  // default: no swap
    CHECK(get(t.path / "box/t/pids.max") == "20");
    CHECK(get(t.path / "box/t/cpu.max") == "50000 100000");
    CHECK(get(t.path / "box/t/cpu.weight") == "200");
    l.memory_swap = 96ull << 20;  // memory + swap: v2 takes the swap part alone
    cg->set_limits(l);
    CHECK(get(t.path / "box/t/memory.swap.max") == std::to_string(32ull << 20));
    CHECK(cg->paths() == std::vector<std::string>{(t.path / "box/t").string()});
}

TEST_CASE("v2 driver: controllers already enabled are not written again; no limits, no controllers") {
    TempDir t("cgroup");
    put(t.path / "cgroup.controllers", "memory pids cpu\n");
    put(t.path / "cgroup.subtree_control", "memory pids\n");
    put(t.path / "box/cgroup.subtree_control", "memory pids cpu\n");
    auto cg = make_cgroup_v2(t.path, "box/t");
    cg->create(all_limits());
    CHECK(get(t.path / "cgroup.subtree_control") == "+cpu");
    CHECK(get(t.path / "box/cgroup.subtree_control") == "memory pids cpu\n");  // untouched
    auto none = make_cgroup_v2(t.path, "box/u");
    none->check_available({});  // no cgroup.controllers needed without limits
    none->create({});
    CHECK(fs::is_directory(t.path / "box/u"));
}

TEST_CASE("v2 driver: a missing controller is refused before anything is created (exit 69)") {
    TempDir t("cgroup");
    put(t.path / "cgroup.controllers", "hugetlb\n");  // this machine's cgroup2 mount
    auto cg = make_cgroup_v2(t.path, "box/t");
    CgroupLimits l;
    l.memory = 64ull << 20;
    try {
        cg->check_available(l);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitUnavailable);
        CHECK(std::string(e.what()) ==
              "--memory: cgroup v2 at " + t.path.string() + " has no memory controller (its cgroup.controllers "
              "lists: 'hugetlb')");
    }
    CHECK(!fs::exists(t.path / "box"));
}

TEST_CASE("v2 driver: an existing box/NAME is another container's: refused, and left alone") {
    TempDir t("cgroup");
    put(t.path / "box/t/cgroup.procs", "123\n");
    auto cg = make_cgroup_v2(t.path, "box/t");
    try {
        cg->create({});
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitUsage);
        CHECK(std::string(e.what()).find("another container is called 't'; choose another --name") !=
              std::string::npos);
    }
    cg->remove();  // it made nothing, so it removes nothing
    CHECK(get(t.path / "box/t/cgroup.procs") == "123\n");
}

TEST_CASE("v2 driver: stats from memory.peak, memory.events, cpu.stat, pids.peak; remove") {
    TempDir t("cgroup");
    auto cg = make_cgroup_v2(t.path, "box/t");
    cg->create({});
    CHECK(!cg->stats().memory_peak);  // a kernel without the file: n/a, not an error
    put(t.path / "box/t/memory.peak", "5242880\n");
    put(t.path / "box/t/memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n");
    put(t.path / "box/t/cpu.stat", "usage_usec 1500000\nuser_usec 1400000\nsystem_usec 100000\n");
    put(t.path / "box/t/pids.peak", "19\n");
    auto s = cg->stats();
    CHECK(s.memory_peak == 5242880u);
    CHECK(s.oom_kills == 1u);
    CHECK(s.cpu_usec == 1500000u);
    CHECK(s.pids_peak == 19u);
    CHECK(format_stats(s) == "stats: memory peak 5M (5242880 bytes), OOM kills 1, CPU 1.500s (1500000 us), pids peak 19");
    for (const char* f : {"memory.peak", "memory.events", "cpu.stat", "pids.peak"}) fs::remove(t.path / "box/t" / f);
    cg->remove();
    CHECK(!fs::exists(t.path / "box/t"));
    CHECK(!fs::exists(t.path / "box"));  // the last container out removes box/
}

TEST_CASE("v1 driver: one group per hierarchy; memory.limit_in_bytes, memsw, cfs quota, shares, pids.max") {
    TempDir t("cgroup");
    CgroupMounts m;
    for (const char* c : {"memory", "pids"}) {
        m.v1[c] = (t.path / c).string();
        m.v1_set[c] = c;
    }
    m.v1["cpu"] = m.v1["cpuacct"] = (t.path / "cpu,cpuacct").string();
    m.v1_set["cpu"] = m.v1_set["cpuacct"] = "cpu,cpuacct";
    for (const char* d : {"memory", "pids", "cpu,cpuacct"}) fs::create_directories(t.path / d);  // the mounts
    put(t.path / "memory/memory.memsw.limit_in_bytes", "9223372036854771712\n");  // swap is accounted
    auto cg = make_cgroup_v1(m, "box/t");
    auto l = all_limits();
    cg->check_available(l);
    cg->create(l);
    CHECK(cg->paths().size() == 3);  // cpu and cpuacct share a directory
    touch_all(t.path / "memory/box/t", {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"});
    touch_all(t.path / "pids/box/t", {"pids.max"});
    touch_all(t.path / "cpu,cpuacct/box/t", {"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"});
    cg->set_limits(l);
    CHECK(get(t.path / "memory/box/t/memory.limit_in_bytes") == "67108864");
    CHECK(get(t.path / "memory/box/t/memory.memsw.limit_in_bytes") == "67108864");  // RAM + swap = RAM: no swap
    CHECK(get(t.path / "pids/box/t/pids.max") == "20");
    CHECK(get(t.path / "cpu,cpuacct/box/t/cpu.cfs_period_us") == "100000");
    CHECK(get(t.path / "cpu,cpuacct/box/t/cpu.cfs_quota_us") == "50000");
    CHECK(get(t.path / "cpu,cpuacct/box/t/cpu.shares") == "2048");
    l.memory_swap = 96ull << 20;
    cg->set_limits(l);
    CHECK(get(t.path / "memory/box/t/memory.memsw.limit_in_bytes") == std::to_string(96ull << 20));
}

TEST_CASE("v1 driver: a controller with no hierarchy, or swap without accounting, is refused (exit 69)") {
    TempDir t("cgroup");
    CgroupMounts m;
    m.v1["memory"] = (t.path / "memory").string();
    m.v1_set["memory"] = "memory";
    auto cg = make_cgroup_v1(m, "box/t");
    CgroupLimits l;
    l.pids = 20;
    try {
        cg->check_available(l);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitUnavailable);
        CHECK(std::string(e.what()) == "--pids: no cgroup v1 hierarchy has the pids controller (mounted: memory)");
    }
    CgroupLimits s;
    s.memory = 1 << 20;
    s.memory_swap = 2 << 20;
    CHECK_THROWS_AS(cg->check_available(s), InputError);  // no memory.memsw.limit_in_bytes
    CHECK(!fs::exists(t.path / "memory/box"));
}

TEST_CASE("v1 driver: stats from max_usage_in_bytes, oom_control, cpuacct.usage (ns), pids.peak") {
    TempDir t("cgroup");
    CgroupMounts m;
    for (const char* c : {"memory", "pids", "cpuacct"}) {
        m.v1[c] = (t.path / c).string();
        m.v1_set[c] = c;
        fs::create_directories(t.path / c);
    }
    auto cg = make_cgroup_v1(m, "box/t");
    cg->create({});
    put(t.path / "memory/box/t/memory.max_usage_in_bytes", "1048576\n");
    put(t.path / "memory/box/t/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    put(t.path / "cpuacct/box/t/cpuacct.usage", "2500000000\n");
    put(t.path / "pids/box/t/pids.peak", "4\n");
    auto s = cg->stats();
    CHECK(s.memory_peak == 1048576u);
    CHECK(s.oom_kills == 2u);
    CHECK(s.cpu_usec == 2500000u);
    CHECK(s.pids_peak == 4u);
}

TEST_CASE("limit values: shares to weight as crun converts; device rules as v1 writes them") {
    CHECK(shares_to_weight(2) == 1);
    CHECK(shares_to_weight(1024) == 39);
    CHECK(shares_to_weight(262144) == 10000);
    CHECK(shares_to_weight(1) == 1);  // below the v1 range: its smallest
    CHECK(device_rule_text({false, 'a', -1, -1, "rwm"}) == "a *:* rwm");
    CHECK(device_rule_text({true, 'c', 1, 3, "rw"}) == "c 1:3 rw");
    CHECK(device_rule_text({true, 'c', 136, -1, "rwm"}) == "c 136:* rwm");
    CgroupLimits l;
    l.cpu_shares = 512;
    l.cpuset_cpus = "0";
    l.memory_reservation = 1 << 20;
    l.devices.push_back({});
    CHECK(needed_controllers(l) == std::vector<std::string>{"memory", "cpu", "cpuset", "devices"});
}

TEST_CASE("/proc/PID/cgroup: each v1 controller's group, and the v2 group") {
    auto own = parse_proc_cgroup("9:name=systemd:/\n4:memory:/process_api/42\n1:cpu,cpuacct:/x\n0::/user.slice\n");
    CHECK(own.at("memory") == "/process_api/42");
    CHECK(own.at("cpu") == "/x");
    CHECK(own.at("cpuacct") == "/x");
    CHECK(own.at("") == "/user.slice");
}

TEST_CASE("v2 driver: a deeper path: controllers enabled at each level down; cpu.weight, cpuset, memory.low") {
    TempDir t("cgroup");
    put(t.path / "cgroup.controllers", "cpuset cpu io memory pids\n");
    put(t.path / "cgroup.subtree_control", "");
    put(t.path / "pod/cgroup.subtree_control", "");  // a parent that exists already: not ours
    auto cg = make_cgroup_v2(t.path, "pod/leaf");
    CgroupLimits l;
    l.cpu_shares = 1024;
    l.cpuset_cpus = "0-1";
    l.cpuset_mems = "0";
    l.memory_reservation = 32ull << 20;
    cg->check_available(l);
    cg->create(l);
    CHECK(fs::is_directory(t.path / "pod/leaf"));
    CHECK(get(t.path / "cgroup.subtree_control") == "+memory +cpu +cpuset");
    CHECK(get(t.path / "pod/cgroup.subtree_control") == "+memory +cpu +cpuset");
    CHECK(!fs::exists(t.path / "pod/leaf/cgroup.subtree_control"));  // the group itself: no children
    CHECK(cg->owned_dirs() == std::vector<std::string>{(t.path / "pod/leaf").string()});
    touch_all(t.path / "pod/leaf", {"cpu.weight", "cpuset.cpus", "cpuset.mems", "memory.low"});
    cg->set_limits(l);
    CHECK(get(t.path / "pod/leaf/cpu.weight") == "39");
    CHECK(get(t.path / "pod/leaf/cpuset.cpus") == "0-1");
    CHECK(get(t.path / "pod/leaf/cpuset.mems") == "0");
    CHECK(get(t.path / "pod/leaf/memory.low") == std::to_string(32ull << 20));
    for (const char* f : {"cpu.weight", "cpuset.cpus", "cpuset.mems", "memory.low"}) fs::remove(t.path / "pod/leaf" / f);
    cg->remove();
    CHECK(!fs::exists(t.path / "pod/leaf"));
    CHECK(fs::is_directory(t.path / "pod"));  // existed before: left alone
}

TEST_CASE("v2 driver: missing parents are made, and only they are removed (box/ too, when empty)") {
    TempDir t("cgroup");
    fs::create_directories(t.path / "outer");  // existed before: not ours
    auto cg = make_cgroup_v2(t.path, "outer/mid/leaf");
    cg->create({});
    CHECK(cg->owned_dirs() ==
          std::vector<std::string>{(t.path / "outer/mid").string(), (t.path / "outer/mid/leaf").string()});
    cg->remove();
    CHECK(!fs::exists(t.path / "outer/mid"));
    CHECK(fs::is_directory(t.path / "outer"));
    fs::create_directories(t.path / "box");  // made by an earlier container, now empty
    auto b = make_cgroup_v2(t.path, "box/t");
    b->create({});
    CHECK(b->owned_dirs() == std::vector<std::string>{(t.path / "box").string(), (t.path / "box/t").string()});
    b->remove();
    CHECK(!fs::exists(t.path / "box"));  // the last container out removes box/, whoever made it
}

TEST_CASE("v2 driver: device rules need no controller (they are a BPF program), so none is enabled for them") {
    TempDir t("cgroup");
    put(t.path / "cgroup.controllers", "cpu memory pids\n");  // no "devices": v2 has none
    put(t.path / "cgroup.subtree_control", "");
    fs::create_directories(t.path / "box");
    put(t.path / "box/cgroup.subtree_control", "");
    auto cg = make_cgroup_v2(t.path, "box/t");
    CgroupLimits l;
    l.devices.push_back({false, 'a', -1, -1, "rwm"});
    l.pids = 10;
    CHECK_NOTHROW(cg->check_available(l));
    cg->create(l);
    CHECK(fs::is_directory(t.path / "box/t"));
    CHECK(get(t.path / "cgroup.subtree_control") == "+pids");
    CHECK(get(t.path / "box/cgroup.subtree_control") == "+pids");
}

TEST_CASE("v1 driver: cpuset and devices groups when asked; a new cpuset level gets its parent's CPUs; rules written") {
    TempDir t("cgroup");
    CgroupMounts m;
    for (const char* c : {"memory", "cpu", "cpuset", "devices"}) {
        m.v1[c] = (t.path / c).string();
        m.v1_set[c] = c;
        fs::create_directories(t.path / c);
    }
    put(t.path / "cpuset/cpuset.cpus", "0-3\n");
    put(t.path / "cpuset/cpuset.mems", "0\n");
    auto cg = make_cgroup_v1(m, "pod/leaf");
    CHECK(cg->paths().size() == 2);  // memory, cpu: cpuset and devices only when the limits use them
    CgroupLimits l;
    l.cpu_shares = 512;
    l.cpuset_mems = "0";
    l.memory_reservation = 1 << 20;
    l.devices = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}, {false, 'c', 1, 5, "w"}};
    cg->check_available(l);
    cg->create(l);  // (the copy of the parent's cpuset.cpus/mems into a new level needs the kernel's files:
                    // a plain directory has none, so it is checked for real in 05-resources)
    CHECK(cg->paths().size() == 4);
    touch_all(t.path / "cpuset/pod/leaf", {"cpuset.cpus", "cpuset.mems"});
    touch_all(t.path / "memory/pod/leaf", {"memory.soft_limit_in_bytes"});
    touch_all(t.path / "cpu/pod/leaf", {"cpu.shares"});
    touch_all(t.path / "devices/pod/leaf", {"devices.allow", "devices.deny"});
    cg->set_limits(l);
    CHECK(get(t.path / "cpuset/pod/leaf/cpuset.mems") == "0");
    CHECK(get(t.path / "cpuset/pod/leaf/cpuset.cpus") == "");  // not in the config: left as it is
    CHECK(get(t.path / "memory/pod/leaf/memory.soft_limit_in_bytes") == "1048576");
    CHECK(get(t.path / "cpu/pod/leaf/cpu.shares") == "512");
    CHECK(get(t.path / "devices/pod/leaf/devices.allow") == "c 1:3 rwm");  // each write replaces the fixture's text
    CHECK(get(t.path / "devices/pod/leaf/devices.deny") == "c 1:5 w");
    auto owned = cg->owned_dirs();
    CHECK(owned.size() == 8);  // pod and pod/leaf in each of the four hierarchies
    // `delete` (another process) removes them from the list the state recorded
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) fs::remove(t.path / "cpuset/pod/leaf" / f);
    for (const char* f : {"memory/pod/leaf/memory.soft_limit_in_bytes", "cpu/pod/leaf/cpu.shares",
                          "devices/pod/leaf/devices.allow", "devices/pod/leaf/devices.deny"})
        fs::remove(t.path / f);
    remove_cgroup_dirs(cg->paths(), owned);
    for (const char* c : {"memory", "cpu", "cpuset", "devices"}) {
        CAPTURE(c);
        CHECK(!fs::exists(t.path / c / "pod"));
        CHECK(fs::is_directory(t.path / c));
    }
}

TEST_CASE("v2 driver: may_exist: an existing group (an engine's cgroupsPath) is joined, never killed or removed") {
    TempDir t("cgroup");
    put(t.path / "pod/ctr/cgroup.procs", "123\n");
    put(t.path / "pod/ctr/cgroup.kill", "");
    auto cg = make_cgroup_v2(t.path, "pod/ctr");
    cg->may_exist(true);
    cg->create({});
    CHECK(cg->owned_dirs().empty());
    cg->kill_all();
    cg->remove();
    CHECK(get(t.path / "pod/ctr/cgroup.kill") == "");  // not written: its processes are not ours
    CHECK(get(t.path / "pod/ctr/cgroup.procs") == "123\n");
    remove_cgroup_dirs({(t.path / "pod/ctr").string()}, {});  // `delete` with nothing recorded as made
    CHECK(fs::is_directory(t.path / "pod/ctr"));
}
