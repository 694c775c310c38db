// box-ns: stage 02 of boxkit — run CMD in ROOTFS inside new namespaces.
//
//   box-ns [--explain] [--ns LIST] [--hostname NAME] [--user] [--init] ROOTFS [--] CMD [ARGS...]
//
// Stage 01's flow with the namespace steps added: clone3 with CLONE_NEW* flags instead of fork,
// the parent's work on the new process (uid/gid maps) before it is released, and the child's
// work inside its namespaces (hostname, lo, clocks) before the root switch.
#include "cli.hpp"
#include "narrate.hpp"
#include "ns.hpp"
#include "process.hpp"

int main(int argc, char** argv) {
    return box::run_main("box-ns", [&] {
        CLI::App app{"box-ns: run CMD in ROOTFS inside new namespaces (boxkit stage 02)"};
        box::NsOptions opt;
        box::add_ns_options(app, opt);
        box::parse(app, argc, argv);
        box::set_explain(opt.explain);

        box::check_rootfs(opt.rootfs);              // fail before anything is created
        box::check_ns_options(opt);                 // --ns, id maps, offsets: fail early too
        box::SignalBlock signals;                   // SIGINT/SIGTERM are forwarded, not fatal
        box::ErrorPipe errors;                      // the child's failure comes back here
        box::SyncPipe sync;                         // the child waits until the parent is done
        pid_t pid = box::clone_child(opt, -1, errors, sync, [&] {  // --- in the child ---
            sync.wait_release();                    // the parent has done its part
            box::ns_in_child(opt);                  // ns root, hostname, lo up, clocks
            box::enter_rootfs_ns(opt);              // /proc of the new pid ns, pivot_root
            box::exec_or_init(opt, errors, signals);// become CMD (or --init: PID 1 runs CMD)
        });
        box::write_id_maps_from_parent(pid, opt);   // uid/gid maps of the user namespace
        sync.release();                             // the child may go on
        errors.receive(pid);                        // rethrows the child's error, if any
        return box::wait_forwarding(pid, signals);  // CMD's exit status, 128+N for a signal
    });
}
