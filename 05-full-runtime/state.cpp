#include "state.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace box {

oci::Json state_json(const ContainerState& s) {
    return {{"ociVersion", oci::kOciVersion}, {"id", s.id},         {"status", s.status},
            {"pid", s.pid},                   {"bundle", s.bundle}, {"annotations", s.annotations},
            {"rootfs", s.rootfs},             {"created", s.created}, {"owner", s.owner}};
}

oci::Json stored_json(const ContainerState& s) {
    auto j = state_json(s);
    j["boxPidStart"] = s.pid_start;
    j["boxCgroups"] = s.cgroups;
    j["boxCgroupOwned"] = s.cgroup_owned;
    return j;
}

ContainerState parse_stored(std::string_view text, std::string_view source) {
    auto j = oci::Json::parse(text, nullptr, false);
    ContainerState s;
    try {
        if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not a JSON object");
        s.id = j.at("id").get<std::string>();
        s.status = j.at("status").get<std::string>();
        s.pid = j.at("pid").get<pid_t>();
        s.bundle = j.at("bundle").get<std::string>();
        s.annotations = j.value("annotations", std::map<std::string, std::string>{});
        s.rootfs = j.value("rootfs", "");
        s.created = j.value("created", "");
        s.owner = j.value("owner", "");
        s.pid_start = j.value("boxPidStart", 0ull);
        s.cgroups = j.value("boxCgroups", std::vector<std::string>{});
        s.cgroup_owned = j.value("boxCgroupOwned", std::vector<std::string>{});
    } catch (const std::exception& e) {
        throw InputError(kExitBadData, fmt::format("{}: damaged state file ({})", source, e.what()),
                         "remove the container with `box delete --force ID`");
    }
    return s;
}

void check_id(std::string_view id) {
    bool ok = !id.empty() && id.size() <= 1024 && id != "." && id != "..";
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '+' && c != '-') ok = false;
    if (!ok)
        throw InputError(kExitUsage,
                         fmt::format("container id '{}' is not valid: use 1-1024 letters, digits and _ . + -", id));
}

std::string rfc3339_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return rfc3339(ts);
}

std::string rfc3339(const timespec& ts) {
    using namespace std::chrono;
    // The calendar by arithmetic, not gmtime_r(3): glibc's reads /etc/localtime even for UTC.
    sys_seconds now{seconds{ts.tv_sec}};
    auto day = floor<days>(now);
    year_month_day date{day};
    hh_mm_ss<seconds> time{now - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count(), ts.tv_nsec);
}

unsigned long long process_start_time(pid_t pid, bool* zombie) {
    if (zombie) *zombie = false;
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto paren = text.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos) return 0;
    std::istringstream rest(text.substr(paren + 2));
    std::string field, state;
    rest >> state;
    for (int i = 4; i < 22 && rest >> field; ++i) {}
    unsigned long long start = 0;
    rest >> start;
    if (zombie) *zombie = state == "Z" || state == "X";
    return start;
}

namespace {
Fd lock_dir(const std::string& path) {
    Fd fd(check(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), fmt::format("open(\"{}\")", path)));
    check(::flock(fd.get(), LOCK_EX), fmt::format("flock(\"{}\", LOCK_EX)", path));
    return fd;
}
}  // namespace

StateDir StateDir::create(const std::string& root, const std::string& id) {
    check_id(id);
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) throw SysError(ec.value(), fmt::format("mkdir(\"{}\")", root)).add_context("making the state root (--root)");
    std::string path = root + "/" + id;
    if (::mkdir(path.c_str(), 0700) != 0) {
        if (errno == EEXIST)
            throw InputError(kExitFailure, fmt::format("container '{}' already exists", id),
                             fmt::format("choose another id, or remove it first: box delete --force {}", id));
        throw SysError(errno, fmt::format("mkdir(\"{}\")", path)).add_context("making the container's state directory");
    }
    explain(Step::StateWrite, fmt::format("mkdir(\"{}\") + flock(LOCK_EX)", path));
    StateDir dir(path, lock_dir(path));
    dir.undo_ = Cleanup([p = path] { std::error_code e; std::filesystem::remove_all(p, e); });
    return dir;
}

StateDir StateDir::open(const std::string& root, const std::string& id) {
    check_id(id);
    std::string path = root + "/" + id;
    auto missing = [&] {
        return InputError(kExitNoInput, fmt::format("container '{}' does not exist (state root {})", id, root),
                          "list the containers with: box list");
    };
    if (::access(path.c_str(), F_OK) != 0) throw missing();
    StateDir dir(path, lock_dir(path));
    // A delete that held the lock before us removed the directory: it is gone now.
    if (::access(dir.file("state.json").c_str(), F_OK) != 0) throw missing();
    return dir;
}

ContainerState StateDir::load() const {
    std::ifstream in(file("state.json"));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return parse_stored(text, file("state.json"));
}

void StateDir::save_config(std::string_view text) const {
    auto path = file("config.json");
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out.flush()) throw SysError(errno ? errno : EIO, fmt::format("write(\"{}\")", path));
}

oci::Config StateDir::config() const {
    std::ifstream in(file("config.json"));
    if (!in) throw InputError(kExitNoInput, fmt::format("{}: cannot be read", file("config.json")),
                              "the container was created by an older box: delete --force it and create it again");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return oci::parse_config(text, file("config.json"));
}

void StateDir::save(const ContainerState& s) const {
    std::string tmp = file("state.json.tmp");
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << stored_json(s).dump() << '\n';
        if (!out.flush()) throw SysError(errno ? errno : EIO, fmt::format("write(\"{}\")", tmp));
    }
    // Swap the new file in and unlink the old one rather than rename(2) over it: ext4 writes a
    // file renamed over another to disk at once (auto_da_alloc), and `delete` then waits to free
    // its blocks (on a root mounted with discard, ~2 ms a save). Both are atomic for readers.
    std::string path = file("state.json");
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
        ::unlink(tmp.c_str());
        return;
    }
    if (errno != ENOENT && errno != EINVAL)  // ENOENT: the first save; EINVAL: no exchange on this file system
        throw SysError(errno, fmt::format("renameat2(\"{}\", \"state.json\", RENAME_EXCHANGE)", tmp));
    check(::rename(tmp.c_str(), path.c_str()), fmt::format("rename(\"{}\", \"state.json\")", tmp));
}

std::string StateDir::live_status(const ContainerState& s) const {
    if (s.status == "creating" || s.status == "stopped" || s.pid <= 0) return s.status;
    bool zombie = false;
    auto start = process_start_time(s.pid, &zombie);
    if (start == 0 || zombie || (s.pid_start != 0 && start != s.pid_start)) return "stopped";
    return ::access(file("exec.fifo").c_str(), F_OK) == 0 ? "created" : "running";
}

void StateDir::remove() {
    undo_.dismiss();
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) throw SysError(ec.value(), fmt::format("rm -r \"{}\"", path_));
    fd_.close();
}

}  // namespace box
