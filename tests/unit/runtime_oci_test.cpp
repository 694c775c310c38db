// Unit tests for stage 05's config.json parser (05-full-runtime/oci.cpp): typed values, every
// invalid value an error naming its JSON path, unknown fields ignored, `box spec` parses back.
#include <doctest/doctest.h>

#include "error.hpp"
#include "oci.hpp"

#include <fmt/format.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <string>

using namespace box;
using oci::Json;

namespace {

// A minimal valid config, to which a test applies one change (a JSON merge patch).
Json minimal() {
    return Json::parse(R"({"ociVersion": "1.0.2",
        "process": {"args": ["sh"], "cwd": "/"},
        "root": {"path": "rootfs"}})");
}

oci::Config parse(const Json& j) { return oci::parse_config(j.dump()); }

// The message of the error parsing @p patch (merged into minimal()) raises, "" if none.
std::string error_of(const std::string& patch) {
    Json j = minimal();
    j.merge_patch(Json::parse(patch));
    try {
        parse(j);
    } catch (const InputError& e) {
        CHECK(e.exit_code() == kExitBadData);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("a minimal config parses with the spec's defaults") {
    auto c = parse(minimal());
    CHECK(c.oci_version == "1.0.2");
    CHECK(c.process.args == std::vector<std::string>{"sh"});
    CHECK(c.process.cwd == "/");
    CHECK(c.process.user.uid == 0);
    CHECK_FALSE(c.process.terminal);
    CHECK_FALSE(c.process.capabilities.has_value());
    CHECK(c.root_path == "rootfs");
    CHECK_FALSE(c.root_readonly);
    CHECK(c.mounts.empty());
    CHECK(c.linux.namespaces.empty());
    CHECK_FALSE(c.linux.resources.has_value());
}

TEST_CASE("process fields become typed values") {
    Json j = minimal();
    j.merge_patch(Json::parse(R"({"process": {"terminal": true, "consoleSize": {"height": 24, "width": 80},
        "env": ["A=1"], "cwd": "/tmp",
        "user": {"uid": 1000, "gid": 100, "umask": 18, "additionalGids": [5, 6]},
        "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"], "ambient": []},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}],
        "noNewPrivileges": true, "oomScoreAdj": -17, "apparmorProfile": "p", "selinuxLabel": "l"}})"));
    auto p = parse(j).process;
    CHECK(p.terminal);
    CHECK(p.console_height == 24);
    CHECK(p.console_width == 80);
    CHECK(p.env == std::vector<std::string>{"A=1"});
    CHECK(p.cwd == "/tmp");
    CHECK(p.user.uid == 1000);
    CHECK(p.user.gid == 100);
    CHECK(p.user.umask == 18u);
    CHECK(p.user.additional_gids == std::vector<std::uint32_t>{5, 6});
    REQUIRE(p.capabilities.has_value());
    CHECK(p.capabilities->bounding == std::vector<int>{5, 0});
    CHECK(p.capabilities->effective.empty());
    REQUIRE(p.rlimits.size() == 1);
    CHECK(p.rlimits[0].resource == RLIMIT_NOFILE);
    CHECK(p.rlimits[0].soft == 100);
    CHECK(p.rlimits[0].hard == 200);
    CHECK(p.no_new_privileges);
    CHECK(p.oom_score_adj == -17);
    CHECK(p.apparmor_profile == "p");
    CHECK(p.selinux_label == "l");
}

TEST_CASE("mount options split into flags, propagation and data") {
    Json j = minimal();
    j["mounts"] = Json::parse(R"([
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/data", "source": "/srv", "options": ["rbind", "ro", "rprivate"]},
        {"destination": "/x", "type": "bind", "source": "/y", "options": ["rw", "nodev", "dev"]}])");
    auto m = parse(j).mounts;
    REQUIRE(m.size() == 3);
    CHECK(m[0].flags == (MS_NOSUID | MS_STRICTATIME));
    CHECK(m[0].data == "mode=755,size=65536k");
    CHECK_FALSE(m[0].bind());
    CHECK(m[1].type == "bind");
    CHECK(m[1].bind());
    CHECK(m[1].flags == (MS_BIND | MS_REC | MS_RDONLY));
    CHECK(m[1].propagation == (MS_PRIVATE | MS_REC));
    CHECK(m[2].flags == MS_BIND);  // "dev" after "nodev" clears it again
}

TEST_CASE("linux: namespaces, mappings, devices, resources, sysctl, paths") {
    Json j = minimal();
    j["linux"] = Json::parse(R"({
        "namespaces": [{"type": "pid"}, {"type": "network", "path": "/proc/1/ns/net"}, {"type": "time"}],
        "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}],
        "cgroupsPath": "/box/test",
        "resources": {"memory": {"limit": 67108864, "swap": -1}, "pids": {"limit": 20},
                      "cpu": {"quota": 50000, "period": 100000, "cpus": "0"},
                      "devices": [{"allow": false, "access": "rwm"}]},
        "sysctl": {"net.ipv4.ip_forward": "0"},
        "seccomp": {"defaultAction": "SCMP_ACT_ALLOW"},
        "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
        "rootfsPropagation": "rslave"})");
    auto l = parse(j).linux;
    REQUIRE(l.namespaces.size() == 3);
    CHECK(l.namespaces[0].flag == CLONE_NEWPID);
    CHECK(l.find("network")->path == "/proc/1/ns/net");
    CHECK(l.find("user") == nullptr);
    CHECK(l.uid_mappings[0].host_id == 100000);
    CHECK(l.gid_mappings[0].size == 65536);
    CHECK(l.devices[0].major == 10);
    CHECK(l.devices[0].file_mode == 438u);
    CHECK(l.cgroups_path == "/box/test");
    REQUIRE(l.resources.has_value());
    CHECK(l.resources->memory_limit == 67108864);
    CHECK(l.resources->memory_swap == -1);
    CHECK(l.resources->pids_limit == 20);
    CHECK(l.resources->cpu_quota == 50000);
    CHECK(l.resources->cpu_period == 100000u);
    CHECK(l.resources->cpus == "0");
    CHECK_FALSE(l.resources->devices[0].allow);
    CHECK(l.sysctl.at("net.ipv4.ip_forward") == "0");
    CHECK((*l.seccomp)["defaultAction"] == "SCMP_ACT_ALLOW");
    CHECK(l.masked_paths == std::vector<std::string>{"/proc/kcore"});
    CHECK(l.rootfs_propagation_flags == (MS_SLAVE | MS_REC));
}

TEST_CASE("hooks and annotations") {
    Json j = minimal();
    j["hooks"] = Json::parse(R"({"createRuntime": [{"path": "/bin/a", "args": ["a", "x"], "env": ["E=1"], "timeout": 5}],
                                 "poststop": [{"path": "/bin/b"}], "prestart": [{"path": "/bin/c"}]})");
    j["annotations"] = {{"org.example.key", "value"}};
    auto c = parse(j);
    REQUIRE(c.hooks.create_runtime.size() == 1);
    CHECK(c.hooks.create_runtime[0].args == std::vector<std::string>{"a", "x"});
    CHECK(c.hooks.create_runtime[0].timeout == 5);
    CHECK(c.hooks.poststop[0].path == "/bin/b");
    CHECK(c.hooks.prestart[0].path == "/bin/c");
    CHECK(c.annotations.at("org.example.key") == "value");
}

TEST_CASE("unknown fields are ignored and null counts as absent") {
    CHECK(error_of(R"({"futureField": {"x": [1, 2]}, "process": {"newThing": 1}, "linux": {"intelRdt": {}}})") == "");
    CHECK(error_of(R"({"hostname": null, "linux": {"resources": null}})") == "");
}

TEST_CASE("every invalid value is an error naming its JSON path") {
    CHECK(error_of(R"({"linux": {"resources": {"memory": {"limit": "64M"}}}})") ==
          "config.json: .linux.resources.memory.limit: expected a number");
    CHECK(error_of(R"({"linux": {"resources": {"memory": {"limit": 1.5}}}})") ==
          "config.json: .linux.resources.memory.limit: expected a whole number");
    CHECK(error_of(R"({"process": {"args": "sh"}})") == "config.json: .process.args: expected an array");
    CHECK(error_of(R"({"process": {"args": []}})").starts_with("config.json: .process.args: is empty"));
    CHECK(error_of(R"({"process": {"args": ["sh", 3]}})") == "config.json: .process.args[1]: expected a string");
    CHECK(error_of(R"({"process": {"cwd": "tmp"}})") == "config.json: .process.cwd: 'tmp' is not an absolute path");
    CHECK(error_of(R"({"process": {"user": {"uid": -1, "gid": 0}}})").starts_with("config.json: .process.user.uid: -1 is out of range"));
    CHECK(error_of(R"({"process": {"user": {"uid": 4294967296, "gid": 0}}})").starts_with("config.json: .process.user.uid: 4294967296 is out of range"));
    CHECK(error_of(R"({"process": {"user": {"gid": 0}}})") == "config.json: .process.user.uid: is required");
    CHECK(error_of(R"({"process": {"terminal": "yes"}})") == "config.json: .process.terminal: expected true or false");
    CHECK(error_of(R"({"process": {"capabilities": {"bounding": ["CAP_NOPE"]}}})")
              .starts_with("config.json: .process.capabilities.bounding[0]: 'CAP_NOPE' is not a capability"));
    CHECK(error_of(R"({"process": {"rlimits": [{"type": "RLIMIT_X", "soft": 1, "hard": 1}]}})")
              .starts_with("config.json: .process.rlimits[0].type: 'RLIMIT_X' is not a resource limit"));
    CHECK(error_of(R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 2, "hard": 1}]}})")
              == "config.json: .process.rlimits[0]: soft limit 2 is above the hard limit 1");
    CHECK(error_of(R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1}]}})")
              .starts_with("config.json: .process.rlimits[0].soft: -1 is negative"));
    CHECK(error_of(R"({"process": {"oomScoreAdj": 5000}})").starts_with("config.json: .process.oomScoreAdj: 5000 is out of range"));
    CHECK(error_of(R"({"root": {"path": 7}})") == "config.json: .root.path: expected a string");
    CHECK(error_of(R"({"mounts": [{"destination": "/x"}]})").starts_with("config.json: .mounts[0]: has no type"));
    CHECK(error_of(R"({"mounts": [{"destination": "x", "type": "tmpfs"}]})") == "config.json: .mounts[0].destination: 'x' is not an absolute path");
    CHECK(error_of(R"({"mounts": {"destination": "/x"}})") == "config.json: .mounts: expected an array");
    CHECK(error_of(R"({"hooks": {"poststart": [{"path": "/bin/x", "timeout": 0}]}})")
              .starts_with("config.json: .hooks.poststart[0].timeout: 0 is out of range"));
    CHECK(error_of(R"({"linux": {"namespaces": [{"type": "pids"}]}})")
              .starts_with("config.json: .linux.namespaces[0].type: 'pids' is not a namespace type"));
    CHECK(error_of(R"({"linux": {"namespaces": [{"type": "pid"}, {"type": "pid"}]}})") ==
          "config.json: .linux.namespaces[1]: namespace 'pid' is listed twice");
    CHECK(error_of(R"({"linux": {"uidMappings": [{"containerID": 0, "hostID": 0, "size": 0}]}})")
              .starts_with("config.json: .linux.uidMappings[0].size: is 0"));
    CHECK(error_of(R"({"linux": {"devices": [{"path": "/dev/x", "type": "z", "major": 1, "minor": 1}]}})")
              .starts_with("config.json: .linux.devices[0].type: 'z' is not a device type"));
    CHECK(error_of(R"({"linux": {"resources": {"devices": [{"allow": true, "access": "rwx"}]}}})")
              .starts_with("config.json: .linux.resources.devices[0].access: 'rwx'"));
    CHECK(error_of(R"({"linux": {"sysctl": {"kernel.x": 1}}})") == "config.json: .linux.sysctl.kernel.x: expected a string");
    // sysctl: only the ones a namespace of the container's own keeps apart from the host (runc's rule)
    CHECK(error_of(R"({"linux": {"sysctl": {"vm.overcommit_memory": "1"}}})") ==
          "config.json: .linux.sysctl.vm.overcommit_memory: 'vm.overcommit_memory' is not kept apart by any "
          "namespace: setting it would change the host's kernel");
    CHECK(error_of(R"({"linux": {"sysctl": {"net.ipv4.ip_forward": "1"}}})")
              .starts_with("config.json: .linux.sysctl.net.ipv4.ip_forward: 'net.ipv4.ip_forward' is kept per network namespace"));
    CHECK(error_of(R"({"linux": {"sysctl": {"kernel.msgmax": "1"}, "namespaces": [{"type": "uts"}]}})")
              .starts_with("config.json: .linux.sysctl.kernel.msgmax: 'kernel.msgmax' is kept per IPC namespace"));
    CHECK(error_of(R"({"linux": {"sysctl": {"net/../../vm": "1"}, "namespaces": [{"type": "network"}]}})")
              .starts_with("config.json: .linux.sysctl.net/../../vm: 'net/../../vm' is not a sysctl name"));
    for (auto ok : {R"({"kernel.shmmax": "1", "fs.mqueue.msg_max": "10"}, "namespaces": [{"type": "ipc"}])",
                    R"({"kernel.domainname": "x"}, "namespaces": [{"type": "uts"}])"}) {
        Json j = minimal();
        j["linux"] = Json::parse(std::string(R"({"sysctl": )") + ok + "}");
        CHECK_NOTHROW(parse(j));
    }
    CHECK(error_of(R"({"linux": {"rootfsPropagation": "sideways"}})")
              .starts_with("config.json: .linux.rootfsPropagation: 'sideways' is not a propagation"));
    CHECK(error_of(R"({"annotations": {"a": 1}})") == "config.json: .annotations.a: expected a string");
}

TEST_CASE("hostname and domainname need a uts namespace of the container's own, never the host's") {
    CHECK(error_of(R"({"hostname": "h"})") ==
          "config.json: .hostname: needs the container's own uts namespace, or it would change the host's: "
          "add {\"type\": \"uts\"} to .linux.namespaces");
    CHECK(error_of(R"({"domainname": "d", "linux": {"namespaces": [{"type": "pid"}]}})")
              .starts_with("config.json: .domainname: needs the container's own uts namespace"));
    CHECK(error_of(R"({"hostname": "h", "linux": {"namespaces": [{"type": "uts"}]}})") == "");
    CHECK(error_of(R"({"hostname": "h", "linux": {"namespaces": [{"type": "uts", "path": "/proc/1/ns/uts"}]}})") == "");
}

TEST_CASE("ociVersion is a version of runtime-spec 1.x") {
    for (auto v : {"1.0.0", "1.0.2", "1.0.2-dev", "1.2.0", "1.1.0-rc.1+build.5"})
        CHECK_MESSAGE(error_of(fmt::format(R"({{"ociVersion": "{}"}})", v)) == "", v);
    CHECK(error_of(R"({"ociVersion": "invalid"})") ==
          "config.json: .ociVersion: 'invalid' is not a version: expected MAJOR.MINOR.PATCH, e.g. \"1.0.2\"");
    for (auto v : {"1.0", "1.0.2.", "01.0.2", "1.0.2-", "1.0.2-a..b", "1.0.2 ", "v1.0.2", ""})
        CHECK_MESSAGE(error_of(fmt::format(R"({{"ociVersion": "{}"}})", v)).find("is not a version") != std::string::npos, v);
    CHECK(error_of(R"({"ociVersion": "2.0.0"})") == "config.json: .ociVersion: '2.0.0': box implements runtime-spec 1.x");
}

TEST_CASE("missing required members and non-JSON input") {
    CHECK_THROWS_WITH_AS(oci::parse_config("{"), "config.json: not valid JSON", InputError);
    CHECK_THROWS_WITH_AS(oci::parse_config("[]"), "config.json: .: expected an object", InputError);
    CHECK_THROWS_WITH_AS(oci::parse_config(R"({"ociVersion": "1.0.2", "root": {"path": "r"}})"),
                         "config.json: .process: is required", InputError);
    CHECK_THROWS_WITH_AS(oci::parse_config(R"({"process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "r"}})", "b/config.json"),
                         "b/config.json: .ociVersion: is required", InputError);
}

TEST_CASE("box spec's default config parses back, rootful and rootless") {
    auto c = oci::parse_config(oci::default_spec(false, 0, 0).dump());
    CHECK(c.process.args == std::vector<std::string>{"sh"});
    CHECK(c.root_readonly);
    CHECK(c.linux.find("network") != nullptr);
    CHECK(c.linux.find("user") == nullptr);
    CHECK(c.linux.masked_paths.size() == 10);
    CHECK(c.process.capabilities->bounding.size() == 3);
    auto r = oci::parse_config(oci::default_spec(true, 1000, 1000).dump());
    CHECK(r.linux.find("user") != nullptr);
    CHECK(r.linux.find("network") == nullptr);
    CHECK(r.linux.uid_mappings.at(0).host_id == 1000);
}

TEST_CASE("capability and rlimit names") {
    CHECK(oci::capability_number("CAP_CHOWN") == 0);
    CHECK(oci::capability_number("CAP_SYS_ADMIN") == 21);
    CHECK(oci::capability_number("CAP_CHECKPOINT_RESTORE") == 40);
    CHECK(oci::capability_number("CAP_NOPE") == -1);
    CHECK(oci::capability_name(21) == "CAP_SYS_ADMIN");
    CHECK(oci::rlimit_number("RLIMIT_NOFILE") == RLIMIT_NOFILE);
    CHECK(oci::rlimit_number("RLIMIT_RTTIME") == RLIMIT_RTTIME);
}
