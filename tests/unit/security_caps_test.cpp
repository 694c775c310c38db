// Unit tests for 04-seccomp/capabilities: names, lists, the default set, the five sets.
#include <doctest/doctest.h>

#include "capabilities.hpp"
#include "error.hpp"
#include "security.hpp"

#include <linux/capability.h>

#include <bit>
#include <string>

using namespace box;

namespace {
CapMask bit(int c) { return CapMask{1} << c; }

std::string error_of(std::string_view list, std::string_view what) {
    try {
        parse_capabilities(list, what);
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitUsage);
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("capability names: with or without CAP_, any case; unknown is -1") {
    CHECK(capability_from_name("NET_RAW") == CAP_NET_RAW);
    CHECK(capability_from_name("CAP_NET_RAW") == CAP_NET_RAW);
    CHECK(capability_from_name("cap_sys_admin") == CAP_SYS_ADMIN);
    CHECK(capability_from_name("checkpoint_restore") == 40);
    CHECK(capability_from_name("NET_RAWW") == -1);
    CHECK(capability_from_name("") == -1);
    CHECK(capability_from_name("CAP_") == -1);
    CHECK(capability_name(CAP_CHOWN) == "CAP_CHOWN");
    CHECK(capability_name(CAP_BPF) == "CAP_BPF");
    CHECK(capability_name(45) == "CAP_45");
    CHECK(capability_names(bit(CAP_KILL) | bit(CAP_CHOWN)) == std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"});
}

TEST_CASE("every capability number the header defines has its own name") {
    for (int c = 0; c <= CAP_LAST_CAP; ++c) {
        auto name = capability_name(c);
        CHECK(capability_from_name(name) == c);
    }
}

TEST_CASE("--cap-drop/--cap-add lists: names, ALL, and one clear error per bad entry") {
    CHECK(parse_capabilities("NET_RAW,CAP_MKNOD", "--cap-drop") == (bit(CAP_NET_RAW) | bit(CAP_MKNOD)));
    CHECK(parse_capabilities("all", "--cap-drop", 0xff) == 0xff);
    CHECK(parse_capabilities("ALL,KILL", "--cap-drop", 0x3) == (0x3 | bit(CAP_KILL)));
    CHECK(error_of("NET_RAW,FOO", "--cap-drop") ==
          "--cap-drop: 'FOO' is not a capability: use names like NET_RAW or CAP_NET_RAW (see capabilities(7)), or ALL");
    CHECK(error_of("NET_RAW,", "--cap-add").find("--cap-add: 'NET_RAW,' is not a capability") == 0);
    CHECK(error_of("", "--cap-add").find("--cap-add: '' is not a capability") == 0);
}

TEST_CASE("the default set is podman's eleven: no MKNOD, NET_RAW, AUDIT_WRITE, SYS_ADMIN") {
    CapMask d = default_capabilities();
    CHECK(std::popcount(d) == 11);
    for (int c : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_NET_BIND_SERVICE, CAP_SETFCAP,
                  CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT})
        CHECK_MESSAGE((d & bit(c)) != 0, capability_name(c));
    for (int c : {CAP_MKNOD, CAP_NET_RAW, CAP_AUDIT_WRITE, CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_DAC_READ_SEARCH})
        CHECK_MESSAGE((d & bit(c)) == 0, capability_name(c));
}

TEST_CASE("resolve: default minus drop plus add; the five sets of a container") {
    CapMask d = default_capabilities();
    CHECK(resolve_capabilities(d, bit(CAP_KILL), 0) == (d & ~bit(CAP_KILL)));
    CHECK(resolve_capabilities(d, ~CapMask{0}, bit(CAP_NET_RAW)) == bit(CAP_NET_RAW));
    CHECK(resolve_capabilities(d, 0, bit(CAP_SYS_ADMIN)) == (d | bit(CAP_SYS_ADMIN)));
    CapSets s = container_cap_sets(d);
    CHECK(s.bounding == d);
    CHECK(s.permitted == d);
    CHECK(s.effective == d);
    CHECK(s.inheritable == 0);
    CHECK(s.ambient == 0);
}

TEST_CASE("all_capabilities covers 0..cap_last_cap and the bounding set is within it") {
    CapMask all = all_capabilities();
    CHECK((all & bit(CAP_CHOWN)) != 0);
    CHECK((all & bit(CAP_SYS_ADMIN)) != 0);
    CHECK((own_bounding_set() & ~all) == 0);
}

TEST_CASE("--run-as UID[:GID]: the gid defaults to the uid; bad values name the option") {
    auto u = parse_user("1000", "--run-as");
    CHECK(u.uid == 1000);
    CHECK(u.gid == 1000);
    u = parse_user("0:100", "--run-as");
    CHECK(u.uid == 0);
    CHECK(u.gid == 100);
    CHECK_THROWS_WITH_AS(parse_user("nobody", "--run-as"),
                         "--run-as: 'nobody' is not UID[:GID]: use numbers from 0 to 4294967294, e.g. 1000 or 1000:1000 "
                         "(names are not looked up)", InputError);
    CHECK_THROWS_AS(parse_user("1:", "--run-as"), InputError);
    CHECK_THROWS_AS(parse_user("4294967295", "--run-as"), InputError);
}
