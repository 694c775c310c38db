/// @file oci.hpp
/// @brief Stage 05: an OCI bundle's config.json as typed structs (runtime-spec config.md,
/// config-linux.md). Unknown fields are ignored, as the spec says; an invalid value is an
/// InputError (kExitBadData) naming its JSON path: `config.json: .process.args: expected an array`.
/// @ingroup runtime
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// @defgroup runtime 05-full-runtime: an OCI runtime
/// config.json, container state, the create/start lifecycle, hooks and the console socket.

namespace box::oci {

using Json = nlohmann::json;

/// The runtime-spec version this runtime implements (written by `box spec`, reported in state).
inline constexpr const char* kOciVersion = "1.0.2";

/// process.user
struct User {
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::optional<std::uint32_t> umask;
    std::vector<std::uint32_t> additional_gids;
};

/// One entry of process.rlimits: `{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}`.
struct Rlimit {
    std::string type;  ///< as written, e.g. "RLIMIT_NOFILE"
    int resource = 0;  ///< the RLIMIT_* number
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

/// process.capabilities: each set as capability numbers (CAP_* validated while parsing).
struct Capabilities {
    std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

struct Process {
    bool terminal = false;
    unsigned console_height = 0, console_width = 0;
    std::vector<std::string> args;  ///< never empty
    std::vector<std::string> env;
    std::string cwd = "/";
    User user;
    std::optional<Capabilities> capabilities;  ///< absent: keep what the runtime has
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::optional<int> oom_score_adj;
    std::string apparmor_profile;
    std::string selinux_label;
};

/// One entry of mounts, with its options split into mount(2) flags and data.
struct Mount {
    std::string destination;  ///< absolute path inside the container
    std::string type;         ///< "bind" when absent and the options say bind/rbind
    std::string source;
    std::vector<std::string> options;  ///< as written
    unsigned long flags = 0;           ///< MS_* from the options (MS_RDONLY, MS_NOSUID, MS_BIND...)
    unsigned long propagation = 0;     ///< MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC)
    std::string data;                  ///< the options mount(2) does not know as flags, comma-joined
    bool bind() const noexcept;        ///< a bind mount (type "bind" or a bind/rbind option)
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;  ///< seconds, > 0
};

struct Hooks {
    std::vector<Hook> prestart;  ///< deprecated: run where createRuntime runs
    std::vector<Hook> create_runtime, create_container, start_container, poststart, poststop;
};

/// linux.namespaces: a new namespace, or an existing one joined by path.
struct Namespace {
    std::string type;  ///< pid, network, mount, ipc, uts, user, cgroup, time
    int flag = 0;      ///< CLONE_NEW*
    std::string path;  ///< empty: create a new one
};

struct IdMapping {
    std::uint32_t container_id = 0, host_id = 0, size = 0;
};

/// linux.devices: a device node to create in the container's /dev.
struct Device {
    std::string path, type;  ///< type: c, b, u or p
    std::int64_t major = 0, minor = 0;
    std::optional<std::uint32_t> file_mode, uid, gid;
};

/// linux.resources.devices: one allow/deny rule of the device cgroup.
struct DeviceRule {
    bool allow = false;
    std::string type = "a";  ///< a, c or b
    std::optional<std::int64_t> major, minor;
    std::string access = "rwm";
};

struct Resources {
    std::optional<std::int64_t> memory_limit, memory_reservation, memory_swap;
    std::optional<std::int64_t> pids_limit;
    std::optional<std::uint64_t> cpu_shares, cpu_period;
    std::optional<std::int64_t> cpu_quota;
    std::string cpus, mems;
    std::vector<DeviceRule> devices;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings, gid_mappings;
    std::vector<Device> devices;
    std::string cgroups_path;  ///< "" (box/ID), "/a/b" (below each hierarchy's root) or "a/b" (below box's own group); normalized
    std::optional<Resources> resources;
    std::map<std::string, std::string> sysctl;
    std::optional<Json> seccomp;  ///< handed to stage 04's loader as it is
    std::vector<std::string> masked_paths, readonly_paths;
    std::string rootfs_propagation;  ///< "", private, rprivate, slave, rslave, shared, rshared, unbindable
    unsigned long rootfs_propagation_flags = 0;
    std::string mount_label;

    /// The namespace entry of @p type, or nullptr.
    const Namespace* find(std::string_view type) const;
};

struct Config {
    std::string oci_version;
    Process process;
    std::string root_path;  ///< relative paths are relative to the bundle
    bool root_readonly = false;
    std::string hostname, domainname;
    std::vector<Mount> mounts;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    Linux linux;
};

/// Parse config.json text. @p source names the file in error messages ("config.json").
/// Throws InputError(kExitBadData) naming the JSON path of the first invalid value.
Config parse_config(std::string_view text, std::string_view source = "config.json");

/// Parse one "process" object (as `box exec --process FILE` takes it).
Process parse_process_json(std::string_view text, std::string_view source);

/// Read and parse BUNDLE/config.json (kExitNoInput when the bundle or the file is missing).
Config load_config(const std::string& bundle);

/// The text of BUNDLE/config.json (kExitNoInput when the bundle or the file is missing).
std::string read_config_text(const std::string& bundle);

/// The config `box spec` writes: busybox's sh, runc's default mounts, masked and read-only
/// paths and three capabilities. @p rootless adds a user namespace mapping the caller's ids.
Json default_spec(bool rootless, std::uint32_t uid, std::uint32_t gid);

/// CAP_CHOWN -> 0 ... ; -1 when unknown.
int capability_number(std::string_view name);
/// 0 -> "CAP_CHOWN" ... ; "" when unknown.
std::string_view capability_name(int number);
/// RLIMIT_NOFILE -> 7 ... ; -1 when unknown.
int rlimit_number(std::string_view name);

}  // namespace box::oci
