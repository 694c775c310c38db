/// @file probe.hpp
/// @brief box-probe: a static program that reports what a process sees from inside.
/// @ingroup probe
///
/// Each check is a function registered with BOX_PROBE_CHECK in the file of the stage that
/// needs it (fs.cpp for stage 01, ns.cpp for stage 02, ...). A check fills a Report; the
/// report prints as `key: value` text for people or as JSON (`--json`) for tests.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

/// @defgroup probe box-probe: the view from inside
/// The static program the tests run inside containers.

namespace probe {

using Json = nlohmann::ordered_json;
using Args = std::vector<std::string>;

/// What one check found: an ordered JSON object.
struct Report {
    Json data = Json::object();
    template <typename T>
    void set(const std::string& key, T&& value) { data[key] = std::forward<T>(value); }
};

/// Thrown by a check for a bad argument (exit 2) or a failure to observe (exit 1).
struct ProbeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Check {
    const char* name;
    const char* usage;  ///< arguments, e.g. "PATH..."
    const char* help;   ///< one line
    void (*run)(Report&, const Args&);
};

/// Register a check (used by BOX_PROBE_CHECK at static-initialisation time).
bool register_check(Check c);
const std::vector<Check>& checks();

/// Small helpers shared by checks.
std::string read_file(const std::string& path);            ///< whole file, "" if unreadable
std::string errno_name(int err);                           ///< "EPERM", "ENOENT", ...
std::vector<std::string> list_dir(const std::string& path); ///< sorted names, no . and ..

}  // namespace probe

/// Define and register a check: `BOX_PROBE_CHECK(check_root, "root", "", "list /") { ... }`
/// The body sees `probe::Report& r` and `const probe::Args& args`.
#define BOX_PROBE_CHECK(ident, name, usage, help)                                         \
    static void ident(probe::Report& r, const probe::Args& args);                       \
    [[maybe_unused]] static const bool ident##_registered =                             \
        probe::register_check({name, usage, help, ident});                              \
    static void ident([[maybe_unused]] probe::Report& r, [[maybe_unused]] const probe::Args& args)
