// Unit tests for 04-seccomp/seccomp and landlock: the profile loader (JSON -> rules), the
// default profile, building a libseccomp filter (in memory, not loaded), the teaching filter.
#include <doctest/doctest.h>

#include "error.hpp"
#include "landlock.hpp"
#include "seccomp.hpp"

#include <linux/capability.h>
#include <linux/landlock.h>

#include <string>

using namespace box;
using Json = nlohmann::json;

namespace {
CapMask bit(int c) { return CapMask{1} << c; }

// The error message for a profile, or "" if it parses.
std::string error_of(const std::string& text) {
    try {
        parse_seccomp_profile(Json::parse(text), "p.json");
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitBadData);
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("a profile: default action, architectures, names, actions, errnoRet, args") {
    auto p = parse_seccomp_profile(Json::parse(R"({
      "defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"},
                  {"index": 1, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["keyctl"], "action": "SCMP_ACT_KILL_PROCESS", "comment": "ignored"}
      ]})"),
                                   "p.json");
    CHECK(p.default_action == "SCMP_ACT_ALLOW");
    CHECK(p.architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
    REQUIRE(p.rules.size() == 3);
    CHECK(p.rules[0].names == std::vector<std::string>{"mkdir", "mkdirat"});
    CHECK(p.rules[0].errno_ret == 13u);
    REQUIRE(p.rules[1].args.size() == 2);
    CHECK(p.rules[1].args[0].op == "SCMP_CMP_NE");
    CHECK(p.rules[1].args[1].index == 1);
    CHECK(p.rules[1].args[1].value == 255);
    CHECK(p.rules[1].args[1].value_two == 4);
    CHECK(profile_action_for(p, "mkdir", 0) == "SCMP_ACT_ERRNO(13)");
    CHECK(profile_action_for(p, "keyctl", 0) == "SCMP_ACT_KILL_PROCESS");
    CHECK(profile_action_for(p, "personality", 0) == "conditional");
    CHECK(profile_action_for(p, "read", 0) == "SCMP_ACT_ALLOW");
    SeccompFilter f(p, 0);
    CHECK(f.rule_count() == 4);  // mkdir, mkdirat, personality (one rule, two conditions), keyctl
}

TEST_CASE("Docker's profile form: archMap, includes/excludes by capability, the old 'name'") {
    auto p = parse_seccomp_profile(Json::parse(R"({
      "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
      "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                  {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
                  {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}],
      "syscalls": [
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"name": "read", "action": "SCMP_ACT_ALLOW"},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
      ]})"),
                                   "p.json");
#if defined(__x86_64__)
    CHECK(p.architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
#elif defined(__aarch64__)
    CHECK(p.architectures == std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"});
#endif
    CHECK(p.rules[0].includes.caps == bit(CAP_SYS_ADMIN));
    CHECK(p.rules[1].names == std::vector<std::string>{"read"});
    CHECK(profile_action_for(p, "mount", 0) == "SCMP_ACT_ERRNO(1)");
    CHECK(profile_action_for(p, "mount", bit(CAP_SYS_ADMIN)) == "SCMP_ACT_ALLOW");
    CHECK(profile_action_for(p, "clone3", 0) == "SCMP_ACT_ERRNO(38)");
    CHECK(profile_action_for(p, "clone3", bit(CAP_SYS_ADMIN)) == "SCMP_ACT_ERRNO(1)");
}

TEST_CASE("Docker's includes/excludes by architecture and kernel version") {
    auto p = parse_seccomp_profile(Json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["s390x"]}},
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
        {"names": ["kcmp"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "arm64"]}}]})"),
                                   "p.json");
    CHECK(p.rules[0].includes.arches == std::vector<std::string>{"s390x"});
    CHECK(p.rules[2].includes.min_kernel == "4.8");
    CHECK(profile_action_for(p, "read", 0) == "SCMP_ACT_ERRNO(1)");
    CHECK(profile_action_for(p, "write", 0) == "SCMP_ACT_ALLOW");
    CHECK(profile_action_for(p, "ptrace", 0) == "SCMP_ACT_ALLOW");  // any kernel boxkit builds on
    CHECK(profile_action_for(p, "kcmp", 0) == "SCMP_ACT_ERRNO(1)");
    CHECK(profile_action_for(p, "getpid", 0) == "SCMP_ACT_ALLOW");  // the architectures boxkit knows
    CHECK(kernel_at_least("6.18.44-fc-v669", "4.8"));
    CHECK(kernel_at_least("4.8.0", "4.8"));
    CHECK_FALSE(kernel_at_least("4.7.10", "4.8"));
    CHECK_FALSE(kernel_at_least("3.10", "4.8"));
    CHECK(kernel_at_least("5.10", "5"));
}

TEST_CASE("a bad profile gets one error naming the JSON path of the bad entry") {
    CHECK(error_of(R"([1])") == "p.json: .: expected a JSON object with defaultAction and syscalls, got array");
    CHECK(error_of(R"({"syscalls": []})") == "p.json: .defaultAction: missing: e.g. \"SCMP_ACT_ERRNO\"");
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALOW"})").find("p.json: .defaultAction: 'SCMP_ACT_ALOW' is not an action") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_NOTIFY"})").find("'SCMP_ACT_NOTIFY' is not supported") != std::string::npos);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["write", "fooo"], "action": "SCMP_ACT_ERRNO"}]})") ==
          "p.json: .syscalls[1].names[1]: 'fooo' is not a system call libseccomp knows: check the spelling (see syscalls(2))");
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]})")
              .find("p.json: .syscalls[0].names: missing or empty") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]})")
              .find("p.json: .syscalls[0].action: missing") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})")
              .find("p.json: .syscalls[0].args[0].index: 6 is out of range") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQUAL"}]}]})")
              .find("p.json: .syscalls[0].args[0].op: 'SCMP_CMP_EQUAL' is not an operator") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})")
              .find("p.json: .syscalls[0].args[0].value: expected a whole number >= 0, got -1") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]})")
              .find("p.json: .architectures[0]: 'SCMP_ARCH_Z80' is not an architecture") == 0);
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
        "includes": {"caps": ["CAP_NOPE"]}}]})") == "p.json: .syscalls[0].includes.caps[0]: 'CAP_NOPE' is not a capability");
    CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {"names": ["read"]}})") ==
          "p.json: .syscalls: expected an array, got object");
}

TEST_CASE("an engine's profile may name calls newer than libseccomp: Skip leaves them out, listed") {
    auto j = Json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{"names": ["read", "frobnicate2", "write"], "action": "SCMP_ACT_ALLOW"}]})");
    CHECK_THROWS_AS(parse_seccomp_profile(j, "config.json"), InputError);
    auto p = parse_seccomp_profile(j, "config.json", UnknownSyscalls::Skip);
    CHECK(p.rules.at(0).names == std::vector<std::string>{"read", "write"});
    CHECK(p.skipped == std::vector<std::string>{"frobnicate2"});
    CHECK(profile_action_for(p, "write", 0) == "SCMP_ACT_ALLOW");
    SeccompFilter f(p, 0);
    CHECK(f.rule_count() == 2 + kNewerSyscalls);
}

TEST_CASE("the default profile: an allow-list; the dangerous calls fail with EPERM") {
    auto p = default_seccomp_profile();
    CapMask d = default_capabilities();
    CHECK(p.default_action == "SCMP_ACT_ERRNO");
    for (auto name : {"keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "bpf", "perf_event_open",
                      "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "mount", "umount2",
                      "unshare", "setns", "pivot_root", "fsopen", "open_by_handle_at", "init_module", "reboot",
                      "swapon", "vm86", "uselib"})
        CHECK_MESSAGE(profile_action_for(p, name, d) == "SCMP_ACT_ERRNO(1)", name);
    for (auto name : {"read", "write", "openat", "execve", "fork", "wait4", "chroot", "mknod", "setresuid", "capset"})
        CHECK_MESSAGE(profile_action_for(p, name, d) == "SCMP_ACT_ALLOW", name);
    CHECK(profile_action_for(p, "clone", d) == "conditional");
    CHECK(profile_action_for(p, "personality", d) == "conditional");
    CHECK(profile_action_for(p, "clone3", d) == "SCMP_ACT_ERRNO(38)");
}

TEST_CASE("the default profile gives the CAP_SYS_ADMIN calls back only with CAP_SYS_ADMIN") {
    auto p = default_seccomp_profile();
    CapMask with = default_capabilities() | bit(CAP_SYS_ADMIN);
    for (auto name : {"mount", "umount2", "unshare", "setns", "pivot_root", "clone", "clone3", "sethostname"})
        CHECK_MESSAGE(profile_action_for(p, name, with) == "SCMP_ACT_ALLOW", name);
    CHECK(profile_action_for(p, "keyctl", with) == "SCMP_ACT_ERRNO(1)");
    CHECK(profile_action_for(p, "chroot", default_capabilities() & ~bit(CAP_SYS_CHROOT)) == "SCMP_ACT_ERRNO(1)");
}

TEST_CASE("the clone rule masks exactly the namespace flags; personality allows the harmless values") {
    auto p = default_seccomp_profile();
    const SeccompRule* clone = nullptr;
    std::vector<std::uint64_t> personas;
    for (const auto& r : p.rules) {
        if (r.names == std::vector<std::string>{"clone"} && !r.args.empty()) clone = &r;
        if (r.names == std::vector<std::string>{"personality"}) personas.push_back(r.args.at(0).value);
    }
    REQUIRE(clone);
    CHECK(clone->args[0].op == "SCMP_CMP_MASKED_EQ");
    CHECK(clone->args[0].value == 0x7E020000);
    CHECK(clone->args[0].value_two == 0);
    CHECK(clone->excludes.caps == bit(CAP_SYS_ADMIN));
    CHECK(personas == std::vector<std::uint64_t>{0, 8, 0x20000, 0x20008, 0xffffffff});
}

TEST_CASE("the default profile builds into a libseccomp filter for any capability set") {
    auto p = default_seccomp_profile();
    SeccompFilter plain(p, default_capabilities());
    SeccompFilter admin(p, default_capabilities() | bit(CAP_SYS_ADMIN) | bit(CAP_BPF));
    CHECK(plain.rule_count() > 250);
    CHECK(admin.rule_count() > plain.rule_count());
    CHECK(default_seccomp_profile_json().find("\"defaultAction\"") != std::string_view::npos);
}

TEST_CASE("the teaching filter: arch check, x32 check, one blocked call, allow the rest [ex04.2]") {
    auto l = teaching_filter_listing("mkdir");
    REQUIRE(l.size() == 9);
    CHECK(l[0].find("ld  [4]") != std::string::npos);
    CHECK(l[3].find("ld  [0]") != std::string::npos);
    CHECK(l[6].find("mkdir?") != std::string::npos);
    CHECK(l[7].find("ret #ERRNO|EPERM") != std::string::npos);
    CHECK(l[8].find("ret #ALLOW") != std::string::npos);
    CHECK(teaching_filter_listing("getpid")[6].find("getpid?") != std::string::npos);
}

TEST_CASE("the teaching filter refuses a call name it cannot resolve") {
    CHECK_THROWS_AS(teaching_filter_listing("nosuchcall"), InputError);
}

TEST_CASE("Landlock: the rights handled per ABI, and what read-only allows") {
    CHECK(landlock_handled(1) == 0x1fff);
    CHECK((landlock_handled(2) & LANDLOCK_ACCESS_FS_REFER) != 0);
    CHECK((landlock_handled(1) & LANDLOCK_ACCESS_FS_REFER) == 0);
    CHECK(landlock_handled(3) == 0x7fff);
    CHECK(landlock_handled(6) == 0xffff);
    CHECK((landlock_read_access() & LANDLOCK_ACCESS_FS_WRITE_FILE) == 0);
    CHECK((landlock_read_access() & LANDLOCK_ACCESS_FS_EXECUTE) != 0);
}
