/// @file seccomp.hpp
/// @brief Stage 04: the seccomp syscall filter — the OCI `linux.seccomp` profile (also Docker's
/// profile format), boxkit's default profile, building it with libseccomp, and a hand-written
/// classic BPF filter for the lesson.
/// @ingroup security
#pragma once

#include "capabilities.hpp"

#include <linux/filter.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace box {

/// A condition on one syscall argument: `{"index": 0, "value": 2080505856, "op": "SCMP_CMP_MASKED_EQ"}`.
struct SeccompArg {
    unsigned index = 0;          ///< 0..5
    std::uint64_t value = 0;
    std::uint64_t value_two = 0;  ///< the second operand of SCMP_CMP_MASKED_EQ (value & mask == value_two)
    std::string op;               ///< "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ", ...
};

/// Docker's `includes`/`excludes`: a rule applies only when the container keeps all of `caps`,
/// the machine is one of `arches` (Go names: amd64, arm64, ...) and its kernel is at least
/// `minKernel` (includes) / when none of that holds (excludes). Not in the OCI spec.
struct SeccompCondition {
    CapMask caps = 0;
    std::vector<std::string> arches;  ///< empty: any
    std::string min_kernel;           ///< "4.8"; empty: any
};

/// This machine's architecture as Docker's profiles name it ("amd64", "arm64", ...).
std::string_view native_go_arch();

/// Whether kernel release @p release ("6.18.44-fc") is at least @p min ("4.8").
bool kernel_at_least(std::string_view release, std::string_view min);

/// One entry of `syscalls`: these names get this action (when the args match).
struct SeccompRule {
    std::vector<std::string> names;
    std::string action;                ///< "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", ...
    std::optional<unsigned> errno_ret;  ///< for SCMP_ACT_ERRNO (default EPERM) and SCMP_ACT_TRACE
    std::vector<SeccompArg> args;
    SeccompCondition includes, excludes;
};

/// A whole profile: what config.json's `linux.seccomp` or a Docker profile file says.
struct SeccompProfile {
    std::string default_action;             ///< e.g. "SCMP_ACT_ERRNO"
    std::optional<unsigned> default_errno;  ///< defaultErrnoRet (default EPERM)
    std::vector<std::string> architectures;  ///< "SCMP_ARCH_X86_64", ...; the native one is always in
    std::vector<std::string> flags;          ///< "SECCOMP_FILTER_FLAG_LOG", ...
    std::vector<SeccompRule> rules;
    std::vector<std::string> skipped;        ///< names left out as unknown (UnknownSyscalls::Skip)
};

/// What the loader does with a syscall name libseccomp does not know.
enum class UnknownSyscalls {
    Error,  ///< a clear error naming the entry (box-seccomp --seccomp FILE: a typo is a mistake)
    Skip,   ///< leave it out and list it in SeccompProfile::skipped (an engine's config.json, written
            ///< for newer kernels, as runc and crun do)
};

/// Parse a profile from JSON (the `linux.seccomp` object of config.json, or a profile file).
/// @p source names it in errors ("profile.json", "config.json: .linux.seccomp").
/// Throws InputError(kExitBadData) naming the JSON path of the bad entry, e.g.
/// `profile.json: .syscalls[2].names[0]: 'fooo' is not a system call libseccomp knows`.
SeccompProfile parse_seccomp_profile(const nlohmann::json& j, std::string_view source,
                                     UnknownSyscalls unknown = UnknownSyscalls::Error);

/// Read and parse a profile file (kExitNoInput when missing, kExitBadData when not JSON).
SeccompProfile load_seccomp_profile(const std::string& path);

/// boxkit's default profile (04-seccomp/default-profile.json, built in): an allow-list in the
/// spirit of Docker's default. Calls gated on a capability (mount needs CAP_SYS_ADMIN, ...)
/// are allowed only when the container keeps it.
SeccompProfile default_seccomp_profile();
/// The default profile's JSON text, as built in.
std::string_view default_seccomp_profile_json();

/// How many syscall numbers above the highest libseccomp names get ENOSYS (see SeccompFilter).
inline constexpr int kNewerSyscalls = 100;

/// A libseccomp filter built from a profile, ready to load (owned; released on destruction).
class SeccompFilter {
public:
    /// Build the filter for a container that keeps @p caps (for includes/excludes).
    /// Everything that can be wrong is found here, before any process is started.
    /// Unless the default action is to allow, the kNewerSyscalls numbers above the highest this
    /// libseccomp names fail with ENOSYS (a native-only profile: no `architectures`), so a newer
    /// C library falls back to older calls as it would on an older kernel.
    SeccompFilter(const SeccompProfile& profile, CapMask caps);
    ~SeccompFilter();
    SeccompFilter(SeccompFilter&&) noexcept;
    SeccompFilter& operator=(SeccompFilter&&) noexcept;
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;

    /// A filter already compiled: @p code as bpf() returned it, @p flags as flags() (stage 05's
    /// cache). load() installs it with seccomp(2) directly, without libseccomp.
    static SeccompFilter from_bpf(std::vector<sock_filter> code, unsigned flags, std::size_t rules);
    /// Load it into the calling process (seccomp(2)). Needs no_new_privs or CAP_SYS_ADMIN.
    void load() const;
    /// The BPF program load() installs (libseccomp's seccomp_export_bpf(), or the one given).
    std::vector<sock_filter> bpf() const;
    /// The SECCOMP_FILTER_FLAG_* bits of the profile's `flags`, as seccomp(2) takes them.
    unsigned flags() const noexcept { return flags_; }
    /// How many (syscall, condition) rules went in: for --explain and tests.
    std::size_t rule_count() const noexcept { return rules_; }

private:
    SeccompFilter() = default;
    void* ctx_ = nullptr;  ///< scmp_filter_ctx; null when built from_bpf()
    std::vector<sock_filter> code_;  ///< from_bpf()'s program
    unsigned flags_ = 0;
    std::size_t rules_ = 0;
};

/// The action a profile takes for a call with no argument conditions, given @p caps, as the
/// profile names it ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO(1)", "conditional" when it depends on
/// the arguments). Pure logic, for unit tests and the lesson.
std::string profile_action_for(const SeccompProfile& profile, std::string_view syscall, CapMask caps);

/// The call the teaching filter blocks: mkdir (arm64 has only mkdirat).
#if defined(__aarch64__)
inline constexpr std::string_view kTeachingBlocked = "mkdirat";
#else
inline constexpr std::string_view kTeachingBlocked = "mkdir";
#endif

/// The hand-written teaching filter: check the architecture, kill x32 calls, load the syscall
/// number, return EPERM for @p blocked, allow everything else. Classic BPF,
/// installed with prctl(PR_SET_SECCOMP). Under --explain, prints the program first.
void install_teaching_filter(std::string_view blocked = kTeachingBlocked);

/// The teaching filter's program as text, one instruction a line (what --explain prints).
std::vector<std::string> teaching_filter_listing(std::string_view blocked = kTeachingBlocked);

}  // namespace box
