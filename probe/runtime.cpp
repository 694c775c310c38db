// Stage 05 checks: what an OCI config sets up inside: files and devices, limits, the process.
#include "probe.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

using probe::Json;

extern char** environ;

BOX_PROBE_CHECK(check_files, "files", "PATH...",
                "for each PATH: type, mode, device number, link target, whether we can write it") {
    if (args.empty()) throw probe::ProbeError("files needs at least one PATH");
    Json out = Json::object();
    for (const auto& p : args) {
        struct stat st{};
        Json f = Json::object();
        if (lstat(p.c_str(), &st) != 0) {
            f["exists"] = false;
            out[p] = f;
            continue;
        }
        f["exists"] = true;
        const char* type = S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : S_ISCHR(st.st_mode) ? "char"
                         : S_ISBLK(st.st_mode) ? "block" : S_ISLNK(st.st_mode) ? "link" : S_ISFIFO(st.st_mode) ? "fifo" : "other";
        f["type"] = type;
        char mode[8];
        snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        f["mode"] = mode;
        f["uid"] = st.st_uid;
        f["gid"] = st.st_gid;
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            f["dev"] = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
        if (S_ISLNK(st.st_mode)) {
            char buf[4096] = {};
            if (readlink(p.c_str(), buf, sizeof buf - 1) > 0) f["target"] = buf;
        }
        // Writable: for a directory, can we create a file in it; for a file, open it for writing.
        errno = 0;
        if (S_ISDIR(st.st_mode)) {
            std::string t = p + "/.box-probe-write-test";
            int fd = open(t.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
            if (fd >= 0) { close(fd); unlink(t.c_str()); }
            f["write"] = probe::errno_name(fd >= 0 ? 0 : errno);
        } else if (S_ISREG(st.st_mode)) {
            int fd = open(p.c_str(), O_WRONLY | O_APPEND);
            if (fd >= 0) close(fd);
            f["write"] = probe::errno_name(fd >= 0 ? 0 : errno);
        }
        out[p] = f;
    }
    r.set("files", out);
}

BOX_PROBE_CHECK(check_process, "process", "", "our rlimits, umask, working directory, environment, oom_score_adj") {
    Json lim = Json::object();
    struct { const char* name; int res; } limits[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
                                                      {"RLIMIT_CORE", RLIMIT_CORE}};
    for (auto l : limits) {
        rlimit rl{};
        getrlimit(l.res, &rl);
        lim[l.name] = {{"soft", rl.rlim_cur}, {"hard", rl.rlim_max}};
    }
    r.set("rlimits", lim);
    mode_t old = umask(0);
    umask(old);
    char m[8];
    snprintf(m, sizeof m, "%04o", old);
    r.set("umask", m);
    char cwd[4096];
    r.set("cwd", getcwd(cwd, sizeof cwd) ? cwd : "?");
    Json env = Json::array();
    for (char** e = environ; *e; ++e) env.push_back(*e);
    r.set("env", env);
    auto oom = probe::read_file("/proc/self/oom_score_adj");
    r.set("oom_score_adj", oom.empty() ? 0 : std::atoi(oom.c_str()));
    r.set("tty", isatty(0) != 0);
}
