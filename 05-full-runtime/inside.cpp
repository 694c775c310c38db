#include "inside.hpp"
#include "runtime.hpp"

#include "error.hpp"
#include "narrate.hpp"
#include "rootfs.hpp"
#include "security.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace box {

namespace {

enum class Make { Dir, File };

int openat2_in_root(int root, const std::string& path) {
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT;  // symlinks and ".." resolve inside the rootfs, never out of it
    return static_cast<int>(::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how));
}

// Open PATH (absolute, inside the container) beneath the rootfs fd @p root, creating the
// missing directories (and the last component as @p make). Symlinks cannot lead outside.
Fd open_in_root(int root, const std::string& path, Make make) {
    std::string prefix;
    std::istringstream parts(path);
    std::string part;
    std::vector<std::string> comps;
    while (std::getline(parts, part, '/'))
        if (!part.empty() && part != ".") comps.push_back(part);
    if (comps.empty()) return Fd(check(openat2_in_root(root, "/"), "openat2(rootfs, \"/\")"));
    for (std::size_t i = 0; i < comps.size(); ++i) {
        std::string next = prefix + "/" + comps[i];
        int fd = openat2_in_root(root, next);
        if (fd < 0 && errno == ENOENT) {
            Fd parent(check(openat2_in_root(root, prefix.empty() ? "/" : prefix), fmt::format("openat2(rootfs, \"{}\")", prefix)));
            Fd dirfd(check(::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fmt::format("open(\"{}\")", prefix)));
            if (i + 1 == comps.size() && make == Make::File) {
                Fd f(::openat(dirfd.get(), comps[i].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
                if (!f && errno != EEXIST) throw SysError(errno, fmt::format("creat(\"{}\")", next));
            } else if (::mkdirat(dirfd.get(), comps[i].c_str(), 0755) != 0 && errno != EEXIST) {
                throw SysError(errno, fmt::format("mkdir(\"{}\")", next));
            }
            fd = openat2_in_root(root, next);
        }
        check(fd, fmt::format("openat2(rootfs, \"{}\", RESOLVE_IN_ROOT)", next));
        if (i + 1 == comps.size()) return Fd(fd);
        ::close(fd);
        prefix = next;
    }
    return {};
}

std::string fd_path(const Fd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); }

// The flags a user namespace locks on a mount (a remount must keep them, or EPERM).
unsigned long locked_flags(const std::string& path) {
    struct statvfs sv{};
    if (::statvfs(path.c_str(), &sv) != 0) return 0;
    unsigned long f = 0;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
    return f;
}

void remount(const std::string& target, const std::string& shown, unsigned long flags) {
    flags |= MS_REMOUNT | MS_BIND;
    auto call = fmt::format("mount(NULL, \"{}\", NULL, MS_REMOUNT|MS_BIND|{:#x})", shown, flags & ~(MS_REMOUNT | MS_BIND));
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) == 0) return;
    check(::mount(nullptr, target.c_str(), nullptr, flags | locked_flags(target), nullptr), call);
}

constexpr unsigned long kRemountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                       MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

void mount_one(int root, const oci::Mount& m, const std::string& bundle) {
    bool bind = m.bind() || m.type == "cgroup";
    std::string source = m.type == "cgroup" ? "/sys/fs/cgroup" : m.source;
    if (bind && !source.empty() && source[0] != '/') source = bundle + "/" + source;
    struct stat st{};
    if (bind && ::stat(source.c_str(), &st) != 0)
        throw SysError(errno, fmt::format("stat(\"{}\")", source)).add_context("the source of a bind mount");
    Fd target = open_in_root(root, m.destination, bind && !S_ISDIR(st.st_mode) ? Make::File : Make::Dir);
    if (bind) {
        // A cgroup mount is the host's cgroup tree, bound read-only (no cgroup namespace view).
        unsigned long rec = m.type == "cgroup" ? static_cast<unsigned long>(MS_REC) : (m.flags & MS_REC);
        auto call = fmt::format("mount(\"{}\", \"{}\", NULL, MS_BIND{})", source, m.destination, rec ? "|MS_REC" : "");
        explain(Step::Mount, call);
        check(::mount(source.c_str(), fd_path(target).c_str(), nullptr, MS_BIND | rec, nullptr), call);
        unsigned long extra = (m.flags & kRemountable) | (m.type == "cgroup" ? MS_RDONLY : 0);
        if (extra) {
            Fd top = open_in_root(root, m.destination, Make::Dir);  // the new mount, not the dir under it
            remount(fd_path(top), m.destination, extra);
        }
    } else {
        auto call = fmt::format("mount(\"{}\", \"{}\", \"{}\", {:#x}, \"{}\")", m.source, m.destination, m.type,
                                m.flags, m.data);
        explain(Step::Mount, call);
        check(::mount(m.source.c_str(), fd_path(target).c_str(), m.type.c_str(), m.flags & ~(MS_BIND | MS_REC),
                      m.data.empty() ? nullptr : m.data.c_str()),
              call);
    }
}

// A device node: mknod where allowed, else (in a user namespace) a bind of the host's node.
// A config device whose path is taken by something else is an error (the spec: MUST); what the
// rootfs already has at a default device's path is left as it is.
void check_existing_device(int dirfd, const std::string& name, mode_t type, dev_t dev, std::string_view entry) {
    struct stat st{};
    if (entry.empty() || (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type &&
                          (type == S_IFIFO || st.st_rdev == dev)))
        return;
    throw InputError(kExitBadData,
                     fmt::format("config.json: {}: the rootfs has a file at its path that is not the device {}:{}", entry,
                                 major(dev), minor(dev)),
                     "remove that file from the rootfs, or change the entry's path");
}

void make_device(int root, const std::string& path, mode_t type, unsigned major, unsigned minor, mode_t mode,
                 std::optional<uid_t> uid, std::optional<gid_t> gid, std::string_view entry = {}) {
    auto slash = path.rfind('/');
    Fd dir = open_in_root(root, path.substr(0, slash), Make::Dir);
    Fd dirfd(check(::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open(\"/dev\")"));
    std::string name = path.substr(slash + 1);
    auto call = fmt::format("mknod(\"{}\", {}, {}:{})", path, type == S_IFBLK ? "S_IFBLK" : type == S_IFIFO ? "S_IFIFO" : "S_IFCHR", major, minor);
    explain(Step::Device, call);
    if (::mknodat(dirfd.get(), name.c_str(), type | mode, makedev(major, minor)) == 0) {
        ::fchmodat(dirfd.get(), name.c_str(), mode, 0);  // the umask does not apply to the spec's mode
        if (uid || gid) ::fchownat(dirfd.get(), name.c_str(), uid.value_or(-1), gid.value_or(-1), 0);
        return;
    }
    if (errno == EEXIST) return check_existing_device(dirfd.get(), name, type, makedev(major, minor), entry);
    if (errno != EPERM) throw SysError(errno, call);
    Fd target = open_in_root(root, path, Make::File);
    auto bind = fmt::format("mount(\"{}\", \"{}\", NULL, MS_BIND)", path, path);
    check(::mount(path.c_str(), fd_path(target).c_str(), nullptr, MS_BIND, nullptr), bind);
}

void default_devices(int root, const oci::Config& c) {
    struct Dev { const char* path; unsigned major, minor; };
    for (auto d : {Dev{"/dev/null", 1, 3}, Dev{"/dev/zero", 1, 5}, Dev{"/dev/full", 1, 7},
                   Dev{"/dev/random", 1, 8}, Dev{"/dev/urandom", 1, 9}, Dev{"/dev/tty", 5, 0}})
        make_device(root, d.path, S_IFCHR, d.major, d.minor, 0666, std::nullopt, std::nullopt);
    for (std::size_t i = 0; i < c.linux.devices.size(); ++i) {
        const auto& d = c.linux.devices[i];
        mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
        make_device(root, d.path, type, static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor),
                    d.file_mode.value_or(0666) & 07777, d.uid, d.gid, fmt::format(".linux.devices[{}]", i));
    }
    Fd dev = open_in_root(root, "/dev", Make::Dir);
    Fd devfd(check(::openat(dev.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open(\"/dev\")"));
    struct Link { const char* name; const char* to; };
    for (auto l : {Link{"fd", "/proc/self/fd"}, Link{"stdin", "/proc/self/fd/0"}, Link{"stdout", "/proc/self/fd/1"},
                   Link{"stderr", "/proc/self/fd/2"}, Link{"core", "/proc/kcore"}, Link{"ptmx", "pts/ptmx"}})
        if (::symlinkat(l.to, devfd.get(), l.name) != 0 && errno != EEXIST)
            throw SysError(errno, fmt::format("symlink(\"{}\", \"/dev/{}\")", l.to, l.name));
}

}  // namespace

namespace {

void join(const oci::Namespace& n) {
    Fd fd(check(::open(n.path.c_str(), O_RDONLY | O_CLOEXEC), fmt::format("open(\"{}\")", n.path)));
    auto call = fmt::format("setns(\"{}\", {})", n.path, n.type);
    explain(Step::JoinNamespace, call);
    check(::setns(fd.get(), n.flag), call);
}

// The user namespace named by path, unless this process is in it already (setns(2) refuses that).
void join_user_namespace(const oci::Config& c) {
    auto* u = c.linux.find("user");
    if (!u || u->path.empty()) return;
    struct stat want{}, have{};
    if (::stat(u->path.c_str(), &want) == 0 && ::stat("/proc/self/ns/user", &have) == 0 && want.st_ino == have.st_ino &&
        want.st_dev == have.st_dev)
        return;
    join(*u);
}

}  // namespace

void join_namespaces(const oci::Config& c) {
    in_context("joining the namespaces config.json names by path", [&] {
        join_user_namespace(c);  // first: joining it gives the capabilities the other joins need
        for (const auto& n : c.linux.namespaces)
            if (!n.path.empty() && n.type != "user" && n.type != "pid") join(n);
    });
}

void join_pid_namespace(const oci::Config& c) {
    in_context("joining the pid namespace config.json names by path", [&] {
        join_user_namespace(c);
        join(*c.linux.find("pid"));
    });
}

void become_userns_root(const oci::Config& c) {
    if (!c.linux.find("user")) return;
    // Cloned by root, the child keeps host uid 0, which a map like 0:100000:65536 leaves
    // unmapped: every file it creates would fail with EOVERFLOW. Switch to 0 *of the namespace*
    // (a namespace joined by path: whatever its maps, as runc does).
    auto maps_zero = [](const std::vector<oci::IdMapping>& maps) {
        return maps.empty() || std::any_of(maps.begin(), maps.end(), [](const oci::IdMapping& m) { return m.container_id == 0; });
    };
    in_context("becoming root of the user namespace", [&] {
        if (maps_zero(c.linux.gid_mappings)) {
            explain(Step::NsRoot, "setresgid(0, 0, 0)");
            check(::setresgid(0, 0, 0), "setresgid(0, 0, 0)");
        }
        if (maps_zero(c.linux.uid_mappings)) {
            explain(Step::NsRoot, "setresuid(0, 0, 0)");
            check(::setresuid(0, 0, 0), "setresuid(0, 0, 0)");
        }
    });
}

void set_hostname(const oci::Config& c) {
    if (!c.hostname.empty()) {
        auto call = fmt::format("sethostname(\"{}\")", c.hostname);
        explain(Step::SetHostname, call);
        check(::sethostname(c.hostname.data(), c.hostname.size()), call);
    }
    if (!c.domainname.empty())
        check(::setdomainname(c.domainname.data(), c.domainname.size()),
              fmt::format("setdomainname(\"{}\")", c.domainname));
}

namespace {

std::string propagation_name(unsigned long flags) {
    std::string rec = flags & MS_REC ? "MS_REC|" : "";
    if (flags & MS_SHARED) return rec + "MS_SHARED";
    if (flags & MS_SLAVE) return rec + "MS_SLAVE";
    if (flags & MS_UNBINDABLE) return rec + "MS_UNBINDABLE";
    return rec + "MS_PRIVATE";
}

// The mount the rootfs is on: the rootfs itself if it is a mount point, else the nearest
// directory above it that is one (statx(2) says which directories are the root of a mount).
std::string mount_point_of(std::string path) {
    for (;;) {
        struct statx stx{};
        check(::statx(AT_FDCWD, path.c_str(), 0, 0, &stx), fmt::format("statx(\"{}\")", path));
        if ((stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) || path == "/") return path;
        auto slash = path.rfind('/');
        path = slash == 0 ? "/" : path.substr(0, slash);
    }
}

// runc's rootfsParentMountPropagation: the mount the rootfs is on becomes a slave (for slave
// and rslave) or private (for the others). pivot_root(2) refuses a new root whose parent mount
// is shared, a bind of an unbindable mount fails, and a shared parent would carry the rootfs's
// bind to the host. After rslave or rprivate, nothing is shared or unbindable: nothing to do.
void set_parent_propagation(const std::string& rootfs, unsigned long flags) {
    if ((flags & MS_REC) && (flags & (MS_SLAVE | MS_PRIVATE))) return;
    unsigned long parent = flags & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
    auto point = mount_point_of(rootfs);
    auto call = fmt::format("mount(NULL, \"{}\", NULL, {})", point, propagation_name(parent));
    explain(Step::ParentPropagation, call);
    check(::mount(nullptr, point.c_str(), nullptr, parent, nullptr), call);
}

// runc's prepareRoot: every mount gets rootfsPropagation (rslave when config.json has none: the
// host's later mounts still reach the container, the container's never reach the host; stages
// 01 and 02 make everything private instead), the mount the rootfs is on is made a slave or
// private, and the rootfs is bound on itself: the mount that becomes '/', which the mounts of
// config.json then go on.
void prepare_root(const oci::Config& c, const std::string& rootfs) {
    unsigned long flags = c.linux.rootfs_propagation_flags ? c.linux.rootfs_propagation_flags : MS_REC | MS_SLAVE;
    auto call = fmt::format("mount(NULL, \"/\", NULL, {})", propagation_name(flags));
    explain(Step::RootPropagation, call);
    check(::mount(nullptr, "/", nullptr, flags, nullptr), call);
    set_parent_propagation(rootfs, flags);
    auto bind = fmt::format("mount(\"{0}\", \"{0}\", NULL, MS_BIND|MS_REC)", rootfs);
    explain(Step::BindRootfs, bind);
    check(::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr), bind);
}

// pivot_root(".", ".") as runc's pivotRoot does it. Stage 01's pivot_into() makes every mount
// private first; here the mounts keep rootfsPropagation up to the pivot, and the old root is
// made a slave just before it is detached: not private (the host's unmounts would stop reaching
// it while it is still attached), never shared (the detach would propagate to the host). The
// old root is stacked on the new one at '.', but mount(2) on "." means the cwd, the new root
// under it: fchdir to the old root (opened before the pivot) first, as runc does.
void pivot_to(const std::string& rootfs) {
    in_context(fmt::format("pivoting into rootfs {}", rootfs), [&] {
        Fd old_root(check(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC), "open(\"/\")"));
        explain(Step::Chdir, fmt::format("chdir(\"{}\")", rootfs));
        check(::chdir(rootfs.c_str()), fmt::format("chdir(\"{}\")", rootfs));
        explain(Step::PivotRoot, "pivot_root(\".\", \".\")");
        check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root(\".\", \".\")");
        check(::fchdir(old_root.get()), "fchdir(old root)");
        explain(Step::OldRootSlave, "mount(NULL, \".\", NULL, MS_REC|MS_SLAVE)");
        check(::mount(nullptr, ".", nullptr, MS_REC | MS_SLAVE, nullptr), "mount(NULL, \".\", NULL, MS_REC|MS_SLAVE)");
        explain(Step::DetachOldRoot, "umount2(\".\", MNT_DETACH)");
        check(::umount2(".", MNT_DETACH), "umount2(\".\", MNT_DETACH)");
        check(::chdir("/"), "chdir(\"/\")");
    });
}

}  // namespace

void prepare_rootfs(const oci::Config& c, const std::string& rootfs) {
    in_context(fmt::format("preparing rootfs {}", rootfs), [&] {
        prepare_root(c, rootfs);  // rootfsPropagation, the rootfs's parent mount, the rootfs bound on itself
        Fd root(check(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), fmt::format("open(\"{}\")", rootfs)));
        std::string bundle = rootfs.substr(0, rootfs.rfind('/'));
        for (const auto& m : c.mounts)
            in_context(fmt::format("mounting {} on {}", m.type, m.destination), [&] { mount_one(root.get(), m, bundle); });
        default_devices(root.get(), c);
    });
}

void switch_root(const std::string& rootfs, bool no_pivot) {
    // The rootfs is bound on itself already (prepare_root()), so '/' inside is a mount either
    // way (a read-only root is a remount of it).
    if (no_pivot)
        chroot_into(rootfs);  // stage 01's chroot, for roots that cannot pivot (an initramfs)
    else
        pivot_to(rootfs);     // pivot_root(".", "."), the old root made a slave, then detached
}

void finish_rootfs(const oci::Config& c) {
    in_context("masking and protecting paths", [&] {
        for (const auto& p : c.linux.masked_paths) {
            struct stat st{};
            if (::stat(p.c_str(), &st) != 0) continue;  // nothing to hide
            bool dir = S_ISDIR(st.st_mode);
            auto call = dir ? fmt::format("mount(\"tmpfs\", \"{}\", \"tmpfs\", MS_RDONLY)", p)
                            : fmt::format("mount(\"/dev/null\", \"{}\", NULL, MS_BIND)", p);
            explain(Step::MaskPath, call);
            // EXERCISE 05.2: hide a masked path: an empty read-only tmpfs over a directory, /dev/null over a file
            int r = dir ? ::mount("tmpfs", p.c_str(), "tmpfs", MS_RDONLY, "size=0")
                        : ::mount("/dev/null", p.c_str(), nullptr, MS_BIND, nullptr);
            check(r, call);
            // END EXERCISE
        }
        for (const auto& p : c.linux.readonly_paths) {
            if (::access(p.c_str(), F_OK) != 0) continue;
            auto call = fmt::format("mount(\"{0}\", \"{0}\", NULL, MS_BIND|MS_REC)", p);
            explain(Step::ReadonlyPath, call);
            check(::mount(p.c_str(), p.c_str(), nullptr, MS_BIND | MS_REC, nullptr), call);
            remount(p, p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        }
        if (c.root_readonly) {
            explain(Step::ReadonlyPath, "mount(NULL, \"/\", NULL, MS_REMOUNT|MS_BIND|MS_RDONLY)");
            remount("/", "/", MS_RDONLY);
        }
        // A mount's own propagation option (shared, slave, ...): set now, after the root switch
        // (up to here the mounts kept what rootfsPropagation gave them).
        for (const auto& m : c.mounts)
            if (m.propagation) {
                auto call = fmt::format("mount(NULL, \"{}\", NULL, {:#x})", m.destination, m.propagation);
                explain(Step::Mount, call);
                check(::mount(nullptr, m.destination.c_str(), nullptr, m.propagation, nullptr), call);
            }
        if (c.linux.rootfs_propagation_flags) {  // '/' is now the rootfs's bind: it gets rootfsPropagation too
            auto call = fmt::format("mount(NULL, \"/\", NULL, {})", propagation_name(c.linux.rootfs_propagation_flags));
            explain(Step::RootPropagation, call);
            check(::mount(nullptr, "/", nullptr, c.linux.rootfs_propagation_flags, nullptr), call);
        }
    });
}

void apply_sysctl(const oci::Config& c) {
    for (const auto& [key, value] : c.linux.sysctl) {
        std::string path = "/proc/sys/" + key;
        for (auto& ch : path) if (ch == '.') ch = '/';
        auto call = fmt::format("write(\"{}\", \"{}\")", path, value);
        explain(Step::Sysctl, call);
        Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd || ::write(fd.get(), value.data(), value.size()) < 0)
            throw SysError(errno, call).add_context(fmt::format("setting sysctl {}", key));
    }
}

Fd connect_console_socket(const std::string& path) {
    Fd s(check(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX)"));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        throw InputError(kExitUsage, fmt::format("--console-socket '{}' is too long for a unix socket path", path));
    std::strcpy(addr.sun_path, path.c_str());
    check(::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), fmt::format("connect(\"{}\")", path));
    return s;
}

void setup_terminal(const oci::Process& p, const Fd& socket) {
    in_context("setting up the container's terminal", [&] {
        Fd master(check(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), "open(\"/dev/ptmx\")"));
        check(::unlockpt(master.get()), "unlockpt()");
        char name[64];
        if (int e = ::ptsname_r(master.get(), name, sizeof name)) throw SysError(e, "ptsname()");
        Fd slave(check(::open(name, O_RDWR | O_NOCTTY), fmt::format("open(\"{}\")", name)));
        if (p.console_width && p.console_height) {
            winsize ws{};
            ws.ws_row = static_cast<unsigned short>(p.console_height);
            ws.ws_col = static_cast<unsigned short>(p.console_width);
            ::ioctl(slave.get(), TIOCSWINSZ, &ws);
        }
        // SCM_RIGHTS: the engine receives its own fd for the master; the payload is the pty's name.
        explain(Step::ConsoleSocket, fmt::format("sendmsg(console socket, SCM_RIGHTS, {})", name));
        iovec iov{name, std::strlen(name)};
        char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        int mfd = master.get();
        std::memcpy(CMSG_DATA(cm), &mfd, sizeof mfd);
        check(static_cast<int>(::sendmsg(socket.get(), &msg, 0)), "sendmsg(console socket, SCM_RIGHTS)");
        check(::setsid(), "setsid()");
        check(::ioctl(slave.get(), TIOCSCTTY, 0), "ioctl(TIOCSCTTY)");
        for (int fd = 0; fd < 3; ++fd) check(::dup2(slave.get(), fd), fmt::format("dup2(pty, {})", fd));
    });
}

void apply_limits(const oci::Process& p) {
    for (const auto& r : p.rlimits) {
        rlimit rl{r.soft, r.hard};
        auto call = fmt::format("setrlimit({}, {{{}, {}}})", r.type, r.soft, r.hard);
        explain(Step::Rlimit, call);
        check(::setrlimit(static_cast<__rlimit_resource>(r.resource), &rl), call);
    }
    if (p.oom_score_adj) {
        std::ofstream out("/proc/self/oom_score_adj");
        out << *p.oom_score_adj;
        if (!out.flush()) throw SysError(EIO, "write(\"/proc/self/oom_score_adj\")");
    }
}

namespace {

CapMask cap_mask(const std::vector<int>& caps) {
    CapMask m = 0;
    for (int cap : caps) m |= CapMask{1} << cap;
    return m;
}

// process.capabilities as stage 04's five sets; without it, the sets this process has now.
CapSets process_cap_sets(const oci::Process& p) {
    if (!p.capabilities) return own_capability_sets();
    const auto& c = *p.capabilities;
    CapSets s{cap_mask(c.bounding), cap_mask(c.permitted), cap_mask(c.effective), cap_mask(c.inheritable), 0};
    // The kernel raises an ambient capability only if it is permitted and inheritable; like runc,
    // box skips the others (runc spec lists ambient caps with no inheritable set).
    for (int cap : c.ambient) {
        if (s.permitted & s.inheritable & (CapMask{1} << cap)) s.ambient |= CapMask{1} << cap;
        else explain_note(fmt::format("ambient {} skipped: not in the inheritable set", oci::capability_name(cap)));
    }
    return s;
}

}  // namespace

void set_user_and_capabilities(const oci::Process& p) {
    in_context("switching to the container's user and capabilities", [&] {
        const auto& u = p.user;
        UserIds user{u.uid, u.gid, std::vector<gid_t>(u.additional_gids.begin(), u.additional_gids.end())};
        drop_privileges(process_cap_sets(p), user);  // stage 04: bounding set, user, capset, ambient
        if (u.umask) ::umask(*u.umask);
        if (p.no_new_privileges) set_no_new_privs(); // stage 04
    });
}

void secure_process(const oci::Process& p, const std::optional<SeccompFilter>& seccomp) {
    // As stage 04's secure_in_child(): without no_new_privs, loading needs CAP_SYS_ADMIN: first.
    if (seccomp && !p.no_new_privileges) seccomp->load();
    set_user_and_capabilities(p);                    // groups, gid, uid, capabilities, no_new_privs
    if (seccomp && p.no_new_privileges) seccomp->load();  // last: it never filters box's own set-up
}

std::string find_program(const oci::Process& p) {
    check(::chdir(p.cwd.c_str()), fmt::format("chdir(\"{}\") (process.cwd)", p.cwd));
    const std::string& name = p.args[0];
    auto runnable = [](const std::string& path) {
        struct stat st{};
        return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        if (runnable(name)) return name;
    } else {
        std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (const auto& e : p.env)
            if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
        std::istringstream dirs(path);
        for (std::string dir; std::getline(dirs, dir, ':');)
            if (runnable((dir.empty() ? "." : dir) + "/" + name)) return (dir.empty() ? "." : dir) + "/" + name;
    }
    SysError e(ENOENT, fmt::format("execve(\"{}\")", name));
    e.with_exit_code(kExitNotFound)
        .with_hint(fmt::format("'{}' must be an executable file inside the rootfs (process.args[0], "
                               "looked up in the PATH of process.env)", name));
    e.add_context("finding the container's program");
    throw e;
}

Fd wait_for_start(const Fd& fifo) {
    auto path = fd_path(fifo);
    auto call = fmt::format("open(\"{}\" (exec.fifo), O_WRONLY)", path);
    explain(Step::ExecFifo, call);
    Fd w;  // kept open (O_CLOEXEC) until the program is exec'd: `box start` waits for its end
    // EXERCISE 05.1: open the exec fifo for writing (it blocks until `box start` opens the other end), then write one byte
    w = Fd(check(::open(path.c_str(), O_WRONLY | O_CLOEXEC), call));
    check(static_cast<int>(::write(w.get(), "0", 1)), "write(exec.fifo)");
    // END EXERCISE
    return w;
}

void run_start_hooks(const std::vector<oci::Hook>& hooks, const oci::Json& state, const Fd& started) {
    try {
        run_hooks(hooks, state, "startContainer");
    } catch (const std::exception& e) {  // `box start` reports it; the container stops here
        std::string msg = e.what();
        [[maybe_unused]] auto n = ::write(started.get(), msg.data(), msg.size());
        ::_exit(kExitFailure);
    }
}

[[noreturn]] void exec_process(const oci::Process& p, const std::string& program) {
    sigset_t none;  // the program starts with no signal blocked, whatever box blocked to forward them
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv, envp;
    for (const auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(errno == ENOENT ? kExitNotFound : kExitCannotExec);  // after start: nobody to tell
}

}  // namespace box
