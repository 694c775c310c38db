// Stage 02 checks: what the namespaces let a process see. Each also runs on the host, so a
// test can compare the two views (e.g. namespace inode numbers).
#include "probe.hpp"

#include <mqueue.h>
#include <pthread.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <sstream>

using probe::Json;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

std::vector<int> visible_pids() {
    std::vector<int> pids;
    for (const auto& name : probe::list_dir("/proc"))
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) pids.push_back(std::stoi(name));
    std::sort(pids.begin(), pids.end());
    return pids;
}

// "/proc/PID/cmdline" with NULs as spaces; the comm in brackets for kernel threads.
std::string command_of(int pid) {
    std::string cmd = probe::read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (auto& c : cmd) if (c == '\0') c = ' ';
    while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
    if (cmd.empty()) {
        std::string comm = probe::read_file("/proc/" + std::to_string(pid) + "/comm");
        if (!comm.empty() && comm.back() == '\n') comm.pop_back();
        cmd = "[" + comm + "]";
    }
    return cmd;
}

char state_of(int pid) {
    // /proc/PID/stat: "pid (comm) S ...": the state follows the last ')'.
    std::string stat = probe::read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() ? stat[close + 2] : '?';
}

int count_zombies() {
    int n = 0;
    for (int pid : visible_pids()) n += state_of(pid) == 'Z';
    return n;
}
}  // namespace

BOX_PROBE_CHECK(check_pid, "pid", "", "our pid and parent pid, and the pids /proc shows") {
    r.set("pid", getpid());
    r.set("ppid", getppid());
    auto pids = visible_pids();
    r.set("visible", pids.size());
    r.set("pids", pids);
}

BOX_PROBE_CHECK(check_procs, "procs", "", "every process /proc shows: pid, state and command line") {
    Json list = Json::array();
    for (int pid : visible_pids()) list.push_back(std::to_string(pid) + " " + state_of(pid) + " " + command_of(pid));
    r.set("count", list.size());
    r.set("procs", list);
}

BOX_PROBE_CHECK(check_hostname, "hostname", "", "the hostname and NIS domain name (uname)") {
    struct utsname u{};
    uname(&u);
    r.set("hostname", u.nodename);
    r.set("domainname", u.domainname);
}

BOX_PROBE_CHECK(check_ns, "ns", "", "the inode number of each of our namespaces (same number = same namespace)") {
    // Keys are box-ns's --ns names; /proc/self/ns calls the mount namespace "mnt".
    static const std::pair<const char*, const char*> kinds[] = {
        {"uts", "uts"}, {"pid", "pid"}, {"mount", "mnt"},     {"ipc", "ipc"},
        {"net", "net"}, {"user", "user"}, {"cgroup", "cgroup"}, {"time", "time"}};
    for (auto [name, file] : kinds) {
        char buf[64] = {};
        std::string path = std::string("/proc/self/ns/") + file;
        ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
        // "uts:[4026531838]" -> 4026531838
        const char* open = n > 0 ? std::strchr(buf, '[') : nullptr;
        if (!open) throw probe::ProbeError("cannot read " + path + ": is /proc mounted?");
        r.set(name, std::strtoull(open + 1, nullptr, 10));
    }
}

BOX_PROBE_CHECK(check_ids, "ids", "", "our uid and gid, and the user namespace's uid_map, gid_map and setgroups") {
    r.set("uid", getuid());
    r.set("gid", getgid());
    r.set("euid", geteuid());
    gid_t groups[64];
    int n = getgroups(64, groups);
    r.set("groups", std::vector<gid_t>(groups, groups + std::max(n, 0)));
    r.set("uid_map", lines_of(probe::read_file("/proc/self/uid_map")));
    r.set("gid_map", lines_of(probe::read_file("/proc/self/gid_map")));
    auto sg = lines_of(probe::read_file("/proc/self/setgroups"));
    r.set("setgroups", sg.empty() ? "?" : sg[0]);
}

BOX_PROBE_CHECK(check_net, "net", "", "the network interfaces we see, and whether each is up") {
    auto dev = lines_of(probe::read_file("/proc/net/dev"));
    if (dev.size() < 2) throw probe::ProbeError("cannot read /proc/net/dev: is /proc mounted?");
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    Json names = Json::array(), up = Json::object();
    for (std::size_t i = 2; i < dev.size(); ++i) {  // two header lines, then "  name: counters"
        std::string name = dev[i].substr(0, dev[i].find(':'));
        name.erase(0, name.find_first_not_of(' '));
        struct ifreq ifr{};
        std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
        bool is_up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
        names.push_back(name);
        up[name] = is_up;
    }
    if (s >= 0) close(s);
    r.set("interfaces", names);
    r.set("up", up);
}

// IPC objects are per IPC namespace: System V ones are listed in /proc/sysvipc/*, POSIX message
// queues are looked up by name. --make-mq/--remove-mq let a test make one on the host.
BOX_PROBE_CHECK(check_ipc, "ipc", "[--mq NAME] [--make-mq NAME] [--remove-mq NAME]",
                "System V IPC ids we see; whether POSIX message queue NAME exists") {
    for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
        const std::string& opt = args[i];
        const char* name = args[i + 1].c_str();
        if (opt == "--make-mq") {
            mqd_t q = mq_open(name, O_RDWR | O_CREAT, 0600, nullptr);
            if (q == (mqd_t)-1) throw probe::ProbeError(std::string("mq_open(O_CREAT): ") + std::strerror(errno));
            mq_close(q);
        } else if (opt == "--remove-mq") {
            mq_unlink(name);
        } else if (opt == "--mq") {
            mqd_t q = mq_open(name, O_RDONLY);
            r.set("mq_exists", q != (mqd_t)-1);
            if (q != (mqd_t)-1) mq_close(q);
        } else {
            throw probe::ProbeError("ipc takes --mq NAME, --make-mq NAME, --remove-mq NAME");
        }
    }
    if (args.size() % 2) throw probe::ProbeError("ipc: " + args.back() + " needs a NAME");
    for (const char* kind : {"shm", "msg", "sem"}) {
        auto rows = lines_of(probe::read_file(std::string("/proc/sysvipc/") + kind));
        Json ids = Json::array();
        for (std::size_t i = 1; i < rows.size(); ++i) {  // header, then "key id ..."
            std::istringstream f(rows[i]);
            long long key = 0, id = 0;
            f >> key >> id;
            ids.push_back(id);
        }
        r.set(kind, ids);
    }
}

BOX_PROBE_CHECK(check_uptime, "uptime", "", "seconds since boot by /proc/uptime and by CLOCK_BOOTTIME, CLOCK_MONOTONIC") {
    auto up = probe::read_file("/proc/uptime");
    if (up.empty()) throw probe::ProbeError("cannot read /proc/uptime: is /proc mounted?");
    r.set("uptime", static_cast<long long>(std::strtod(up.c_str(), nullptr)));
    struct timespec ts{};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    r.set("boottime", static_cast<long long>(ts.tv_sec));
    clock_gettime(CLOCK_MONOTONIC, &ts);
    r.set("monotonic", static_cast<long long>(ts.tv_sec));
}

// Make N orphans: a child starts N grandchildren that exit at once, and exits without waiting
// for them. Their parent is gone, so they are re-parented to PID 1 (of our PID namespace), and
// stay zombies until it reaps them. Reports the zombies right away and after up to SETTLE ms.
BOX_PROBE_CHECK(check_orphans, "orphans", "N [SETTLE-MS]", "leave N exited orphans to PID 1; count zombies") {
    if (args.empty()) throw probe::ProbeError("orphans needs N");
    int n = std::stoi(args[0]);
    int settle_ms = args.size() > 1 ? std::stoi(args[1]) : 2000;
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < n; ++i)
            if (fork() == 0) _exit(0);
        _exit(0);  // without waiting: the grandchildren become orphans
    }
    waitpid(child, nullptr, 0);
    usleep(100 * 1000);  // let the grandchildren run and exit
    r.set("zombies_soon", count_zombies());
    int z = count_zombies();
    for (int waited = 0; z > 0 && waited < settle_ms; waited += 50) {
        usleep(50 * 1000);
        z = count_zombies();
    }
    r.set("zombies_later", z);
    r.set("pid1", command_of(1));
}

BOX_PROBE_CHECK(check_signal, "signal", "PID [SIGNUM]", "send signal SIGNUM (default 0: just look) to PID; report errno") {
    if (args.empty()) throw probe::ProbeError("signal needs a PID");
    int sig = args.size() > 1 ? std::stoi(args[1]) : 0;
    int rc = kill(std::stoi(args[0]), sig);
    r.set("result", probe::errno_name(rc == 0 ? 0 : errno));
}

// A process whose time namespace differs from the one its children get cannot start threads
// (clone with CLONE_VM fails with EINVAL): box-ns must enter the time namespace it made.
BOX_PROBE_CHECK(check_threads, "threads", "N", "start N threads and join them; report how many started") {
    if (args.empty()) throw probe::ProbeError("threads needs N");
    int n = std::stoi(args[0]), started = 0, err = 0;
    std::vector<pthread_t> ids(static_cast<std::size_t>(std::max(n, 0)));
    for (auto& id : ids) {
        err = pthread_create(&id, nullptr, [](void*) -> void* { return nullptr; }, nullptr);
        if (err) break;
        ++started;
    }
    for (int i = 0; i < started; ++i) pthread_join(ids[static_cast<std::size_t>(i)], nullptr);
    r.set("started", started);
    r.set("error", probe::errno_name(err));
    char own[64] = {}, children[64] = {};
    readlink("/proc/self/ns/time", own, sizeof own - 1);
    readlink("/proc/self/ns/time_for_children", children, sizeof children - 1);
    r.set("time_ns_is_childrens", std::string(own) == children);
}
