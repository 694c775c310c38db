#include "capabilities.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <fstream>
#include <sstream>

namespace box {

namespace {

// Index = capability number (include/uapi/linux/capability.h).
constexpr std::array<std::string_view, kLastKnownCap + 1> kNames = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

CapMask bit(int cap) { return CapMask{1} << cap; }

int last_cap() {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int n = kLastKnownCap;
    if (!(in >> n) || n < 0 || n > 63) n = kLastKnownCap;
    return n;
}

std::string mask_names(CapMask m) {
    std::string out;
    for (const auto& n : capability_names(m)) out += (out.empty() ? "" : ",") + n.substr(4);
    return out.empty() ? "none" : out;
}

}  // namespace

int capability_from_name(std::string_view name) {
    std::string up;
    for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string_view n = up;
    if (n.rfind("CAP_", 0) == 0) n.remove_prefix(4);
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == n) return static_cast<int>(i);
    return -1;
}

std::string capability_name(int cap) {
    if (cap >= 0 && cap <= kLastKnownCap) return fmt::format("CAP_{}", kNames[static_cast<std::size_t>(cap)]);
    return fmt::format("CAP_{}", cap);
}

std::vector<std::string> capability_names(CapMask mask) {
    std::vector<std::string> out;
    for (int c = 0; c < 64; ++c)
        if (mask & bit(c)) out.push_back(capability_name(c));
    return out;
}

CapMask parse_capabilities(std::string_view list, std::string_view what, CapMask all) {
    CapMask m = 0;
    std::size_t start = 0;
    for (;;) {
        auto comma = list.find(',', start);
        auto item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        std::string up;
        for (char c : item) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (up == "ALL") {
            m |= all;
        } else {
            int cap = capability_from_name(item);
            if (cap < 0)
                throw InputError(kExitUsage,
                                 fmt::format("{}: '{}' is not a capability: use names like NET_RAW or "
                                             "CAP_NET_RAW (see capabilities(7)), or ALL",
                                             what, item.empty() ? list : item));
            m |= bit(cap);
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return m;
}

CapMask default_capabilities() {
    CapMask m = 0;
    for (int c : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE,
                  CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT})
        m |= bit(c);
    return m;
}

CapMask resolve_capabilities(CapMask base, CapMask drop, CapMask add) { return (base & ~drop) | add; }

CapMask all_capabilities() {
    int last = last_cap();
    return last >= 63 ? ~CapMask{0} : (bit(last + 1) - 1);
}

CapSets own_capability_sets() {
    CapSets s{all_capabilities(), 0, 0, 0, 0};
    std::ifstream in("/proc/self/status");
    std::string line;
    auto field = [&](const char* name, CapMask& out) {
        if (line.rfind(name, 0) == 0) out = std::stoull(line.substr(7), nullptr, 16);
    };
    while (std::getline(in, line)) {
        field("CapBnd:", s.bounding), field("CapPrm:", s.permitted), field("CapEff:", s.effective);
        field("CapInh:", s.inheritable), field("CapAmb:", s.ambient);
    }
    return s;
}

CapMask own_bounding_set() { return own_capability_sets().bounding; }

CapSets container_cap_sets(CapMask kept) { return {kept, kept, kept, 0, 0}; }

namespace {

void drop_bounding(CapMask keep) {
    CapMask all = all_capabilities();
    explain(Step::CapBounding, fmt::format("prctl(PR_CAPBSET_DROP, cap) for {} caps", std::popcount(all & ~keep)));
    for (int c = 0; c < 64; ++c) {
        if (!(all & bit(c)) || (keep & bit(c))) continue;
        check(::prctl(PR_CAPBSET_DROP, c, 0, 0, 0), fmt::format("prctl(PR_CAPBSET_DROP, {})", capability_name(c)));
    }
}

void switch_user(const UserIds& u) {
    explain(Step::SetUid, fmt::format("setresuid({0}, {0}, {0})", u.uid));
    // Keep the permitted set across the uid change; capset() below sets the final sets.
    check(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS, 1)");
    // In a user namespace whose setgroups is denied (a rootless one) only an empty list may fail.
    if (::setgroups(u.groups.size(), u.groups.data()) != 0 && !(errno == EPERM && u.groups.empty()))
        throw SysError(errno, "setgroups()");
    check(::setresgid(u.gid, u.gid, u.gid), fmt::format("setresgid({0}, {0}, {0})", u.gid));
    check(::setresuid(u.uid, u.uid, u.uid), fmt::format("setresuid({0}, {0}, {0})", u.uid));
    check(::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS, 0)");
}

void set_capabilities(const CapSets& s) {
    __user_cap_header_struct head{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<std::uint32_t>(s.effective >> (32 * i));
        data[i].permitted = static_cast<std::uint32_t>(s.permitted >> (32 * i));
        data[i].inheritable = static_cast<std::uint32_t>(s.inheritable >> (32 * i));
    }
    explain(Step::CapDrop, fmt::format("capset(permitted=effective={{{}}}, inheritable={{{}}})",
                                       mask_names(s.permitted), mask_names(s.inheritable)));
    check(static_cast<int>(::syscall(SYS_capset, &head, data)), "capset()");
}

void set_ambient(CapMask ambient) {
    explain(Step::CapAmbient, fmt::format("prctl(PR_CAP_AMBIENT, ...) ambient={{{}}}", mask_names(ambient)));
    check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    for (int c = 0; c < 64; ++c)
        if (ambient & bit(c))
            check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0),
                  fmt::format("prctl(PR_CAP_AMBIENT_RAISE, {})", capability_name(c)));
}

}  // namespace

void drop_privileges(const CapSets& sets, const std::optional<UserIds>& user) {
    in_context("dropping capabilities", [&] {
        // EXERCISE 04.1: drop capabilities in the right order
        drop_bounding(sets.bounding);     // needs CAP_SETPCAP: while we still have it
        if (user) switch_user(*user);     // needs CAP_SETUID/CAP_SETGID: before capset drops them
        set_capabilities(sets);           // permitted, effective, inheritable
        set_ambient(sets.ambient);        // ambient must be a subset of permitted and inheritable
        // END EXERCISE
    });
}

}  // namespace box
