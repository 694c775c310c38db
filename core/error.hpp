/// @file error.hpp
/// @brief The one error type of boxkit, and the exit codes every program documents.
/// @ingroup core
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

/// @defgroup core core: what every stage needs
/// Errors, RAII guards, narration (`--explain`), small parsers and process helpers.

namespace box {

/// Exit codes shared by every boxkit program (documented in README.md and each lesson).
/// A container's own exit status passes through unchanged (128+N when killed by signal N);
/// these are the codes boxkit itself uses when it fails before or around the container.
enum ExitCode : int {
    kExitUsage = 64,        ///< bad option or value on the command line (e.g. `--memory 64Q`)
    kExitBadData = 65,      ///< malformed input file (config.json, seccomp profile)
    kExitNoInput = 66,      ///< a named input is missing: ROOTFS, bundle, profile file
    kExitNoPermission = 67, ///< the kernel refused for lack of privilege (EPERM/EACCES)
    kExitUnavailable = 69,  ///< the kernel lacks a feature (controller, Landlock, namespace)
    kExitFailure = 125,     ///< any other failure of boxkit itself
    kExitCannotExec = 126,  ///< CMD exists in the rootfs but cannot be executed
    kExitNotFound = 127,    ///< CMD was not found inside the rootfs
};

/// A failed kernel call: errno, the call as written, and a chain of context
/// ("preparing rootfs ./rootfs"), outermost first. Printed once, by report().
class SysError : public std::system_error {
public:
    /// @param err   the errno value
    /// @param call  the call as written, e.g. `mount("proc", "/proc", "proc", 0)`
    SysError(int err, std::string call);

    const std::string& call() const noexcept { return call_; }
    const std::vector<std::string>& context() const noexcept { return context_; }
    /// The exit code this error maps to (see ExitCode); settable for input errors.
    int exit_code() const noexcept { return exit_code_; }
    SysError& with_exit_code(int code) { exit_code_ = code; return *this; }
    /// A hint for the user, if one is known ("run as root, or use --user").
    const std::string& hint() const noexcept { return hint_; }
    SysError& with_hint(std::string h) { hint_ = std::move(h); return *this; }
    /// Prepend one layer of context (outermost first when printed).
    SysError& add_context(std::string ctx);
    /// `<context>: <call>: <strerror>` — the line report() prints after "prog: error: ".
    std::string message() const;

private:
    std::string call_;
    std::vector<std::string> context_;
    std::string hint_;
    int exit_code_;
};

/// An error in what the user gave us (no errno): a bad option value, a malformed file.
/// The message names the input and the fix.
class InputError : public std::runtime_error {
public:
    InputError(int exit_code, std::string message, std::string hint = {})
        : std::runtime_error(std::move(message)), exit_code_(exit_code), hint_(std::move(hint)) {}
    int exit_code() const noexcept { return exit_code_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    int exit_code_;
    std::string hint_;
};

/// Turn a `-1` return into a SysError carrying errno and the call as written.
/// Returns the value unchanged otherwise, so it wraps calls inline:
/// `int fd = box::check(open(p, O_RDONLY), "open(\"" + p + "\")");`
template <typename T>
T check(T ret, std::string_view call) {
    if (ret == static_cast<T>(-1)) throw SysError(errno, std::string(call));
    return ret;
}

/// Run @p fn; if it throws a SysError, add @p ctx to its chain and rethrow.
template <typename F>
decltype(auto) in_context(std::string_view ctx, F&& fn) {
    try {
        return std::forward<F>(fn)();
    } catch (SysError& e) {
        e.add_context(std::string(ctx));
        throw;
    }
}

/// The default hint for an errno, or "" (EPERM: needs root; ENOSYS: kernel too old...).
std::string default_hint(int err);

/// Print an exception as `prog: error: ...` (+ `prog: hint: ...`) on stderr and
/// return the exit code for it. The one place errors are printed.
int report(std::string_view prog, const std::exception& e);

}  // namespace box
