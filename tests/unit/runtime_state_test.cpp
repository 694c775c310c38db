// Unit tests for stage 05's container state (05-full-runtime/state.cpp): ids, the state JSON,
// the state directory with its lock, and status from a process that is gone. No root needed.
#include <doctest/doctest.h>

#include "error.hpp"
#include "runtime.hpp"
#include "state.hpp"
#include "temp_dir.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

using namespace box;

namespace {
// Save a state with this id and bundle in @p dir.
void save_state(const StateDir& dir, const std::string& id, const std::string& bundle) {
    ContainerState s;
    s.id = id;
    s.bundle = bundle;
    dir.save(s);
}
}  // namespace

TEST_CASE("container ids: letters, digits and _ . + -, not . or ..") {
    CHECK_NOTHROW(check_id("abc-1.2_3+x"));
    CHECK_NOTHROW(check_id(std::string(64, 'f')));
    for (const char* bad : {"", ".", "..", "a/b", "a b", "ä"}) {
        CHECK_THROWS_AS(check_id(bad), InputError);
    }
    try {
        check_id("a/b");
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitUsage);
        CHECK(std::string(e.what()) == "container id 'a/b' is not valid: use 1-1024 letters, digits and _ . + -");
    }
}

TEST_CASE("state JSON: the spec's fields, runc's extras, our private ones only when stored") {
    ContainerState s;
    s.id = "c1";
    s.status = "created";
    s.pid = 42;
    s.bundle = "/b";
    s.annotations = {{"k", "v"}};
    s.rootfs = "/b/rootfs";
    s.created = "2026-01-01T00:00:00.000000000Z";
    s.pid_start = 777;
    s.cgroups = {"/sys/fs/cgroup/memory/box/c1", "/sys/fs/cgroup/pids/box/c1"};
    s.cgroup_owned = {"/sys/fs/cgroup/memory/box", "/sys/fs/cgroup/memory/box/c1"};
    auto j = state_json(s);
    CHECK(j["ociVersion"] == oci::kOciVersion);
    CHECK(j["id"] == "c1");
    CHECK(j["status"] == "created");
    CHECK(j["pid"] == 42);
    CHECK(j["bundle"] == "/b");
    CHECK(j["annotations"]["k"] == "v");
    CHECK(j["rootfs"] == "/b/rootfs");
    CHECK(j.contains("created"));
    CHECK_FALSE(j.contains("boxPidStart"));
    auto back = parse_stored(stored_json(s).dump(), "state.json");
    CHECK(back.pid_start == 777);
    CHECK(back.cgroups == s.cgroups);
    CHECK(back.cgroup_owned == s.cgroup_owned);
    CHECK(back.annotations == s.annotations);
    CHECK_THROWS_AS(parse_stored("{\"id\": 3}", "state.json"), InputError);
    CHECK_THROWS_AS(parse_stored("not json", "state.json"), InputError);
}

TEST_CASE("RFC 3339 time with nanoseconds, UTC") {
    auto t = rfc3339_now();
    CHECK(t.size() == 30);
    CHECK(t[4] == '-');
    CHECK(t[10] == 'T');
    CHECK(t.back() == 'Z');
    // the same calendar as gmtime(3), on days that trip up date arithmetic
    for (time_t sec : {time_t{0}, time_t{951782400} /* 2000-02-29 */, time_t{1709251199} /* 2024-02-29 23:59:59 */,
                       time_t{4107542400} /* 2100-03-01 */, time_t{1795580625}}) {
        CAPTURE(sec);
        tm g{};
        ::gmtime_r(&sec, &g);
        char want[32];
        std::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &g);
        CHECK(rfc3339(timespec{sec, 5}) == std::string(want) + ".000000005Z");
    }
}

TEST_CASE("state directory: create, duplicate refused, open, remove; a failed create leaves nothing") {
    TempDir t("state");
    auto root = t.path.string();
    {
        auto dir = StateDir::create(root, "c1");
        save_state(dir, "c1", "/b");
        dir.keep();
    }
    CHECK(std::filesystem::exists(root + "/c1/state.json"));
    CHECK_THROWS_WITH_AS(StateDir::create(root, "c1"), "container 'c1' already exists", InputError);
    {
        auto dir = StateDir::open(root, "c1");
        CHECK(dir.load().bundle == "/b");
        CHECK(dir.live_status(dir.load()) == "creating");
        dir.remove();
    }
    CHECK_FALSE(std::filesystem::exists(root + "/c1"));
    try {
        StateDir::open(root, "c1");
        FAIL("no throw");
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitNoInput);
    }
    { auto dir = StateDir::create(root, "c2"); }  // no keep(): undone
    CHECK_FALSE(std::filesystem::exists(root + "/c2"));
}

TEST_CASE("state directory: a second save replaces state.json and leaves no temporary file behind") {
    TempDir t("state");
    auto root = t.path.string();
    auto dir = StateDir::create(root, "c");
    save_state(dir, "c", "/first");   // nothing to replace yet
    save_state(dir, "c", "/second");  // swapped in (RENAME_EXCHANGE), the old file unlinked
    CHECK(dir.load().bundle == "/second");
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
    CHECK(names == std::vector<std::string>{"state.json"});
    dir.remove();
}

TEST_CASE("live status: created while the fifo exists, running after, stopped once the process is gone") {
    TempDir t("state");
    auto root = t.path.string();
    auto dir = StateDir::create(root, "c");
    pid_t child = ::fork();
    if (child == 0) { ::pause(); ::_exit(0); }
    ContainerState s;
    s.id = "c";
    s.status = "created";
    s.pid = child;
    s.pid_start = process_start_time(child);
    CHECK(s.pid_start != 0);
    std::FILE* f = std::fopen(dir.file("exec.fifo").c_str(), "w");
    std::fclose(f);
    CHECK(dir.live_status(s) == "created");
    std::filesystem::remove(dir.file("exec.fifo"));
    CHECK(dir.live_status(s) == "running");
    ContainerState reused = s;
    reused.pid_start = s.pid_start + 1;  // same pid, another process: not ours
    CHECK(dir.live_status(reused) == "stopped");
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    CHECK(dir.live_status(s) == "stopped");
}

TEST_CASE("signals by name or number") {
    CHECK(parse_signal("TERM") == SIGTERM);
    CHECK(parse_signal("SIGKILL") == SIGKILL);
    CHECK(parse_signal("sigint") == SIGINT);
    CHECK(parse_signal("9") == 9);
    CHECK_THROWS_AS(parse_signal("NOPE"), InputError);
    CHECK_THROWS_AS(parse_signal("0"), InputError);
    CHECK_THROWS_AS(parse_signal("99999"), InputError);
}

TEST_CASE("features JSON lists what box does") {
    auto f = features_json();
    CHECK(f["ociVersionMax"] == oci::kOciVersion);
    CHECK(f["linux"]["seccomp"]["enabled"] == true);
    CHECK(f["linux"]["capabilities"][0] == "CAP_CHOWN");
}
