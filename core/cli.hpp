/// @file cli.hpp
/// @brief How every boxkit main parses its command line and reports errors (CLI11).
/// @ingroup core
#pragma once

#include "error.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <string_view>

namespace box {

/// Run a program's body: a command-line error exits kExitUsage with CLI11's message, any other
/// error is printed once by report() and mapped to its exit code. Returns the exit code.
template <typename F>
int run_main(std::string_view prog, F&& body) noexcept {
    try {
        return body();
    } catch (const CLI::Success&) {
        return 0;
    } catch (const CLI::ParseError& e) {
        return report(prog, InputError(kExitUsage, e.what(), "see --help"));
    } catch (const std::exception& e) {
        return report(prog, e);
    }
}

/// Parse, printing --help/--version to stdout (exit 0); a parse error throws to run_main().
inline void parse(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        throw CLI::Success();
    } catch (const CLI::CallForAllHelp& e) {
        app.exit(e);
        throw CLI::Success();
    } catch (const CLI::CallForVersion& e) {
        app.exit(e);
        throw CLI::Success();
    }
}

}  // namespace box
