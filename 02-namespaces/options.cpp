// Stage 02's options: which namespaces, the id maps, the clock offset. Pure logic, unit-tested
// in tests/unit/ns_options_test.cpp.
#include "ns.hpp"

#include "error.hpp"
#include "parse.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <sched.h>

#include <charconv>
#include <linux/sched.h>

namespace box {

const std::vector<std::string>& namespace_names() {
    static const std::vector<std::string> names{"uts", "pid", "mount", "ipc", "net", "user", "cgroup", "time"};
    return names;
}

void add_ns_options(CLI::App& app, NsOptions& opt) {
    add_rootfs_options(app, opt);
    app.add_option("--ns", opt.ns_list,
                   "namespaces to create, from uts,pid,mount,ipc,net,user,cgroup,time "
                   "(default: all but user as root, all without root)");
    app.add_flag("--user", opt.user, "add a user namespace (always on without root: a rootless container)");
    app.add_option_function<std::string>(
        "--hostname", [&opt](const std::string& name) { opt.hostname = name, opt.hostname_given = true; },
        "hostname inside the new UTS namespace (default: box)");
    app.add_option("--uid-map", opt.uid_map, "uid map INSIDE:OUTSIDE:COUNT[,...] (default: 0:<your uid>:1)");
    app.add_option("--gid-map", opt.gid_map, "gid map INSIDE:OUTSIDE:COUNT[,...] (default: 0:<your gid>:1)");
    app.add_option("--uptime-offset", opt.uptime_offset,
                   "shift the container's monotonic and boot clocks, e.g. 10d, 3h, -60s (time namespace)");
    app.add_flag("--init", opt.init, "run a minimal init as PID 1: it reaps orphans and forwards signals to CMD");
}

std::set<std::string> default_namespaces(uid_t caller_uid) {
    std::set<std::string> all(namespace_names().begin(), namespace_names().end());
    if (caller_uid == 0) all.erase("user");
    return all;
}

std::uint64_t clone_flags(const std::set<std::string>& names) {
    std::uint64_t flags = 0;
    if (names.count("uts")) flags |= CLONE_NEWUTS;
    if (names.count("pid")) flags |= CLONE_NEWPID;
    if (names.count("mount")) flags |= CLONE_NEWNS;
    if (names.count("ipc")) flags |= CLONE_NEWIPC;
    if (names.count("net")) flags |= CLONE_NEWNET;
    if (names.count("user")) flags |= CLONE_NEWUSER;
    if (names.count("cgroup")) flags |= CLONE_NEWCGROUP;
    return flags;  // "time": unshared by the child, see enter_time_ns()
}

namespace {
std::uint32_t parse_id(std::string_view text, std::string_view what, std::string_view whole) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw InputError(kExitUsage, fmt::format("{} '{}': '{}' is not a number: write INSIDE:OUTSIDE:COUNT, "
                                                 "e.g. 0:1000:1",
                                                 what, whole, text));
    return v;
}

IdRange parse_id_range(std::string_view item, std::string_view what, std::string_view whole) {
    auto c1 = item.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    if (c2 == std::string_view::npos || item.find(':', c2 + 1) != std::string_view::npos)
        throw InputError(kExitUsage, fmt::format("{} '{}': '{}' is not INSIDE:OUTSIDE:COUNT, e.g. 0:1000:1",
                                                 what, whole, item));
    IdRange r{parse_id(item.substr(0, c1), what, whole), parse_id(item.substr(c1 + 1, c2 - c1 - 1), what, whole),
              parse_id(item.substr(c2 + 1), what, whole)};
    if (r.count == 0)
        throw InputError(kExitUsage, fmt::format("{} '{}': a range of 0 ids maps nothing: COUNT must be 1 or more",
                                                 what, whole));
    if (std::uint64_t(r.inside) + r.count > 0xffffffffu || std::uint64_t(r.outside) + r.count > 0xffffffffu)
        throw InputError(kExitUsage, fmt::format("{} '{}': the range runs past the largest id (4294967294)",
                                                 what, whole));
    return r;
}
}  // namespace

std::vector<IdRange> parse_id_map(std::string_view text, std::string_view what) {
    std::vector<IdRange> out;
    std::size_t start = 0;
    for (;;) {
        auto comma = text.find(',', start);
        out.push_back(parse_id_range(text.substr(start, comma == std::string_view::npos ? comma : comma - start),
                                     what, text));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    for (std::size_t i = 0; i < out.size(); ++i)
        for (std::size_t j = i + 1; j < out.size(); ++j) {
            auto overlap = [](std::uint32_t a, std::uint32_t b, std::uint32_t n, std::uint32_t m) {
                return std::uint64_t(a) < std::uint64_t(b) + m && std::uint64_t(b) < std::uint64_t(a) + n;
            };
            if (overlap(out[i].inside, out[j].inside, out[i].count, out[j].count) ||
                overlap(out[i].outside, out[j].outside, out[i].count, out[j].count))
                throw InputError(kExitUsage, fmt::format("{} '{}': ranges overlap: each id may be mapped once",
                                                         what, text));
        }
    return out;
}

std::string id_map_text(const std::vector<IdRange>& ranges) {
    std::string out;
    for (const auto& r : ranges) out += fmt::format("{} {} {}\n", r.inside, r.outside, r.count);
    return out;
}

std::int64_t parse_duration(std::string_view text, std::string_view what) {
    std::string_view num = text;
    std::int64_t unit = 1;
    if (!num.empty()) {
        switch (num.back()) {
        case 's': unit = 1; num.remove_suffix(1); break;
        case 'm': unit = 60; num.remove_suffix(1); break;
        case 'h': unit = 3600; num.remove_suffix(1); break;
        case 'd': unit = 86400; num.remove_suffix(1); break;
        default: break;
        }
    }
    // Up to ~68 years either way: a clock offset far beyond that is a typo.
    const std::int64_t limit = std::int64_t(1) << 31;
    try {
        return parse_int(num, what, -limit / unit, limit / unit) * unit;
    } catch (const InputError&) {
        throw InputError(kExitUsage, fmt::format("{} '{}' is not a duration: write a whole number of seconds "
                                                 "or one with s, m, h or d, e.g. 10d",
                                                 what, text));
    }
}

namespace {
// An unprivileged caller may write only a one-line map of its own id (user_namespaces(7));
// anything more needs CAP_SETUID/CAP_SETGID outside, or setuid helpers (newuidmap) we do not use.
void check_unprivileged_map(const std::vector<IdRange>& map, std::string_view text, std::uint32_t own,
                            std::string_view what, std::string_view kind) {
    if (map.size() == 1 && map[0].outside == own && map[0].count == 1) return;
    throw InputError(kExitNoPermission,
                     fmt::format("{} {}: without root you may map only your own {} ({}), once: "
                                 "use {} 0:{}:1 (the default), or run as root",
                                 what, text, kind, own, what, own),
                     "a range of ids needs root, or the setuid helpers newuidmap/newgidmap, which boxkit does not use");
}

void resolve_id_maps(NsOptions& opt, uid_t uid, gid_t gid) {
    if (!opt.namespaces.count("user")) {
        if (!opt.uid_map.empty() || !opt.gid_map.empty())
            throw InputError(kExitUsage, "--uid-map/--gid-map need a user namespace: add --user "
                                         "(or user to --ns)");
        return;
    }
    opt.uids = opt.uid_map.empty() ? std::vector<IdRange>{{0, uid, 1}} : parse_id_map(opt.uid_map, "--uid-map");
    opt.gids = opt.gid_map.empty() ? std::vector<IdRange>{{0, gid, 1}} : parse_id_map(opt.gid_map, "--gid-map");
    if (uid != 0) {
        check_unprivileged_map(opt.uids, opt.uid_map, uid, "--uid-map", "uid");
        check_unprivileged_map(opt.gids, opt.gid_map, gid, "--gid-map", "gid");
    }
}
}  // namespace

void check_ns_options(NsOptions& opt, uid_t uid, gid_t gid) {
    if (opt.ns_list.empty()) {
        opt.namespaces = default_namespaces(uid);
    } else {
        std::set<std::string> allowed(namespace_names().begin(), namespace_names().end());
        auto list = parse_list(opt.ns_list, "--ns", allowed);
        opt.namespaces = {list.begin(), list.end()};
    }
    if (opt.user) opt.namespaces.insert("user");
    if (uid != 0 && !opt.namespaces.count("user"))
        throw InputError(kExitNoPermission,
                         fmt::format("--ns {}: without root, namespaces can be made only inside a new user "
                                     "namespace: add user to --ns, or run as root",
                                     opt.ns_list),
                         "a user namespace gives its creator the capabilities to make the others");
    if (opt.hostname.empty() || opt.hostname.size() > 64)
        throw InputError(kExitUsage, fmt::format("--hostname '{}': a hostname has 1 to 64 characters: choose a "
                                                 "shorter one",
                                                 opt.hostname));
    const auto& ns = opt.namespaces;
    if (opt.hostname_given && !ns.count("uts"))
        throw InputError(kExitUsage, fmt::format("--hostname {}: the hostname is set in a new UTS namespace, and "
                                                 "--ns {} has none: add uts to --ns",
                                                 opt.hostname, opt.ns_list));
    if (ns.count("user") && ns.count("mount") && !ns.count("pid"))
        throw InputError(kExitUsage,
                         fmt::format("--ns {}: in a user namespace /proc can be mounted only for a PID namespace "
                                     "of its own: add pid to --ns",
                                     opt.ns_list.empty() ? "user,mount" : opt.ns_list));
    resolve_id_maps(opt, uid, gid);
    if (!opt.uptime_offset.empty()) {
        if (!opt.namespaces.count("time"))
            throw InputError(kExitUsage, "--uptime-offset needs a time namespace: add time to --ns");
        opt.offset_seconds = parse_duration(opt.uptime_offset, "--uptime-offset");
    }
    if (opt.init && !opt.namespaces.count("pid"))
        throw InputError(kExitUsage, "--init needs a PID namespace (it runs as PID 1): add pid to --ns");
}

}  // namespace box
