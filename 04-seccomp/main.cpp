// box-seccomp: stage 04 of boxkit — run CMD in ROOTFS inside namespaces and a cgroup, with
// fewer capabilities, no_new_privs, a seccomp syscall filter and (optionally) Landlock.
//
//   box-seccomp [--explain] [stage 03's options] [--seccomp default|unconfined|FILE]
//               [--seccomp-teaching] [--cap-drop LIST] [--cap-add LIST] [--allow-new-privs]
//               [--run-as UID[:GID]] [--landlock-ro PATH] [--landlock-rw PATH] ROOTFS [--] CMD [ARGS...]
//
// Stage 03's flow plus one block: the security settings are checked and the filter built
// before anything is created, and applied in the child last, just before exec.
#include "cgroup.hpp"
#include "cli.hpp"
#include "narrate.hpp"
#include "ns.hpp"
#include "process.hpp"
#include "security.hpp"

int main(int argc, char** argv) {
    return box::run_main("box-seccomp", [&] {
        CLI::App app{"box-seccomp: run CMD in ROOTFS with what it may ask the kernel cut down (boxkit stage 04)"};
        box::SecurityOptions opt;
        box::add_security_options(app, opt);
        box::parse(app, argc, argv);
        box::set_explain(opt.explain);

        box::check_rootfs(opt.rootfs);              // fail before anything is created
        box::check_ns_options(opt);                 // --ns, id maps, offsets: fail early too
        box::check_cgroup_options(opt);             // --name, --memory-swap; cgroup ns after joining
        box::Security security = box::prepare_security(opt);  // caps, seccomp filter, Landlock: checked now
        box::SignalBlock signals;                   // SIGINT/SIGTERM are forwarded, not fatal
        box::Cgroup cgroup = box::create_cgroup(opt.name, opt.limits);  // box/NAME with the limits
        box::ErrorPipe errors;                      // the child's failure comes back here
        box::SyncPipe sync;                         // the child waits until the parent is done
        pid_t pid = box::clone_child(opt, cgroup.clone_fd(), errors, sync, [&] {  // --- in the child ---
            sync.wait_release();                    // the parent has done its part
            box::ns_in_child(opt);                  // ns root, hostname, lo up, clocks
            box::enter_rootfs_ns(opt);              // /proc of the new pid ns, pivot_root
            box::cgroup_in_child(opt, cgroup);      // cgroup ns: its group is '/'; /sys/fs/cgroup
            box::secure_in_child(security);         // caps, no_new_privs, Landlock, seccomp: last
            box::exec_or_init(opt, errors, signals);// become CMD (or --init: PID 1 runs CMD)
        });
        cgroup.join_from_parent(pid);               // v1: into the group before it runs (v2: born there)
        box::write_id_maps_from_parent(pid, opt);   // uid/gid maps of the user namespace
        sync.release();                             // the child may go on
        errors.receive(pid);                        // rethrows the child's error, if any
        int status = box::wait_forwarding(pid, signals);  // CMD's exit status, 128+N for a signal
        return cgroup.finish(status, opt.stats);    // OOM kills, --stats; strays killed, group removed
    });
}
