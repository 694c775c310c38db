/// @file security.hpp
/// @brief Stage 04: the container's security settings as one step: validate them in the parent
/// (before anything is created), then apply them in the child in the one order that works.
/// @ingroup security
#pragma once

#include "capabilities.hpp"
#include "cgroup.hpp"
#include "landlock.hpp"
#include "seccomp.hpp"

#include <optional>
#include <string>
#include <vector>

namespace box {

/// The options of stage 04: stage 03's plus what the container may ask the kernel.
struct SecurityOptions : CgroupOptions {
    std::string seccomp = "default";        ///< --seccomp default|unconfined|FILE
    bool seccomp_teaching = false;          ///< --seccomp-teaching: add the hand-written BPF filter
    std::vector<std::string> cap_drop;      ///< --cap-drop LIST (repeatable)
    std::vector<std::string> cap_add;       ///< --cap-add LIST (repeatable)
    bool allow_new_privs = false;           ///< --allow-new-privs: leave no_new_privs off
    std::string run_as;                     ///< --run-as UID[:GID]: the user CMD runs as ("" = root)
    LandlockPaths landlock;                 ///< --landlock-ro / --landlock-rw
};

/// Register stage 04's options (and stage 03's, 02's, 01's) on @p app.
void add_security_options(CLI::App& app, SecurityOptions& opt);

/// Everything the child will apply, checked and built in the parent.
struct Security {
    CapMask kept = 0;                      ///< the capabilities the container keeps
    CapSets caps;                          ///< ...in all five sets
    std::optional<UserIds> user;           ///< --run-as: switch to this user (none: stay uid 0)
    std::optional<SeccompFilter> filter;   ///< none: --seccomp unconfined
    bool teaching = false;                 ///< add the teaching filter
    bool no_new_privs = true;
    LandlockPaths landlock;
};

/// Resolve and check the settings before anything is created: the capability lists (a
/// capability this process lacks cannot be added), the seccomp profile (read, parsed, built
/// into a filter), Landlock (kernel support, paths under the rootfs). Throws InputError naming
/// the option or file entry and the fix.
Security prepare_security(const SecurityOptions& opt);

/// In the child, after the root switch and before exec: Landlock's paths are opened, then
/// capabilities are dropped in all five sets, no_new_privs is set, Landlock is enforced and
/// the seccomp filter loaded, last, so it never filters the runtime's own set-up. Without
/// no_new_privs (--allow-new-privs) the kernel lets only CAP_SYS_ADMIN load a filter or a
/// Landlock ruleset, so those two then come before the capabilities are dropped.
void secure_in_child(const Security& sec);

/// "1000" -> {1000, 1000}; "1000:100" -> {1000, 100}. Throws InputError(kExitUsage) naming @p what.
UserIds parse_user(std::string_view text, std::string_view what);

/// prctl(PR_SET_NO_NEW_PRIVS, 1): exec can never again grant privileges.
void set_no_new_privs();

}  // namespace box
