// Stage 03 checks: the limits this process sees in its cgroup, three bounded loads to push
// against them: alloc (memory), forks (pids), spin (cpu); and open, against the device controller.
#include "probe.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <system_error>
#include <thread>

using probe::Json;

namespace {

const std::string kRoot = "/sys/fs/cgroup";
constexpr unsigned long long kV1Unlimited = 9223372036854771712ULL;  // v1's "no limit" (LONG_MAX, page-aligned)

// A control file's first line: a number, or "max" for v1's huge "unlimited", or null if absent.
Json value(const std::string& path) {
    std::string text = probe::read_file(path);
    if (text.empty()) return nullptr;
    text = text.substr(0, text.find('\n'));
    try {
        std::size_t used = 0;
        unsigned long long n = std::stoull(text, &used);
        if (used == text.size()) return n >= kV1Unlimited ? Json("max") : Json(n);
    } catch (const std::exception&) {
    }
    return text;
}

long positive(const std::string& text, const char* what, long max) {
    char* end = nullptr;
    long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || n < 1 || n > max)
        throw probe::ProbeError(std::string(what) + " must be a whole number from 1 to " + std::to_string(max));
    return n;
}

double seconds(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

BOX_PROBE_CHECK(check_cgroup, "cgroup", "", "my cgroup and the limits I see at /sys/fs/cgroup") {
    Json paths = Json::array();
    bool own_root = true;
    std::istringstream in(probe::read_file("/proc/self/cgroup"));
    for (std::string line; std::getline(in, line);) {
        paths.push_back(line);
        if (line.substr(line.rfind(':') + 1) != "/") own_root = false;
    }
    r.set("proc_self_cgroup", paths);
    r.set("own_root", own_root);  // a cgroup namespace rooted at my group: every path is "/"
    if (!probe::read_file(kRoot + "/cgroup.controllers").empty() || access((kRoot + "/cgroup.procs").c_str(), F_OK) == 0) {
        r.set("version", "v2");
        r.set("memory_max", value(kRoot + "/memory.max"));
        r.set("memory_swap_max", value(kRoot + "/memory.swap.max"));
        r.set("pids_max", value(kRoot + "/pids.max"));
        Json cpu = value(kRoot + "/cpu.max");  // "50000 100000" or "max 100000"
        if (cpu.is_string()) {
            long long quota = 0, period = 0;
            if (std::sscanf(cpu.get<std::string>().c_str(), "%lld %lld", &quota, &period) == 2 && period > 0)
                r.set("cpus", static_cast<double>(quota) / static_cast<double>(period));
            else
                r.set("cpus", "max");
        } else {
            r.set("cpus", nullptr);
        }
        r.set("cpu_weight", value(kRoot + "/cpu.weight"));
    } else if (access((kRoot + "/memory").c_str(), F_OK) == 0 || access((kRoot + "/pids").c_str(), F_OK) == 0) {
        r.set("version", "v1");
        r.set("memory_max", value(kRoot + "/memory/memory.limit_in_bytes"));
        r.set("memory_swap_max", value(kRoot + "/memory/memory.memsw.limit_in_bytes"));  // RAM + swap in v1
        r.set("pids_max", value(kRoot + "/pids/pids.max"));
        Json quota = value(kRoot + "/cpu/cpu.cfs_quota_us"), period = value(kRoot + "/cpu/cpu.cfs_period_us");
        if (quota.is_number() && period.is_number() && period.get<double>() > 0)
            r.set("cpus", quota.get<double>() / period.get<double>());
        else
            r.set("cpus", quota.is_null() ? Json(nullptr) : Json("max"));  // -1: no quota
        r.set("cpu_shares", value(kRoot + "/cpu/cpu.shares"));
    } else {
        r.set("version", "none");  // nothing mounted at /sys/fs/cgroup: the limits still hold, unseen
    }
}

// Allocate MB mebibytes in 1 MiB pieces and touch every page, so the memory is really used.
// Progress goes to stderr every 16 MiB: under --memory, the last line shows how far it got.
BOX_PROBE_CHECK(check_alloc, "alloc", "MB", "allocate and touch MB MiB of memory (bounded)") {
    if (args.size() != 1) throw probe::ProbeError("alloc takes one argument: MB");
    long mb = positive(args[0], "alloc MB", 4096);
    long done = 0;
    for (; done < mb; ++done) {
        void* p = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) break;
        std::memset(p, 0xa5, 1 << 20);
        if ((done + 1) % 16 == 0) std::fprintf(stderr, "alloc: %ld MiB touched\n", done + 1);
    }
    r.set("requested_mb", mb);
    r.set("allocated_mb", done);
}

// Start N children that sleep, count how many fork() allowed, then end them all.
BOX_PROBE_CHECK(check_forks, "forks", "N", "start N sleeping children (bounded); report how many started") {
    if (args.size() != 1) throw probe::ProbeError("forks takes one argument: N");
    long n = positive(args[0], "forks N", 1000);
    std::vector<pid_t> kids;
    int err = 0;
    for (long i = 0; i < n; ++i) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            err = errno;
            break;
        }
        kids.push_back(p);
    }
    for (pid_t p : kids) kill(p, SIGKILL);
    for (pid_t p : kids) waitpid(p, nullptr, 0);
    r.set("requested", n);
    r.set("started", kids.size());
    r.set("error", probe::errno_name(err));  // EAGAIN: pids.max reached
}

// Burn CPU in THREADS threads for SECONDS of wall time; report the CPU time this process got.
BOX_PROBE_CHECK(check_spin, "spin", "SECONDS [THREADS]", "burn CPU for SECONDS (1 thread by default); report CPU used") {
    if (args.empty() || args.size() > 2) throw probe::ProbeError("spin takes SECONDS and optionally THREADS");
    long secs = positive(args[0], "spin SECONDS", 60);
    long threads = args.size() == 2 ? positive(args[1], "spin THREADS", 64) : 1;
    double start = seconds(CLOCK_MONOTONIC), cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
    auto burn = [&] {
        volatile unsigned long x = 0;
        while (seconds(CLOCK_MONOTONIC) - start < static_cast<double>(secs))
            for (int i = 0; i < 100000; ++i) x = x + static_cast<unsigned long>(i);
    };
    std::vector<std::thread> pool;
    std::string thread_error = "OK";
    for (long i = 1; i < threads; ++i) {
        try {
            pool.emplace_back(burn);
        } catch (const std::system_error& e) {  // e.g. EAGAIN under --pids: spin with fewer
            thread_error = probe::errno_name(e.code().value());
            break;
        }
    }
    burn();
    for (auto& t : pool) t.join();
    double wall = seconds(CLOCK_MONOTONIC) - start, cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    r.set("threads", static_cast<long>(pool.size()) + 1);
    if (thread_error != "OK") r.set("thread_error", thread_error);
    r.set("wall_s", wall);
    r.set("cpu_s", cpu);
    r.set("cores", cpu / wall);  // ~0.5 under --cpus 0.5, however many threads
}

// The device controller acts when a device node is opened (EPERM), whatever the file's mode.
BOX_PROBE_CHECK(check_open, "open", "PATH...", "open each PATH read-only; report its errno (OK = it opened)") {
    if (args.empty()) throw probe::ProbeError("open needs at least one PATH");
    for (const auto& p : args) {
        int fd = open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        int err = fd < 0 ? errno : 0;
        if (fd >= 0) close(fd);
        r.set(p, probe::errno_name(err));
    }
}
