// box: stage 05 of boxkit — an OCI runtime with the command line of runc and crun.
//
//   box [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND ...
//   box spec | create | start | run | state | kill | delete | list | ps | exec | features
//
// An engine (podman through conmon) runs `create --bundle B --pid-file P ID`, then `start ID`,
// `state ID`, `kill ID SIG` and `delete --force ID`. `run` is create + start + wait + delete.
#include "cli.hpp"
#include "narrate.hpp"
#include "parse.hpp"
#include "runtime.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <iostream>

namespace {

// --log FILE: errors are appended there too, as text or as json lines (level, time, msg).
void log_error(const box::Globals& g, const std::exception& e) {
    if (g.log.empty()) return;
    std::string msg = e.what();
    if (auto* se = dynamic_cast<const box::SysError*>(&e)) msg = se->message();
    std::ofstream out(g.log, std::ios::app);
    if (g.log_format == "json")
        out << box::oci::Json{{"level", "error"}, {"time", box::rfc3339_now()}, {"msg", msg}}.dump() << '\n';
    else
        out << box::rfc3339_now() << " error: " << msg << '\n';
}

void check_globals(const box::Globals& g) {
    if (g.systemd_cgroup && ::access("/run/systemd/system", F_OK) != 0)
        throw box::InputError(box::kExitUnavailable, "--systemd-cgroup: systemd is not running on this machine (no /run/systemd/system)",
                              "use the cgroupfs manager (podman: cgroup_manager = \"cgroupfs\") and drop --systemd-cgroup");
    if (g.systemd_cgroup)
        throw box::InputError(box::kExitUnavailable, "--systemd-cgroup: box does not drive systemd; it writes cgroupfs itself",
                              "use the cgroupfs manager and drop --systemd-cgroup");
}

void add_create_options(CLI::App* c, box::CreateOptions& o) {
    c->add_option("-b,--bundle", o.bundle, "the bundle directory (config.json and the rootfs)");
    c->add_option("--pid-file", o.pid_file, "write the container process's pid to this file");
    c->add_option("--console-socket", o.console_socket, "unix socket to send the pty master to (process.terminal)");
    c->add_flag("--no-pivot", o.no_pivot, "chroot instead of pivot_root (for a root that cannot pivot)");
    c->add_flag("--no-new-keyring", o.no_new_keyring, "accepted for compatibility: box makes no session keyring");
    c->add_option("--preserve-fds", o.preserve_fds, "pass fds 3 .. 3+N-1 on to the container")->check(CLI::Range(0, 1000));
    c->add_option("ID", o.id, "the container id")->required();
}

// `box exec [OPTIONS] ID CMD...`: everything after ID is CMD, options included. Returns the argc
// that ends at ID and moves CMD into @p cmd.
int split_exec_command(int argc, char** argv, std::vector<std::string>& cmd) {
    const std::set<std::string> with_value = {"-p", "--process", "--pid-file", "--cwd", "-e", "--env", "-u",
                                              "--user", "--console-socket", "--root", "--log", "--log-format"};
    int i = 1;
    while (i < argc && std::string(argv[i]) != "exec") i += with_value.count(argv[i]) ? 2 : 1;
    for (++i; i < argc; ++i) {
        std::string a = argv[i];
        if (a.size() > 1 && a[0] == '-') {
            if (with_value.count(a)) ++i;
            continue;
        }
        for (int k = i + 1; k < argc; ++k) cmd.push_back(argv[k]);
        if (!cmd.empty() && cmd[0] == "--") cmd.erase(cmd.begin());
        return i + 1;
    }
    return argc;
}

}  // namespace

int main(int argc, char** argv) {
    box::Globals g;
    return box::run_main("box", [&] {
        CLI::App app{"box: an OCI runtime (boxkit stage 05), spoken like runc"};
        app.set_version_flag("-v,--version", fmt::format("box version 0.1.0 (boxkit stage 05)\nspec: {}", box::oci::kOciVersion));
        app.require_subcommand(1);
        app.fallthrough();  // global options may also follow the command, as engines sometimes write them
        app.add_option("--root", g.root, "where container state lives");
        app.add_option("--log", g.log, "append errors to this file too");
        app.add_option("--log-format", g.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
        app.add_flag("--debug", g.debug, "narrate every kernel call (as --explain)");
        app.add_flag("--systemd-cgroup", g.systemd_cgroup, "use systemd for cgroups (refused: box writes cgroupfs)");
        app.add_flag("--explain", g.explain, "print each kernel call, what it does and its man page (stderr)");

        bool rootless = false;
        std::string spec_bundle = ".";
        auto* spec = app.add_subcommand("spec", "write a default config.json (busybox sh, runc's defaults)");
        spec->add_flag("--rootless", rootless, "a config for an unprivileged user (a user namespace)");
        spec->add_option("-b,--bundle", spec_bundle, "where to write config.json");

        box::CreateOptions co;
        auto* create = app.add_subcommand("create", "set a container up; its program waits for `start`");
        add_create_options(create, co);
        auto* run = app.add_subcommand("run", "create, start, wait, delete");
        add_create_options(run, co);
        run->add_flag("-d,--detach", co.detach, "return once the program runs");

        std::string id, signal = "SIGTERM", format = "table";
        bool force = false, all = false;
        auto* start = app.add_subcommand("start", "run a created container's program");
        auto* state = app.add_subcommand("state", "print the container's state (JSON)");
        auto* kill = app.add_subcommand("kill", "send a signal to the container's process");
        kill->add_flag("-a,--all", all, "accepted: the signal goes to the container's process");
        auto* del = app.add_subcommand("delete", "remove a stopped container (--force: any)");
        del->add_flag("-f,--force", force, "kill it first if it still runs");
        auto* ps = app.add_subcommand("ps", "list the container's processes");
        ps->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
        for (auto* c : {start, state, kill, del, ps}) c->add_option("ID", id, "the container id")->required();
        kill->add_option("SIGNAL", signal, "a name (TERM, SIGKILL) or a number; default SIGTERM");
        auto* list = app.add_subcommand("list", "list the containers under --root");
        list->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
        auto* features = app.add_subcommand("features", "what this runtime supports (JSON)");

        std::string process_file, cwd, user;
        box::ExecOptions eo;
        std::vector<std::string> env, cmd;
        bool tty = false;
        auto* exec = app.add_subcommand("exec", "run another program in a running container");
        exec->add_option("-p,--process", process_file, "a JSON file with the process (config.json's \"process\")");
        exec->add_flag("-d,--detach", eo.detach, "return once the program runs");
        exec->add_option("--pid-file", eo.pid_file, "write the new process's pid to this file");
        exec->add_option("--cwd", cwd, "working directory inside");
        exec->add_option("-e,--env", env, "KEY=VALUE for the environment");
        exec->add_option("-u,--user", user, "UID[:GID]");
        exec->add_flag("-t,--tty", tty, "allocate a pty (needs --console-socket)");
        exec->add_option("--console-socket", eo.console_socket, "where to send the pty master");
        exec->add_option("ID", id, "the container id")->required();
        argc = split_exec_command(argc, argv, cmd);  // the words after exec's ID are the command

        box::parse(app, argc, argv);
        box::set_explain(g.explain || g.debug);
        check_globals(g);
        try {
            if (*spec) {
                auto path = spec_bundle + "/config.json";
                if (::access(path.c_str(), F_OK) == 0)
                    throw box::InputError(box::kExitFailure, fmt::format("{} exists already: box spec does not overwrite it", path),
                                          "remove it first, or write elsewhere with --bundle DIR");
                std::ofstream out(path);
                out << box::oci::default_spec(rootless, ::geteuid(), ::getegid()).dump(2) << '\n';
                if (!out.flush()) throw box::SysError(errno, fmt::format("write(\"{}\")", path));
            } else if (*create) {
                box::create_container(g, co);
            } else if (*run) {
                return box::run_container(g, co);
            } else if (*start) {
                box::start_container(g, id);
            } else if (*state) {
                std::cout << box::container_state(g, id).dump(2) << std::endl;
            } else if (*kill) {
                box::kill_container(g, id, signal);
            } else if (*del) {
                box::delete_container(g, id, force);
            } else if (*list) {
                auto all_states = box::list_containers(g);
                if (format == "json") {
                    std::cout << box::oci::Json(all_states).dump() << std::endl;
                } else {
                    std::cout << fmt::format("{:<20} {:<8} {:<10} {:<40} {}\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
                    for (auto& s : all_states)
                        std::cout << fmt::format("{:<20} {:<8} {:<10} {:<40} {}\n", s["id"].get<std::string>(), s["pid"].get<int>(),
                                                 s["status"].get<std::string>(), s["bundle"].get<std::string>(), s["created"].get<std::string>());
                }
            } else if (*ps) {
                auto pids = box::container_pids(g, id);
                if (format == "json") {
                    std::cout << box::oci::Json(pids).dump() << std::endl;
                } else {
                    std::cout << "PID\n";
                    for (auto p : pids) std::cout << p << '\n';
                }
            } else if (*features) {
                std::cout << box::features_json().dump(2) << std::endl;
            } else if (*exec) {
                if (tty && eo.console_socket.empty())  // the fix is an exec option, not config.json's "terminal"
                    throw box::InputError(box::kExitUsage, "exec --tty: no --console-socket was given to send the pty's master to",
                                          "pass --console-socket SOCKET (engines do), or drop --tty");
                box::oci::Process p;
                if (!process_file.empty()) {
                    std::ifstream in(process_file);
                    if (!in) throw box::InputError(box::kExitNoInput, fmt::format("--process {}: cannot be read", process_file));
                    std::string text((std::istreambuf_iterator<char>(in)), {});
                    p = box::oci::parse_process_json(text, process_file);
                    if (tty) p.terminal = true;
                } else {
                    if (cmd.empty()) throw box::InputError(box::kExitUsage, "exec: give the command after ID, or --process FILE");
                    // As runc: the container's process (user, env, cwd, capabilities, no_new_privs,
                    // rlimits) with the command, and the options given here, in its place.
                    p = box::container_config(g, id).process;
                    p.args = cmd;
                    p.env.insert(p.env.end(), env.begin(), env.end());
                    if (!cwd.empty()) p.cwd = cwd;
                    if (!user.empty()) {
                        auto colon = user.find(':');
                        p.user.uid = static_cast<std::uint32_t>(box::parse_int(user.substr(0, colon), "--user", 0, 0xfffffffe));
                        p.user.gid = colon == std::string::npos ? 0 : static_cast<std::uint32_t>(
                            box::parse_int(user.substr(colon + 1), "--user", 0, 0xfffffffe));
                        p.user.additional_gids.clear();
                    }
                    p.terminal = tty;
                }
                box::check_process(p, !eo.console_socket.empty(), process_file.empty() ? "exec: process" : "--process " + process_file + ": ");
                return box::exec_in_container(g, id, p, eo);
            }
            return 0;
        } catch (const std::exception& e) {
            log_error(g, e);
            throw;
        }
    });
}
