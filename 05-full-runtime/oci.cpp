#include "oci.hpp"

#include "error.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace box::oci {

namespace {

// A value inside the document and the JSON path that leads to it (".process.args[0]").
// Every accessor either returns a typed value or throws an error naming that path.
struct At {
    const Json& j;
    std::string path;
    std::string_view source;

    [[noreturn]] void fail(std::string_view what) const {
        throw InputError(kExitBadData, fmt::format("{}: {}: {}", source, path.empty() ? "." : path, what),
                         "fix the value in the bundle's config.json (see the OCI runtime-spec, config.md)");
    }
    // A member, or nullptr when absent or null (null counts as absent, as Go engines write it).
    std::optional<At> get(std::string_view key) const {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) return std::nullopt;
        return At{*it, path + "." + std::string(key), source};
    }
    At need(std::string_view key) const {
        if (auto a = get(key)) return *a;
        At{j, path + "." + std::string(key), source}.fail("is required");
    }
    At item(std::size_t i) const { return At{j[i], fmt::format("{}[{}]", path, i), source}; }

    const Json& object() const { if (!j.is_object()) fail("expected an object"); return j; }
    const Json& array() const { if (!j.is_array()) fail("expected an array"); return j; }
    std::string str() const { if (!j.is_string()) fail("expected a string"); return j.get<std::string>(); }
    bool boolean() const { if (!j.is_boolean()) fail("expected true or false"); return j.get<bool>(); }
    std::int64_t i64(std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                     std::int64_t max = std::numeric_limits<std::int64_t>::max()) const {
        if (!j.is_number()) fail("expected a number");
        if (!j.is_number_integer()) fail("expected a whole number");
        if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
            fail(fmt::format("{} is out of range (at most {})", j.get<std::uint64_t>(), max));
        auto v = j.is_number_unsigned() ? static_cast<std::int64_t>(j.get<std::uint64_t>()) : j.get<std::int64_t>();
        if (v < min || v > max) fail(fmt::format("{} is out of range ({} to {})", v, min, max));
        return v;
    }
    std::uint64_t u64() const {
        if (!j.is_number()) fail("expected a number");
        if (!j.is_number_integer()) fail("expected a whole number");
        if (!j.is_number_unsigned()) fail(fmt::format("{} is negative: expected a number >= 0", j.get<std::int64_t>()));
        return j.get<std::uint64_t>();
    }
    std::uint32_t u32() const { return static_cast<std::uint32_t>(i64(0, std::numeric_limits<std::uint32_t>::max())); }
    std::vector<std::string> strings() const {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < array().size(); ++i) out.push_back(item(i).str());
        return out;
    }
    std::string absolute_path() const {
        auto p = str();
        if (p.empty() || p[0] != '/') fail(fmt::format("'{}' is not an absolute path", p));
        return p;
    }
};

template <typename T, typename F>
std::vector<T> each(const std::optional<At>& a, F&& one) {
    std::vector<T> out;
    if (!a) return out;
    for (std::size_t i = 0; i < a->array().size(); ++i) out.push_back(one(a->item(i)));
    return out;
}

std::vector<std::string> strings_or_empty(const std::optional<At>& a) { return a ? a->strings() : std::vector<std::string>{}; }

constexpr std::array<std::string_view, 41> kCapabilities = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
    "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE"};

constexpr std::array<std::string_view, 16> kRlimits = {
    "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
    "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};

struct Flag {
    std::string_view name;
    bool clear;  // "rw", "suid", ...: clear the flag instead of setting it
    unsigned long flag;
};
constexpr Flag kMountFlags[] = {
    {"ro", false, MS_RDONLY},        {"rw", true, MS_RDONLY},         {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},       {"nodev", false, MS_NODEV},      {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},    {"exec", true, MS_NOEXEC},       {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS}, {"dirsync", false, MS_DIRSYNC},  {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},    {"nomand", true, MS_MANDLOCK},   {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},     {"nodiratime", false, MS_NODIRATIME}, {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME}, {"bind", false, MS_BIND}, {"rbind", false, MS_BIND | MS_REC},
};
constexpr Flag kPropagation[] = {
    {"private", false, MS_PRIVATE},         {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},           {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},             {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE},   {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

struct NsType {
    std::string_view name;
    int flag;
};
constexpr NsType kNamespaces[] = {
    {"pid", CLONE_NEWPID},   {"network", CLONE_NEWNET},   {"mount", CLONE_NEWNS}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"user", CLONE_NEWUSER},     {"cgroup", CLONE_NEWCGROUP}, {"time", 0x80 /* CLONE_NEWTIME */},
};

User parse_user(const At& a) {
    a.object();
    User u;
    u.uid = a.need("uid").u32();
    u.gid = a.need("gid").u32();
    if (auto m = a.get("umask")) u.umask = static_cast<std::uint32_t>(m->i64(0, 07777));
    u.additional_gids = each<std::uint32_t>(a.get("additionalGids"), [](const At& g) { return g.u32(); });
    return u;
}

Capabilities parse_capabilities(const At& a) {
    a.object();
    auto set = [&](std::string_view key) {
        return each<int>(a.get(key), [](const At& c) {
            int n = capability_number(c.str());
            if (n < 0) c.fail(fmt::format("'{}' is not a capability this runtime knows (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE)", c.str()));
            return n;
        });
    };
    return {set("bounding"), set("effective"), set("inheritable"), set("permitted"), set("ambient")};
}

Rlimit parse_rlimit(const At& a) {
    a.object();
    Rlimit r;
    auto t = a.need("type");
    r.type = t.str();
    r.resource = rlimit_number(r.type);
    if (r.resource < 0) t.fail(fmt::format("'{}' is not a resource limit (RLIMIT_NOFILE, RLIMIT_NPROC, ...)", r.type));
    r.soft = a.need("soft").u64();
    r.hard = a.need("hard").u64();
    if (r.soft > r.hard) a.fail(fmt::format("soft limit {} is above the hard limit {}", r.soft, r.hard));
    return r;
}

Process parse_process(const At& a) {
    a.object();
    Process p;
    if (auto t = a.get("terminal")) p.terminal = t->boolean();
    if (auto c = a.get("consoleSize")) {
        c->object();
        p.console_height = static_cast<unsigned>(c->need("height").i64(0, 65535));
        p.console_width = static_cast<unsigned>(c->need("width").i64(0, 65535));
    }
    auto args = a.need("args");
    p.args = args.strings();
    if (p.args.empty()) args.fail("is empty: name the program to run, e.g. [\"sh\"]");
    p.env = strings_or_empty(a.get("env"));
    p.cwd = a.need("cwd").absolute_path();
    if (auto u = a.get("user")) p.user = parse_user(*u);
    if (auto c = a.get("capabilities")) p.capabilities = parse_capabilities(*c);
    p.rlimits = each<Rlimit>(a.get("rlimits"), parse_rlimit);
    if (auto n = a.get("noNewPrivileges")) p.no_new_privileges = n->boolean();
    if (auto o = a.get("oomScoreAdj")) p.oom_score_adj = static_cast<int>(o->i64(-1000, 1000));
    if (auto s = a.get("apparmorProfile")) p.apparmor_profile = s->str();
    if (auto s = a.get("selinuxLabel")) p.selinux_label = s->str();
    return p;
}

Mount parse_mount(const At& a) {
    a.object();
    Mount m;
    m.destination = a.need("destination").absolute_path();
    if (auto t = a.get("type")) m.type = t->str();
    if (auto s = a.get("source")) m.source = s->str();
    auto opts = a.get("options");
    m.options = strings_or_empty(opts);
    for (std::size_t i = 0; i < m.options.size(); ++i) {
        const auto& o = m.options[i];
        bool known = false;
        for (const auto& f : kMountFlags)
            if (o == f.name) { known = true; m.flags = f.clear ? (m.flags & ~f.flag) : (m.flags | f.flag); }
        for (const auto& f : kPropagation)
            if (o == f.name) { known = true; m.propagation = f.flag; }
        if (!known && o != "tmpcopyup") m.data += (m.data.empty() ? "" : ",") + o;
    }
    if (m.type.empty() && !m.bind()) a.fail("has no type: give \"type\" (tmpfs, proc, ...) or a bind/rbind option");
    if (m.type.empty()) m.type = "bind";
    if (m.type == "bind") m.flags |= MS_BIND;
    return m;
}

Hook parse_hook(const At& a) {
    a.object();
    Hook h;
    h.path = a.need("path").absolute_path();
    h.args = strings_or_empty(a.get("args"));
    h.env = strings_or_empty(a.get("env"));
    if (auto t = a.get("timeout")) h.timeout = static_cast<int>(t->i64(1, 86400));
    return h;
}

Hooks parse_hooks(const At& a) {
    a.object();
    Hooks h;
    h.prestart = each<Hook>(a.get("prestart"), parse_hook);
    h.create_runtime = each<Hook>(a.get("createRuntime"), parse_hook);
    h.create_container = each<Hook>(a.get("createContainer"), parse_hook);
    h.start_container = each<Hook>(a.get("startContainer"), parse_hook);
    h.poststart = each<Hook>(a.get("poststart"), parse_hook);
    h.poststop = each<Hook>(a.get("poststop"), parse_hook);
    return h;
}

Namespace parse_namespace(const At& a) {
    a.object();
    Namespace n;
    auto t = a.need("type");
    n.type = t.str();
    bool known = false;
    for (const auto& k : kNamespaces)
        if (n.type == k.name) { known = true; n.flag = k.flag; }
    if (!known) t.fail(fmt::format("'{}' is not a namespace type (pid, network, mount, ipc, uts, user, cgroup, time)", n.type));
    if (auto p = a.get("path")) n.path = p->absolute_path();
    return n;
}

IdMapping parse_mapping(const At& a) {
    a.object();
    IdMapping m{a.need("containerID").u32(), a.need("hostID").u32(), a.need("size").u32()};
    if (m.size == 0) a.need("size").fail("is 0: a mapping must cover at least one id");
    return m;
}

Device parse_device(const At& a) {
    a.object();
    Device d;
    d.path = a.need("path").absolute_path();
    auto t = a.need("type");
    d.type = t.str();
    if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
        t.fail(fmt::format("'{}' is not a device type (c, b, u or p)", d.type));
    if (d.type != "p") {
        d.major = a.need("major").i64(0, 4095);
        d.minor = a.need("minor").i64(0, 1048575);
    }
    if (auto m = a.get("fileMode")) d.file_mode = static_cast<std::uint32_t>(m->i64(0, 07777));
    if (auto u = a.get("uid")) d.uid = u->u32();
    if (auto g = a.get("gid")) d.gid = g->u32();
    return d;
}

DeviceRule parse_device_rule(const At& a) {
    a.object();
    DeviceRule r;
    r.allow = a.need("allow").boolean();
    if (auto t = a.get("type")) {
        r.type = t->str();
        if (r.type != "a" && r.type != "c" && r.type != "b") t->fail(fmt::format("'{}' is not a, c or b", r.type));
    }
    if (auto m = a.get("major")) r.major = m->i64(-1, 4095);
    if (auto m = a.get("minor")) r.minor = m->i64(-1, 1048575);
    if (auto ac = a.get("access")) {
        r.access = ac->str();
        if (r.access.find_first_not_of("rwm") != std::string::npos)
            ac->fail(fmt::format("'{}' is not made of r, w and m", r.access));
    }
    return r;
}

Resources parse_resources(const At& a) {
    a.object();
    Resources r;
    if (auto m = a.get("memory")) {
        m->object();
        if (auto v = m->get("limit")) r.memory_limit = v->i64(-1);
        if (auto v = m->get("reservation")) r.memory_reservation = v->i64(-1);
        if (auto v = m->get("swap")) r.memory_swap = v->i64(-1);
    }
    if (auto p = a.get("pids")) {
        p->object();
        if (auto v = p->get("limit")) r.pids_limit = v->i64(-1);
    }
    if (auto c = a.get("cpu")) {
        c->object();
        if (auto v = c->get("shares")) r.cpu_shares = v->u64();
        if (auto v = c->get("quota")) r.cpu_quota = v->i64(-1);
        if (auto v = c->get("period")) r.cpu_period = v->u64();
        if (auto v = c->get("cpus")) r.cpus = v->str();
        if (auto v = c->get("mems")) r.mems = v->str();
    }
    r.devices = each<DeviceRule>(a.get("devices"), parse_device_rule);
    return r;
}

unsigned long propagation_flags(const At& a) {
    auto s = a.str();
    for (const auto& f : kPropagation)
        if (s == f.name) return f.flag;
    a.fail(fmt::format("'{}' is not a propagation (private, rprivate, slave, rslave, shared, rshared, unbindable)", s));
}

// A sysctl is written through the container's /proc/sys: only the ones a namespace of the
// container's own keeps apart from the host may be set (runc's list), else a config could change
// the whole machine's kernel settings. Call after the namespaces are parsed.
void check_sysctl(const Linux& l, const std::string& key, const At& at) {
    static const std::set<std::string> ipc = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                              "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
    auto needs = [&](std::string_view type, std::string_view name) {
        if (!l.find(type))
            at.fail(fmt::format("'{}' is kept per {} namespace: add {{\"type\": \"{}\"}} to .linux.namespaces", key, name, type));
    };
    if (key.find('/') != std::string::npos || key.find("..") != std::string::npos)
        at.fail(fmt::format("'{}' is not a sysctl name: write it with dots, e.g. net.ipv4.ip_forward", key));
    if (ipc.count(key) || key.rfind("fs.mqueue.", 0) == 0) return needs("ipc", "IPC");
    if (key.rfind("net.", 0) == 0) return needs("network", "network");
    if (key == "kernel.hostname" || key == "kernel.domainname") return needs("uts", "UTS");
    at.fail(fmt::format("'{}' is not kept apart by any namespace: setting it would change the host's kernel", key));
}

// linux.cgroupsPath as runc's cgroupfs driver reads it: "/a/b" below each hierarchy's root, "a/b"
// below box's own group; normalized ("a//b/" -> "a/b"). What would leave the group's parent
// ("..") or is meant for systemd ("slice:prefix:name") is refused.
std::string cgroups_path(const At& a) {
    auto p = a.str();
    if (p.empty()) return p;
    if (std::count(p.begin(), p.end(), ':') == 2)
        a.fail(fmt::format("'{}' is systemd's slice:prefix:name, for --systemd-cgroup, which box does not have "
                           "(it writes cgroupfs itself): give a path such as /box/NAME", p));
    std::string out = p[0] == '/' ? "/" : "";
    std::istringstream in(p);
    for (std::string part; std::getline(in, part, '/');) {
        if (part.empty()) continue;
        if (part == "." || part == "..")
            a.fail(fmt::format("'{}' has a '{}' component: give the path without it (a cgroup below the "
                               "hierarchy's root, e.g. /box/NAME)", p, part));
        out += (out.empty() || out == "/" ? "" : "/") + part;
    }
    if (out == "/") a.fail("'/' is the hierarchy's root cgroup itself: give a group below it, e.g. /box/NAME");
    return out;
}

Linux parse_linux(const At& a) {
    a.object();
    Linux l;
    l.namespaces = each<Namespace>(a.get("namespaces"), parse_namespace);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < l.namespaces.size(); ++i)
        if (!seen.insert(l.namespaces[i].type).second)
            a.need("namespaces").item(i).fail(fmt::format("namespace '{}' is listed twice", l.namespaces[i].type));
    l.uid_mappings = each<IdMapping>(a.get("uidMappings"), parse_mapping);
    l.gid_mappings = each<IdMapping>(a.get("gidMappings"), parse_mapping);
    l.devices = each<Device>(a.get("devices"), parse_device);
    if (auto c = a.get("cgroupsPath")) l.cgroups_path = cgroups_path(*c);
    if (auto r = a.get("resources")) l.resources = parse_resources(*r);
    if (auto s = a.get("sysctl")) {
        for (const auto& [k, v] : s->object().items()) {
            l.sysctl[k] = s->need(k).str();
            check_sysctl(l, k, s->need(k));
        }
    }
    if (auto s = a.get("seccomp")) l.seccomp = s->object();
    l.masked_paths = each<std::string>(a.get("maskedPaths"), [](const At& p) { return p.absolute_path(); });
    l.readonly_paths = each<std::string>(a.get("readonlyPaths"), [](const At& p) { return p.absolute_path(); });
    if (auto p = a.get("rootfsPropagation")) {
        l.rootfs_propagation = p->str();
        l.rootfs_propagation_flags = propagation_flags(*p);
    }
    if (auto m = a.get("mountLabel")) l.mount_label = m->str();
    return l;
}

// ociVersion is a SemVer 2.0 version (MAJOR.MINOR.PATCH[-pre][+build]) of runtime-spec 1.x: the
// spec wants an error for an invalid value rather than a guess.
void check_version(const At& at, const std::string& v) {
    std::size_t i = 0;
    auto number = [&] {
        std::size_t start = i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
        return i > start && (v[start] != '0' || i == start + 1);  // no leading zero
    };
    auto suffix = [&](char lead) {  // -pre or +build: dot-separated [0-9A-Za-z-]+
        if (i == v.size() || v[i] != lead) return true;
        for (std::size_t start = ++i;; start = ++i) {
            while (i < v.size() && (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '-')) ++i;
            if (i == start) return false;
            if (i == v.size() || v[i] != '.') return true;
        }
    };
    bool ok = number() && i < v.size() && v[i++] == '.' && number() && i < v.size() && v[i++] == '.' && number() &&
              suffix('-') && suffix('+') && i == v.size();
    if (!ok) at.fail(fmt::format("'{}' is not a version: expected MAJOR.MINOR.PATCH, e.g. \"{}\"", v, kOciVersion));
    if (!v.starts_with("1.")) at.fail(fmt::format("'{}': box implements runtime-spec 1.x", v));
}

// hostname and domainname are set in the container's UTS namespace: it must be its own (new or
// joined by path), or box would rename the host. (Sysctls: check_sysctl().)
void check_namespaced(const At& top, const Config& c) {
    for (auto key : {"hostname", "domainname"})
        if (auto at = top.get(key); at && !at->str().empty() && !c.linux.find("uts"))
            at->fail("needs the container's own uts namespace, or it would change the host's: "
                     "add {\"type\": \"uts\"} to .linux.namespaces");
}

}  // namespace

bool Mount::bind() const noexcept {
    if (type == "bind") return true;
    for (const auto& o : options)
        if (o == "bind" || o == "rbind") return true;
    return false;
}

const Namespace* Linux::find(std::string_view type) const {
    for (const auto& n : namespaces)
        if (n.type == type) return &n;
    return nullptr;
}

Config parse_config(std::string_view text, std::string_view source) {
    Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
        throw InputError(kExitBadData, fmt::format("{}: not valid JSON", source),
                         "check it with: jq . config.json");
    At top{doc, "", source};
    top.object();
    Config c;
    c.oci_version = top.need("ociVersion").str();
    check_version(top.need("ociVersion"), c.oci_version);
    c.process = parse_process(top.need("process"));
    auto root = top.need("root");
    root.object();
    c.root_path = root.need("path").str();
    if (c.root_path.empty()) root.need("path").fail("is empty: name the rootfs directory, e.g. \"rootfs\"");
    if (auto r = root.get("readonly")) c.root_readonly = r->boolean();
    if (auto h = top.get("hostname")) c.hostname = h->str();
    if (auto d = top.get("domainname")) c.domainname = d->str();
    c.mounts = each<Mount>(top.get("mounts"), parse_mount);
    if (auto h = top.get("hooks")) c.hooks = parse_hooks(*h);
    if (auto an = top.get("annotations"))
        for (const auto& [k, v] : an->object().items()) c.annotations[k] = an->need(k).str();
    if (auto l = top.get("linux")) c.linux = parse_linux(*l);
    check_namespaced(top, c);
    return c;
}

Process parse_process_json(std::string_view text, std::string_view source) {
    Json doc = Json::parse(text, nullptr, false);
    if (doc.is_discarded()) throw InputError(kExitBadData, fmt::format("{}: not valid JSON", source));
    return parse_process(At{doc, "", source});
}

std::string read_config_text(const std::string& bundle) {
    struct stat st{};
    if (::stat(bundle.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw InputError(kExitNoInput, fmt::format("bundle '{}' is not a directory", bundle),
                         "give --bundle the directory holding config.json and the rootfs (make one with: box spec)");
    std::string path = bundle + "/config.json";
    std::ifstream in(path);
    if (!in)
        throw InputError(kExitNoInput, fmt::format("{}: cannot be read", path),
                         "write one with `box spec` in the bundle directory");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Config load_config(const std::string& bundle) { return parse_config(read_config_text(bundle), bundle + "/config.json"); }

int capability_number(std::string_view name) {
    for (std::size_t i = 0; i < kCapabilities.size(); ++i)
        if (kCapabilities[i] == name) return static_cast<int>(i);
    return -1;
}

std::string_view capability_name(int number) {
    if (number < 0 || static_cast<std::size_t>(number) >= kCapabilities.size()) return {};
    return kCapabilities[static_cast<std::size_t>(number)];
}

int rlimit_number(std::string_view name) {
    for (std::size_t i = 0; i < kRlimits.size(); ++i)
        if (kRlimits[i] == name) return static_cast<int>(i);
    return -1;
}

Json default_spec(bool rootless, std::uint32_t uid, std::uint32_t gid) {
    Json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    Json spec = {
        {"ociVersion", kOciVersion},
        {"process",
         {{"terminal", false},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", {"sh"}},
          {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
          {"cwd", "/"},
          {"capabilities",
           {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
          {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
          {"noNewPrivileges", true}}},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "box"},
        {"mounts",
         {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
          {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
           {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
          {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
           {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
          {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
           {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
          {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"},
           {"options", {"nosuid", "noexec", "nodev"}}},
          {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
           {"options", {"nosuid", "noexec", "nodev", "ro"}}}}},
        {"linux",
         {{"namespaces",
           {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}}},
          {"maskedPaths",
           {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"}},
          {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
    };
    if (rootless) {
        // A user namespace that maps root inside to the caller outside; without privilege the
        // host's sysfs and a new network namespace's sysfs cannot be mounted, so bind it.
        spec["linux"]["namespaces"].push_back({{"type", "user"}});
        spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
        spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
        auto& ns = spec["linux"]["namespaces"];
        for (auto it = ns.begin(); it != ns.end(); ++it)
            if ((*it)["type"] == "network") { ns.erase(it); break; }
        for (auto& m : spec["mounts"])
            if (m["destination"] == "/sys")
                m = {{"destination", "/sys"}, {"type", "none"}, {"source", "/sys"},
                     {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
        spec["process"]["rlimits"] = Json::array();
    }
    return spec;
}

}  // namespace box::oci
