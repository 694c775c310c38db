// Unit tests for stage 02's pure logic: --ns defaults and lists, id maps, durations, flags.
#include <doctest/doctest.h>

#include "error.hpp"
#include "ns.hpp"

#include <linux/sched.h>

#include <string>

using namespace box;

namespace {
NsOptions with_ns(std::string list) {
    NsOptions o;
    o.ns_list = std::move(list);
    return o;
}
std::string error_of(NsOptions o, uid_t uid, gid_t gid) {
    try {
        check_ns_options(o, uid, gid);
    } catch (const InputError& e) {
        return std::string(e.what()) + " [" + std::to_string(e.exit_code()) + "]";
    }
    return "no error";
}
}  // namespace

TEST_CASE("--ns default: all but user for root, all for anyone else") {
    NsOptions root;
    check_ns_options(root, 0, 0);
    CHECK(root.namespaces == std::set<std::string>{"uts", "pid", "mount", "ipc", "net", "cgroup", "time"});
    CHECK(root.uids.empty());
    NsOptions user;
    check_ns_options(user, 1000, 1000);
    CHECK(user.namespaces.size() == 8);
    CHECK(user.namespaces.count("user"));
    CHECK(user.uids == std::vector<IdRange>{{0, 1000, 1}});
    CHECK(user.gids == std::vector<IdRange>{{0, 1000, 1}});
}

TEST_CASE("--ns picks namespaces; --user adds one; unknown names are refused") {
    auto o = with_ns("uts,pid");
    check_ns_options(o, 0, 0);
    CHECK(o.namespaces == std::set<std::string>{"uts", "pid"});
    auto u = with_ns("uts");
    u.user = true;
    check_ns_options(u, 0, 0);
    CHECK(u.namespaces == std::set<std::string>{"uts", "user"});
    CHECK(u.uids == std::vector<IdRange>{{0, 0, 1}});
    CHECK(error_of(with_ns("uts,pdi"), 0, 0) ==
          "--ns: 'pdi' is not one of: cgroup, ipc, mount, net, pid, time, user, uts [64]");
    CHECK(error_of(with_ns("uts,,pid"), 0, 0).find("is not one of") != std::string::npos);
}

TEST_CASE("without root, every --ns list needs user") {
    CHECK(error_of(with_ns("uts,pid"), 1000, 1000) ==
          "--ns uts,pid: without root, namespaces can be made only inside a new user namespace: "
          "add user to --ns, or run as root [67]");
    auto o = with_ns("user,uts");
    check_ns_options(o, 1000, 1000);
    CHECK(o.namespaces.count("uts"));
}

TEST_CASE("an unprivileged caller may map only its own id, once") {
    auto o = NsOptions{};
    o.uid_map = "0:0:1";
    CHECK(error_of(o, 1000, 1000) ==
          "--uid-map 0:0:1: without root you may map only your own uid (1000), once: "
          "use --uid-map 0:1000:1 (the default), or run as root [67]");
    o.uid_map = "0:1000:2";
    CHECK(error_of(o, 1000, 1000).find("[67]") != std::string::npos);
    o.uid_map = "5:1000:1";  // any inside id is fine
    CHECK(error_of(o, 1000, 1000) == "no error");
    auto g = NsOptions{};
    g.gid_map = "0:0:1";
    CHECK(error_of(g, 1000, 1000).rfind("--gid-map 0:0:1: without root", 0) == 0);
    auto r = NsOptions{};  // root may map ranges
    r.user = true;
    r.uid_map = "0:100000:65536";
    CHECK(error_of(r, 0, 0) == "no error");
}

TEST_CASE("parse_id_map") {
    CHECK(parse_id_map("0:1000:1", "--uid-map") == std::vector<IdRange>{{0, 1000, 1}});
    CHECK(parse_id_map("0:1000:1,1:100000:65536", "--uid-map") ==
          std::vector<IdRange>{{0, 1000, 1}, {1, 100000, 65536}});
    for (const char* bad : {"", "0:1000", "0:1000:1:2", "a:1:1", "0:1000:0", "0:1:-1", "0:1000:1,", "0:10:5,2:100:1",
                            "0:10:5,10:12:1", "0:4294967295:2"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_id_map(bad, "--uid-map"), InputError);
    }
    CHECK(id_map_text({{0, 1000, 1}, {1, 100000, 65536}}) == "0 1000 1\n1 100000 65536\n");
}

TEST_CASE("id maps need a user namespace; offsets a time namespace; --init a pid namespace") {
    auto o = with_ns("uts");
    o.uid_map = "0:0:1";
    CHECK(error_of(o, 0, 0) == "--uid-map/--gid-map need a user namespace: add --user (or user to --ns) [64]");
    auto t = with_ns("uts");
    t.uptime_offset = "1d";
    CHECK(error_of(t, 0, 0) == "--uptime-offset needs a time namespace: add time to --ns [64]");
    auto i = with_ns("uts,mount");
    i.init = true;
    CHECK(error_of(i, 0, 0) == "--init needs a PID namespace (it runs as PID 1): add pid to --ns [64]");
}

TEST_CASE("parse_duration") {
    CHECK(parse_duration("45", "--uptime-offset") == 45);
    CHECK(parse_duration("45s", "--uptime-offset") == 45);
    CHECK(parse_duration("90m", "--uptime-offset") == 5400);
    CHECK(parse_duration("3h", "--uptime-offset") == 10800);
    CHECK(parse_duration("10d", "--uptime-offset") == 864000);
    CHECK(parse_duration("-60s", "--uptime-offset") == -60);
    for (const char* bad : {"", "d", "1.5d", "10y", "1 d", "999999999d"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_duration(bad, "--uptime-offset"), InputError);
    }
    try {
        parse_duration("10y", "--uptime-offset");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) == "--uptime-offset '10y' is not a duration: write a whole number of seconds "
                                       "or one with s, m, h or d, e.g. 10d");
    }
}

TEST_CASE("clone_flags: one CLONE_NEW* per name; time is unshared by the child instead") {
    CHECK(clone_flags({"uts"}) == CLONE_NEWUTS);
    CHECK(clone_flags({"mount", "pid"}) == (CLONE_NEWNS | CLONE_NEWPID));
    CHECK(clone_flags({"time"}) == 0);
    auto all = clone_flags({"uts", "pid", "mount", "ipc", "net", "user", "cgroup", "time"});
    CHECK(all == (CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER |
                  CLONE_NEWCGROUP));
}

TEST_CASE("--hostname has 1 to 64 characters") {
    NsOptions o;
    o.hostname = std::string(65, 'x');
    CHECK(error_of(o, 0, 0).rfind("--hostname 'xxx", 0) == 0);
    o.hostname = "";
    CHECK(error_of(o, 0, 0).find("1 to 64 characters") != std::string::npos);
    o.hostname = std::string(64, 'x');
    CHECK(error_of(o, 0, 0) == "no error");
}

TEST_CASE("a user namespace with a mount namespace needs a PID namespace (for /proc)") {
    CHECK(error_of(with_ns("user,mount"), 1000, 1000) ==
          "--ns user,mount: in a user namespace /proc can be mounted only for a PID namespace of its own: "
          "add pid to --ns [64]");
    auto o = with_ns("mount,uts");
    o.user = true;
    CHECK(error_of(o, 0, 0).find("add pid to --ns") != std::string::npos);
    CHECK(error_of(with_ns("user,mount,pid"), 1000, 1000) == "no error");
    CHECK(error_of(with_ns("user,uts"), 1000, 1000) == "no error");  // no mount namespace: no /proc
}
