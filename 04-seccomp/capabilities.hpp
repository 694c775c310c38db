/// @file capabilities.hpp
/// @brief Stage 04: Linux capabilities — names, the container's default set, and dropping to it
/// in all five sets (bounding, permitted, effective, inheritable, ambient).
/// @ingroup security
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// @defgroup security 04-seccomp: what the container may ask the kernel
/// Capabilities, no_new_privs, the seccomp syscall filter and Landlock.

namespace box {

/// A set of capabilities as a bit mask: bit N is capability N (CAP_CHOWN = bit 0).
using CapMask = std::uint64_t;

/// The highest capability this program knows by name (CAP_CHECKPOINT_RESTORE = 40).
inline constexpr int kLastKnownCap = 40;

/// "CAP_NET_RAW", "NET_RAW" or "net_raw" -> 13; -1 when unknown.
int capability_from_name(std::string_view name);

/// Every capability the running kernel has (0 .. /proc/sys/kernel/cap_last_cap).
CapMask all_capabilities();

/// 13 -> "CAP_NET_RAW" ("CAP_41" for a number without a name).
std::string capability_name(int cap);

/// The names of the capabilities in @p mask, lowest first.
std::vector<std::string> capability_names(CapMask mask);

/// Parse a --cap-drop/--cap-add list: "NET_RAW,CAP_MKNOD" or "ALL" (which means @p all).
/// Throws InputError(kExitUsage) naming @p what and the unknown entry.
CapMask parse_capabilities(std::string_view list, std::string_view what, CapMask all = all_capabilities());

/// The set a box-seccomp container keeps by default: podman's 11 (Docker's 14 without
/// MKNOD, NET_RAW and AUDIT_WRITE). See lessons/04-seccomp/README.md for why.
CapMask default_capabilities();

/// (@p base minus @p drop) plus @p add.
CapMask resolve_capabilities(CapMask base, CapMask drop, CapMask add);

/// This process's bounding set (CapBnd in /proc/self/status): what a child can ever hold.
CapMask own_bounding_set();

/// The five capability sets of a process, as /proc/PID/status shows them.
struct CapSets {
    CapMask bounding = 0, permitted = 0, effective = 0, inheritable = 0, ambient = 0;
};

/// This process's five sets now (/proc/self/status).
CapSets own_capability_sets();

/// The sets for a container that keeps @p kept: bounding = permitted = effective = kept;
/// inheritable and ambient empty (as Docker and podman do since CVE-2022-24769).
CapSets container_cap_sets(CapMask kept);

/// The user a container process switches to (stage 05's process.user).
struct UserIds {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

/// In the child, before exec: drop the bounding set (needs CAP_SETPCAP, so first), switch to
/// @p user if given (PR_SET_KEEPCAPS keeps the permitted set across setresuid), then set
/// permitted, effective and inheritable with capset(2), then the ambient set.
void drop_privileges(const CapSets& sets, const std::optional<UserIds>& user = std::nullopt);

}  // namespace box
