#include "security.hpp"

#include "error.hpp"
#include "narrate.hpp"
#include "parse.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <sys/prctl.h>

namespace box {

void add_security_options(CLI::App& app, SecurityOptions& s) {
    add_cgroup_options(app, s);
    app.add_option("--seccomp", s.seccomp,
                   "syscall filter: default (boxkit's allow-list), unconfined (none), or a JSON profile FILE "
                   "(OCI linux.seccomp / Docker format)")
        ->type_name("default|unconfined|FILE");
    app.add_flag("--seccomp-teaching", s.seccomp_teaching,
                 "also install the hand-written classic BPF filter that blocks mkdir(2) (--explain prints it)");
    app.add_option("--cap-drop", s.cap_drop, "drop these capabilities from the default set (NET_RAW,CAP_KILL or ALL)")
        ->type_name("LIST")->allow_extra_args(false);
    app.add_option("--cap-add", s.cap_add, "add these capabilities to the default set (e.g. SYS_ADMIN)")
        ->type_name("LIST")->allow_extra_args(false);
    app.add_flag("--allow-new-privs", s.allow_new_privs,
                 "leave no_new_privs off: setuid programs and file capabilities work again (for the demo)");
    app.add_option("--run-as", s.run_as,
                   "run CMD as this user (and group) inside the container; its capabilities end at exec")
        ->type_name("UID[:GID]");
    app.add_option("--landlock-ro", s.landlock.read_only,
                   "Landlock: allow reading and executing beneath PATH (in the container); all else is denied")
        ->type_name("PATH")->allow_extra_args(false);
    app.add_option("--landlock-rw", s.landlock.read_write, "Landlock: allow reading and writing beneath PATH")
        ->type_name("PATH")->allow_extra_args(false);
}

namespace {

CapMask caps_of(const std::vector<std::string>& lists, const char* opt, CapMask all) {
    CapMask m = 0;
    for (const auto& l : lists) m |= parse_capabilities(l, opt, all);
    return m;
}

CapMask resolve_kept(const SecurityOptions& s) {
    CapMask own = own_bounding_set() & all_capabilities();  // ALL: every capability we have
    CapMask drop = caps_of(s.cap_drop, "--cap-drop", own);
    CapMask add = caps_of(s.cap_add, "--cap-add", own);
    if (CapMask missing = add & ~own)
        throw InputError(kExitNoPermission,
                         fmt::format("--cap-add: {} is not in this process's bounding set, so no child can hold it",
                                     capability_names(missing).front()),
                         "see CapBnd in /proc/self/status; run from a shell that has it, or leave it out");
    // A default capability this process lacks is not kept: a child never holds more than we do.
    return resolve_capabilities(default_capabilities(), drop, add) & own;
}

}  // namespace

Security prepare_security(const SecurityOptions& s) {
    Security sec;
    sec.kept = resolve_kept(s);
    sec.caps = container_cap_sets(sec.kept);
    if (s.seccomp == "default")
        sec.filter.emplace(default_seccomp_profile(), sec.kept);
    else if (s.seccomp != "unconfined")
        sec.filter.emplace(load_seccomp_profile(s.seccomp), sec.kept);
    if (!s.run_as.empty()) sec.user = parse_user(s.run_as, "--run-as");
    sec.teaching = s.seccomp_teaching;
    sec.no_new_privs = !s.allow_new_privs;
    check_landlock(s.landlock, s.rootfs);
    sec.landlock = s.landlock;
    return sec;
}

UserIds parse_user(std::string_view text, std::string_view what) {
    constexpr std::int64_t kMaxId = 4294967294;  // (uid_t)-1 means "unchanged" to the kernel
    auto colon = text.find(':');
    try {
        UserIds u;
        u.uid = static_cast<uid_t>(parse_int(text.substr(0, colon), what, 0, kMaxId));
        u.gid = colon == std::string_view::npos ? static_cast<gid_t>(u.uid)
                                                : static_cast<gid_t>(parse_int(text.substr(colon + 1), what, 0, kMaxId));
        return u;
    } catch (const InputError&) {
        throw InputError(kExitUsage, fmt::format("{}: '{}' is not UID[:GID]: use numbers from 0 to {}, e.g. 1000 or "
                                                 "1000:1000 (names are not looked up)",
                                                 what, text, kMaxId));
    }
}

void set_no_new_privs() {
    explain(Step::NoNewPrivs, "prctl(PR_SET_NO_NEW_PRIVS, 1)");
    check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS, 1)");
}

namespace {
void restrict_and_filter(const Security& sec, const Fd& ruleset) {
    if (ruleset) restrict_landlock(ruleset);
    in_context("loading the seccomp filter", [&] {
        if (sec.filter) sec.filter->load();
        if (sec.teaching) install_teaching_filter();
    });
}
}  // namespace

void secure_in_child(const Security& sec) {
    Fd ruleset;
    if (!sec.landlock.empty()) ruleset = make_landlock_ruleset(sec.landlock);  // paths as the container sees them
    if (!sec.no_new_privs) restrict_and_filter(sec, ruleset);  // without no_new_privs: needs CAP_SYS_ADMIN, so now
    drop_privileges(sec.caps, sec.user);                       // bounding, uid, permitted/effective/inheritable, ambient
    if (sec.no_new_privs) {
        set_no_new_privs();                                    // exec can never grant privileges again
        restrict_and_filter(sec, ruleset);                     // Landlock, then seccomp: last before exec
    }
}

}  // namespace box
