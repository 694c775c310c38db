#include "landlock.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

namespace box {

namespace {

// Rights that make sense on a file (not only on a directory): a rule on a file may hold only these.
constexpr std::uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                      LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
                                      LANDLOCK_ACCESS_FS_IOCTL_DEV;

int create_ruleset(const landlock_ruleset_attr* attr, std::size_t size, std::uint32_t flags) {
    return static_cast<int>(::syscall(SYS_landlock_create_ruleset, attr, size, flags));
}

}  // namespace

int landlock_abi() {
    int abi = create_ruleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : abi;
}

std::uint64_t landlock_handled(int abi) {
    std::uint64_t h = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
    if (abi >= 2) h |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) h |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5) h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return h;
}

std::uint64_t landlock_read_access() {
    return LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
}

void check_landlock(const LandlockPaths& paths, const std::string& rootfs) {
    if (paths.empty()) return;
    if (landlock_abi() == 0) {
        int err = errno;
        throw InputError(kExitUnavailable,
                         fmt::format("--landlock-ro/--landlock-rw: this kernel has no Landlock "
                                     "(landlock_create_ruleset: {})",
                                     err == EOPNOTSUPP ? "disabled at boot" : "not built in"),
                         "Landlock needs Linux 5.13+ with landlock in the lsm= boot list "
                         "(cat /sys/kernel/security/lsm); or leave out --landlock-*");
    }
    auto check_all = [&](const std::vector<std::string>& list, const char* opt) {
        for (const auto& p : list) {
            struct stat st{};
            if (p.empty() || p[0] != '/')
                throw InputError(kExitUsage, fmt::format("{}: '{}' is not an absolute path inside the container: "
                                                         "write it as the container sees it, e.g. /tmp",
                                                         opt, p));
            if (::stat((rootfs + p).c_str(), &st) != 0)
                throw InputError(kExitNoInput, fmt::format("{}: '{}' does not exist inside the rootfs ({}{}): "
                                                           "create it or name an existing path",
                                                           opt, p, rootfs, p));
        }
    };
    check_all(paths.read_only, "--landlock-ro");
    check_all(paths.read_write, "--landlock-rw");
}

Fd make_landlock_ruleset(const LandlockPaths& paths) {
    return in_context("setting up Landlock", [&] {
        int abi = landlock_abi();
        landlock_ruleset_attr attr{};
        attr.handled_access_fs = landlock_handled(abi);
        explain(Step::LandlockRuleset, fmt::format("landlock_create_ruleset(handled_access_fs={:#x}) ABI {}",
                                                   attr.handled_access_fs, abi));
        Fd ruleset;
        // EXERCISE 04.3: Landlock: a ruleset, one rule per allowed path
        ruleset = Fd(check(create_ruleset(&attr, sizeof attr, 0), "landlock_create_ruleset()"));
        auto add = [&](const std::string& path, std::uint64_t access, const char* kind) {
            Fd fd(check(::open(path.c_str(), O_PATH | O_CLOEXEC), fmt::format("open(\"{}\", O_PATH)", path)));
            struct stat st{};
            check(::fstat(fd.get(), &st), fmt::format("fstat(\"{}\")", path));
            if (!S_ISDIR(st.st_mode)) access &= kFileRights;
            landlock_path_beneath_attr rule{access & attr.handled_access_fs, fd.get()};
            auto call = fmt::format("landlock_add_rule(\"{}\", {})", path, kind);
            explain(Step::LandlockRule, call);
            check(static_cast<int>(::syscall(SYS_landlock_add_rule, ruleset.get(), LANDLOCK_RULE_PATH_BENEATH,
                                             &rule, 0)),
                  call);
        };
        for (const auto& p : paths.read_only) add(p, landlock_read_access(), "read");
        for (const auto& p : paths.read_write) add(p, attr.handled_access_fs, "read+write");
        // END EXERCISE
        return ruleset;
    });
}

void restrict_landlock(const Fd& ruleset) {
    explain(Step::LandlockRestrict, "landlock_restrict_self(ruleset)");
    check(static_cast<int>(::syscall(SYS_landlock_restrict_self, ruleset.get(), 0)), "landlock_restrict_self()");
}

}  // namespace box
