// Stage 04 checks: capabilities, seccomp state, trying system calls, and the harmless attacks
// a root container with full capabilities can carry out (and stage 04 blocks).
#include "probe.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>

using probe::Json;

namespace {

// Capability names by number, as in include/uapi/linux/capability.h.
const char* const kCapNames[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"};

Json cap_list(unsigned long long mask) {
    Json out = Json::array();
    for (unsigned c = 0; c < 64; ++c)
        if (mask >> c & 1)
            out.push_back(c < std::size(kCapNames) ? std::string("CAP_") + kCapNames[c] : "CAP_" + std::to_string(c));
    return out;
}

// "Key:\tvalue" lines of /proc/self/status.
std::map<std::string, std::string> status_fields() {
    std::map<std::string, std::string> f;
    std::istringstream in(probe::read_file("/proc/self/status"));
    if (in.str().empty()) throw probe::ProbeError("cannot read /proc/self/status: is /proc mounted?");
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        f[line.substr(0, colon)] = v;
    }
    return f;
}

// Run fn in a child process (so what it changes stays there); its errno comes back as the
// exit status (0 = the call worked).
int in_child(const std::function<int()>& fn) {
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) _exit(fn() == 0 ? 0 : (errno ? errno : 255));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int result(long rc) { return rc < 0 ? errno : 0; }

std::string tmp_name(const char* what) { return "/tmp/.box-" + std::string(what) + "-" + std::to_string(getpid()); }

// Each call is made with arguments that do no harm when it is allowed: a bad flag, a path that
// does not exist, or inside a throw-away child. What matters is the errno: EPERM (or the one a
// profile names) when a filter or a missing capability stops it, anything else when it ran.
const std::map<std::string, std::function<int()>>& calls() {
    static const std::map<std::string, std::function<int()>> c = {
        {"getpid", [] { return result(syscall(SYS_getpid)); }},
        {"future", [] { return result(syscall(500)); }},  // a number no kernel has yet: ENOSYS
        {"mkdir", [] {
             auto p = tmp_name("try-mkdir");
             int r = result(mkdir(p.c_str(), 0700));
             rmdir(p.c_str());
             return r;
         }},
        {"mknod", [] {
             auto p = tmp_name("try-mknod");
             int r = result(mknod(p.c_str(), S_IFCHR | 0600, makedev(1, 3)));  // like /dev/null
             unlink(p.c_str());
             return r;
         }},
        {"keyctl", [] { return result(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)); }},
        {"add_key", [] { return result(syscall(SYS_add_key, "user", "box-try", nullptr, 0, 0)); }},
        {"request_key", [] { return result(syscall(SYS_request_key, "user", "box-try-none", nullptr, 0)); }},
        {"kexec_load", [] { return result(syscall(SYS_kexec_load, 0, 0, nullptr, 0x8000UL)); }},  // unknown flag
        {"kexec_file_load", [] { return result(syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, 0x80000000UL)); }},
        {"bpf", [] { return result(syscall(SYS_bpf, 0xffff, nullptr, 0)); }},  // no such command
        {"perf_event_open", [] { return result(syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0)); }},
        {"userfaultfd", [] { return result(syscall(SYS_userfaultfd, 0x7ffffff0)); }},  // bad flags
        {"io_uring_setup", [] { return result(syscall(SYS_io_uring_setup, 0, nullptr)); }},
        {"mount", [] { return result(mount("none", "/.box-no-such-dir", "tmpfs", 0, nullptr)); }},
        {"umount2", [] { return result(umount2("/.box-no-such-dir", 0)); }},
        {"pivot_root", [] { return result(syscall(SYS_pivot_root, "/.box-no-such-dir", "/.box-no-such-dir")); }},
        {"setns", [] { return result(setns(-1, 0)); }},
        {"unshare", [] { return in_child([] { return unshare(CLONE_NEWUTS); }); }},
        {"unshare-user", [] { return in_child([] { return unshare(CLONE_NEWUSER); }); }},
        {"clone-newns", [] {
             return in_child([] {
                 long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
                 if (pid == 0) _exit(0);
                 if (pid > 0) waitpid(static_cast<pid_t>(pid), nullptr, 0);
                 return pid < 0 ? -1 : 0;
             });
         }},
        {"clone3", [] { return result(syscall(SYS_clone3, nullptr, 0)); }},  // too small: EINVAL when allowed
        {"personality", [] { return in_child([] { return personality(READ_IMPLIES_EXEC) == -1 ? -1 : 0; }); }},
        {"chroot", [] { return in_child([] { return chroot("/"); }); }},
        {"reboot", [] { return result(syscall(SYS_reboot, 0, 0, 0, nullptr)); }},  // bad magic: EINVAL
        {"init_module", [] { return result(syscall(SYS_init_module, nullptr, 0, "")); }},
        {"sethostname", [] {
             char name[256] = {};
             gethostname(name, sizeof name - 1);
             return result(sethostname(name, strlen(name)));  // the same name again
         }},
    };
    return c;
}

std::string call_names() {
    std::string s;
    for (const auto& [name, fn] : calls()) s += (s.empty() ? "" : " ") + name;
    return s;
}

}  // namespace

BOX_PROBE_CHECK(check_caps, "caps", "", "the five capability sets, decoded (from /proc/self/status)") {
    auto f = status_fields();
    const std::pair<const char*, const char*> sets[] = {{"bounding", "CapBnd"}, {"permitted", "CapPrm"},
                                                        {"effective", "CapEff"}, {"inheritable", "CapInh"},
                                                        {"ambient", "CapAmb"}};
    for (auto [name, key] : sets) {
        if (!f.count(key)) throw probe::ProbeError(std::string("no ") + key + " in /proc/self/status");
        r.set(name, cap_list(std::stoull(f[key], nullptr, 16)));
    }
    r.set("no_new_privs", f["NoNewPrivs"] == "1");
    r.set("uid", static_cast<long>(getuid()));
    r.set("euid", static_cast<long>(geteuid()));
}

BOX_PROBE_CHECK(check_seccomp, "seccomp", "", "seccomp mode and filter count, no_new_privs") {
    auto f = status_fields();
    static const char* const modes[] = {"disabled", "strict", "filter"};
    int mode = f.count("Seccomp") ? std::stoi(f["Seccomp"]) : -1;
    r.set("mode", mode >= 0 && mode <= 2 ? modes[mode] : "unknown");
    r.set("filters", f.count("Seccomp_filters") ? std::stoi(f["Seccomp_filters"]) : -1);
    r.set("no_new_privs", f["NoNewPrivs"] == "1");
}

BOX_PROBE_CHECK(check_try, "try", "SYSCALL...", "make each call harmlessly; report its errno (OK = it ran)") {
    if (args.empty()) throw probe::ProbeError("try needs calls to make, any of: " + call_names());
    for (const auto& a : args) {
        auto it = calls().find(a);
        if (it == calls().end())
            throw probe::ProbeError("try: '" + a + "' is not a call this probe makes: use one of " + call_names());
        errno = 0;
        r.set(a, probe::errno_name(it->second()));
    }
}

// Attack 1: the host's disk. The kernel's partition list is not namespaced, so the container
// learns the disk's device number; root with CAP_MKNOD makes a node for it and, with no device
// cgroup in the way, reads it. Reading the first sector proves the power; nothing is written.
BOX_PROBE_CHECK(check_disk, "disk", "[MAJ:MIN]", "attack: mknod the host's disk and read its first sector") {
    unsigned maj = 0, min = 0;
    std::string name;
    if (!args.empty()) {
        if (sscanf(args[0].c_str(), "%u:%u", &maj, &min) != 2) throw probe::ProbeError("disk takes MAJ:MIN, e.g. 8:0");
        name = args[0];
    } else {
        std::istringstream in(probe::read_file("/proc/partitions"));
        std::string line;
        while (std::getline(in, line)) {
            unsigned a, b;
            unsigned long long blocks;
            char n[64];
            if (sscanf(line.c_str(), "%u %u %llu %63s", &a, &b, &blocks, n) != 4) continue;
            std::string s = n;
            if (s.rfind("loop", 0) == 0 || s.rfind("ram", 0) == 0 || s.rfind("zram", 0) == 0 || s.rfind("sr", 0) == 0)
                continue;
            maj = a, min = b, name = s;
            break;
        }
        if (name.empty()) throw probe::ProbeError("no disk in /proc/partitions: name one as MAJ:MIN");
    }
    r.set("device", name + " " + std::to_string(maj) + ":" + std::to_string(min));
    auto node = tmp_name("disk");
    unlink(node.c_str());
    int err = result(mknod(node.c_str(), S_IFBLK | 0400, makedev(maj, min)));
    r.set("mknod", probe::errno_name(err));
    if (err) return;
    int fd = open(node.c_str(), O_RDONLY | O_CLOEXEC);
    err = fd < 0 ? errno : 0;
    unlink(node.c_str());
    r.set("open", probe::errno_name(err));
    if (err) return;
    unsigned char sector[512];
    ssize_t n = pread(fd, sector, sizeof sector, 0);
    r.set("read", probe::errno_name(n < 0 ? errno : 0));
    r.set("bytes", static_cast<long>(n < 0 ? 0 : n));
    if (n == 512) r.set("boot_signature", sector[510] == 0x55 && sector[511] == 0xaa);
    close(fd);
}

// Attack 2: a nested user namespace, then a mount namespace in it and a mount. This is how an
// ordinary process reaches filesystem code meant for root (CVE-2022-0185 went this way).
BOX_PROBE_CHECK(check_nest, "nest", "", "attack: nested user namespace, mount namespace, tmpfs mount") {
    int pipefd[2];
    if (pipe(pipefd) != 0) throw probe::ProbeError("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        int steps[3] = {-1, -1, -1};
        steps[0] = result(unshare(CLONE_NEWUSER));
        if (!steps[0]) steps[1] = result(unshare(CLONE_NEWNS));
        if (!steps[0] && !steps[1]) steps[2] = result(mount("none", "/tmp", "tmpfs", 0, nullptr));
        (void)!write(pipefd[1], steps, sizeof steps);
        _exit(0);
    }
    close(pipefd[1]);
    int steps[3] = {-1, -1, -1};
    (void)!read(pipefd[0], steps, sizeof steps);
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    const char* names[] = {"user_ns", "mount_ns", "mount_tmpfs"};
    for (int i = 0; i < 3; ++i) r.set(names[i], steps[i] < 0 ? "not tried" : probe::errno_name(steps[i]));
    r.set("nested", steps[2] == 0);
}

// Attack 3: kernel keyrings are not isolated by mount, pid or uts namespaces: root in the
// container reaches the host root's user keyring (the id matches what the host sees).
BOX_PROBE_CHECK(check_keyring, "keyring", "", "attack: reach root's user keyring (shared with the host)") {
    long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
    r.set("keyctl", probe::errno_name(id < 0 ? errno : 0));
    if (id < 0) return;
    r.set("id", id);
    char desc[256] = {};
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc - 1);
    r.set("description", n < 0 ? probe::errno_name(errno) : std::string(desc));
    long len = syscall(SYS_keyctl, KEYCTL_READ, id, nullptr, 0);
    r.set("keys", len < 0 ? -1L : len / static_cast<long>(sizeof(int32_t)));
}

// Attack 4: a setuid-root program raises an ordinary user back to root and full capabilities.
// The probe copies itself to a setuid-root file, becomes nobody (65534), execs the copy, and
// reports what the copy got. no_new_privs turns the setuid bit off for exec.
BOX_PROBE_CHECK(check_setuid_demo, "setuid-demo", "", "attack: nobody runs a setuid-root copy of the probe") {
    auto copy = tmp_name("suid");
    std::string self = probe::read_file("/proc/self/exe");
    if (self.empty()) throw probe::ProbeError("cannot read /proc/self/exe");
    int fd = open(copy.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    if (fd < 0) throw probe::ProbeError("cannot write " + copy + ": " + strerror(errno));
    bool ok = write(fd, self.data(), self.size()) == static_cast<ssize_t>(self.size());
    close(fd);
    if (!ok || chmod(copy.c_str(), 04755) != 0) {
        unlink(copy.c_str());
        throw probe::ProbeError("cannot make " + copy + " setuid");
    }
    int out[2];
    if (pipe(out) != 0) throw probe::ProbeError("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
            _exit(3);
        execl(copy.c_str(), copy.c_str(), "--json", "caps", nullptr);
        _exit(4);
    }
    close(out[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    close(out[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    unlink(copy.c_str());
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 3) throw probe::ProbeError("could not become uid 65534 (needs CAP_SETUID)");
    if (WEXITSTATUS(st) == 4) throw probe::ProbeError("could not exec the setuid copy");
    auto j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.contains("caps")) throw probe::ProbeError("the setuid copy reported nothing");
    r.set("uid", j["caps"]["uid"]);
    r.set("euid", j["caps"]["euid"]);
    r.set("effective", j["caps"]["effective"]);
    r.set("gained_root", j["caps"]["euid"] == 0);
}
