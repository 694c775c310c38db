/// @file landlock.hpp
/// @brief Stage 04: Landlock, the LSM this kernel has, restricting file access by path.
/// @ingroup security
#pragma once

#include "guard.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace box {

/// Paths (inside the container) the process may read (and execute) or also write. With any
/// path given, everything else is denied; with none, Landlock is not used.
struct LandlockPaths {
    std::vector<std::string> read_only;   ///< --landlock-ro
    std::vector<std::string> read_write;  ///< --landlock-rw
    bool empty() const noexcept { return read_only.empty() && read_write.empty(); }
};

/// The Landlock ABI version of the running kernel, or 0 when it has none (not built, or not in
/// the lsm= list at boot).
int landlock_abi();

/// Before anything is created: InputError kExitUnavailable when the kernel lacks Landlock,
/// kExitNoInput naming a path that does not exist under @p rootfs.
void check_landlock(const LandlockPaths& paths, const std::string& rootfs);

/// The access rights a ruleset handles on ABI @p abi, and those a read-only rule grants.
std::uint64_t landlock_handled(int abi);
std::uint64_t landlock_read_access();

/// In the child, after the root switch: a ruleset with one rule per path (opened now, as the
/// container sees it). Enforce it with restrict_landlock().
Fd make_landlock_ruleset(const LandlockPaths& paths);

/// landlock_restrict_self(2): from now on this process and its children can reach only the
/// allowed paths. Needs no_new_privs or CAP_SYS_ADMIN.
void restrict_landlock(const Fd& ruleset);

}  // namespace box
