// The container's cgroup: linux.cgroupsPath and linux.resources through stage 03's drivers.
#include "container_cgroup.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace box {

namespace {

// The devices runc lets every container use (libcontainer/specconv AllowedDevices): mknod of
// any node, and null, random, full, tty, zero, urandom, the pts devices and ptmx.
const CgroupDeviceRule kDefaultDevices[] = {
    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},  {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 8, "rwm"},
    {true, 'c', 1, 7, "rwm"}, {true, 'c', 5, 0, "rwm"},  {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},
    {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"},
};

std::vector<CgroupDeviceRule> device_rules(const oci::Config& c) {
    std::vector<CgroupDeviceRule> out;
    for (const auto& r : c.linux.resources->devices)
        out.push_back({r.allow, r.type[0], r.major.value_or(-1), r.minor.value_or(-1), r.access});
    if (out.empty()) return out;
    out.insert(out.end(), std::begin(kDefaultDevices), std::end(kDefaultDevices));
    for (const auto& d : c.linux.devices)
        if (d.type != "p") out.push_back({true, d.type == "b" ? 'b' : 'c', d.major, d.minor, "rwm"});
    return out;
}

bool any_limit(const CgroupLimits& l) { return !needed_controllers(l).empty(); }

std::string parent_of(const std::string& group) {
    auto slash = group.rfind('/');
    return slash == std::string::npos || slash == 0 ? "" : group.substr(0, slash);
}

}  // namespace

CgroupLimits cgroup_limits(const oci::Config& c) {
    CgroupLimits l;
    if (!c.linux.resources) return l;
    const auto& r = *c.linux.resources;
    if (r.memory_limit && *r.memory_limit > 0) l.memory = static_cast<std::uint64_t>(*r.memory_limit);
    if (r.memory_swap && *r.memory_swap > 0 && l.memory) l.memory_swap = static_cast<std::uint64_t>(*r.memory_swap);
    if (r.memory_reservation && *r.memory_reservation > 0)
        l.memory_reservation = static_cast<std::uint64_t>(*r.memory_reservation);
    if (r.pids_limit && *r.pids_limit > 0) l.pids = *r.pids_limit;
    if (r.cpu_quota && *r.cpu_quota > 0)
        l.cpus = static_cast<double>(*r.cpu_quota) / static_cast<double>(r.cpu_period.value_or(100000));
    if (r.cpu_shares && *r.cpu_shares > 0) l.cpu_shares = *r.cpu_shares;
    l.cpuset_cpus = r.cpus;
    l.cpuset_mems = r.mems;
    l.devices = device_rules(c);
    return l;
}

CgroupPlace cgroup_place(CgroupMounts mounts, const std::map<std::string, std::string>& own,
                         const std::string& cgroups_path, const std::string& id) {
    if (cgroups_path.empty()) return {std::move(mounts), "box/" + id};
    if (cgroups_path[0] == '/') return {std::move(mounts), cgroups_path.substr(1)};
    // Relative: below the group box is in, in each hierarchy (runc: GetOwnCgroupPath; on v2 its
    // parent, since a group with processes in it cannot hand controllers down).
    auto below = [&](const std::string& key) { auto it = own.find(key); return it == own.end() || it->second == "/" ? "" : it->second; };
    for (auto& [controller, mount] : mounts.v1) mount += below(controller);
    if (!mounts.unified.empty()) mounts.unified += parent_of(below(""));
    return {std::move(mounts), cgroups_path};
}

std::unique_ptr<CgroupDriver> plan_container_cgroup(const oci::Config& c, const std::string& id, ContainerState& state) {
    auto limits = cgroup_limits(c);
    const auto* pid = c.linux.find("pid");
    bool own_pid_ns = pid && pid->path.empty();
    if (c.linux.cgroups_path.empty() && !any_limit(limits) && own_pid_ns) return nullptr;
    if (c.linux.cgroups_path.empty()) check_cgroup_name(id);
    std::ifstream self("/proc/self/cgroup");
    std::string own((std::istreambuf_iterator<char>(self)), {});
    auto place = cgroup_place(detect_cgroup_mounts(), parse_proc_cgroup(own), c.linux.cgroups_path, id);
    auto driver = make_cgroup_driver(place.mounts, place.path);
    driver->may_exist(!c.linux.cgroups_path.empty());  // the engine's group may exist: joined, as runc does
    driver->check_available(limits);  // a missing controller: an error before anything is made
    state.cgroups = driver->paths();
    state.cgroup_owned.clear();       // until made: the groups that do not exist yet
    for (const auto& g : state.cgroups)
        if (::access(g.c_str(), F_OK) != 0) state.cgroup_owned.push_back(g);
    return driver;
}

void make_container_cgroup(CgroupDriver& driver, const oci::Config& c, ContainerState& state) {
    auto limits = cgroup_limits(c);
    try {
        try {
            driver.create(limits);
        } catch (const InputError& e) {  // the group exists: stage 03's words name box-cgroup's --name
            if (e.exit_code() != kExitUsage) throw;
            throw InputError(kExitFailure, fmt::format("the container's cgroup {} exists already: another container "
                                                       "has it", c.linux.cgroups_path.empty() ? "box/" + state.id : c.linux.cgroups_path),
                             "give the container another id, or another linux.cgroupsPath");
        }
        state.cgroups = driver.paths();
        state.cgroup_owned = driver.owned_dirs();
        driver.set_limits(limits);
    } catch (...) {  // nothing left behind: what was made goes (it holds no process yet)
        try { driver.remove(); } catch (const std::exception&) {}
        throw;
    }
}

void remove_container_cgroup(const ContainerState& s) {
    if (s.cgroups.empty()) return;
    in_context("removing the container's cgroup", [&] { remove_cgroup_dirs(s.cgroups, s.cgroup_owned); });
}

void join_container_cgroup(const ContainerState& s) {
    for (const auto& group : s.cgroups) {
        auto procs = group + "/cgroup.procs";
        auto me = std::to_string(::getpid());
        auto call = fmt::format("write(\"{}\", \"{}\")", procs, me);
        explain(Step::CgroupJoin, call);
        Fd fd(check(::open(procs.c_str(), O_WRONLY | O_CLOEXEC), call));
        check(static_cast<int>(::write(fd.get(), me.data(), me.size())), call);
    }
}

std::vector<pid_t> cgroup_pids(const ContainerState& s) {
    std::vector<pid_t> pids;
    for (const auto& group : s.cgroups) {
        std::ifstream in(group + "/cgroup.procs");
        for (pid_t p; in >> p;) pids.push_back(p);
    }
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    return pids;
}

}  // namespace box
