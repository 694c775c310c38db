// box-probe: report what this process sees. Runs inside boxkit containers.
//
//   box-probe [--json] CHECK [ARGS...] [CHECK [ARGS...]]...
//
// A word that names a check starts a new check; the words after it are its arguments.
// Exit 0 when every check ran, 1 when a check could not observe, 2 for bad usage.
#include "probe.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace probe {

namespace {
std::vector<Check>& registry() {
    static std::vector<Check> r;
    return r;
}

const Check* find(const std::string& name) {
    for (const auto& c : registry())
        if (name == c.name) return &c;
    return nullptr;
}

void usage(std::FILE* out) {
    std::fprintf(out, "usage: box-probe [--json] CHECK [ARGS...] [CHECK [ARGS...]]...\n\nchecks:\n");
    auto sorted = registry();
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return std::strcmp(a.name, b.name) < 0; });
    for (const auto& c : sorted) {
        std::string head = std::string(c.name) + (*c.usage ? std::string(" ") + c.usage : "");
        std::fprintf(out, "  %-22s %s\n", head.c_str(), c.help);
    }
}

void print_text(const std::string& prefix, const Json& j) {
    for (const auto& [k, v] : j.items()) {
        if (v.is_object()) {
            print_text(prefix + k + ".", v);
        } else if (v.is_array()) {
            std::string line;
            for (const auto& e : v) line += (line.empty() ? "" : " ") + (e.is_string() ? e.get<std::string>() : e.dump());
            std::printf("%s%s: %s\n", prefix.c_str(), k.c_str(), line.c_str());
        } else {
            std::printf("%s%s: %s\n", prefix.c_str(), k.c_str(),
                        v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
        }
    }
}
}  // namespace

bool register_check(Check c) {
    if (find(c.name)) {  // two files chose one name: only the first would ever run
        std::fprintf(stderr, "box-probe: two checks are named '%s': rename one\n", c.name);
        std::abort();
    }
    registry().push_back(c);
    return true;
}

const std::vector<Check>& checks() { return registry(); }

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string errno_name(int err) {
    if (err == 0) return "OK";
    const char* n = strerrorname_np(err);
    return n ? n : std::to_string(err);
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    if (DIR* d = opendir(path.c_str())) {
        while (auto* e = readdir(d))
            if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.emplace_back(e->d_name);
        closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace probe

int main(int argc, char** argv) {
    using namespace probe;
    bool json = false;
    std::vector<std::pair<const Check*, Args>> plan;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json") { json = true; continue; }
        if (a == "-h" || a == "--help") { usage(stdout); return 0; }
        if (const Check* c = find(a)) { plan.push_back({c, {}}); continue; }
        if (plan.empty()) {
            std::fprintf(stderr, "box-probe: error: '%s' is not a check: see box-probe --help\n", a.c_str());
            return 2;
        }
        plan.back().second.push_back(a);
    }
    if (plan.empty()) { usage(stderr); return 2; }
    Json all = Json::object();
    int rc = 0;
    for (auto& [check, args] : plan) {
        Report r;
        try {
            check->run(r, args);
        } catch (const ProbeError& e) {
            r.set("error", e.what());
            rc = std::max(rc, 1);
        }
        all[check->name] = r.data;
        if (!json) {
            if (plan.size() > 1) std::printf("== %s ==\n", check->name);
            print_text("", r.data);
            std::fflush(stdout);
        }
    }
    if (json) std::cout << all.dump() << std::endl;
    return rc;
}
