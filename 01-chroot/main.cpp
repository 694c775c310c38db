// box-chroot: stage 01 of boxkit — run CMD with ROOTFS as its root directory.
//
//   box-chroot [--explain] [--chroot] ROOTFS [--] CMD [ARGS...]
//
// Default: pivot_root(2) in a private mount namespace (not escapable).
// --chroot: plain chroot(2) (escapable; `box-probe escape` shows how).
#include "cli.hpp"
#include "narrate.hpp"
#include "process.hpp"
#include "rootfs.hpp"

int main(int argc, char** argv) {
    return box::run_main("box-chroot", [&] {
        CLI::App app{"box-chroot: run CMD with ROOTFS as its root (boxkit stage 01)"};
        box::RootfsOptions opt;
        box::add_rootfs_options(app, opt);
        box::parse(app, argc, argv);
        box::set_explain(opt.explain);

        box::check_rootfs(opt.rootfs);            // fail before anything is created
        box::SignalBlock signals;                 // SIGINT/SIGTERM are forwarded, not fatal
        box::ErrorPipe errors;                    // the child's failure comes back here
        pid_t pid = box::fork_child(errors, [&] { // --- in the child ---
            box::make_mount_namespace();          // a private mount table, for pivot_root
            box::enter_rootfs(opt);               // pivot_root (or chroot), then /proc
            signals.restore();                    // CMD starts with the caller's signal mask
            box::exec_command(opt.cmd);           // become CMD; returns only on failure
        });
        errors.receive(pid);                      // rethrows the child's error, if any
        return box::wait_forwarding(pid, signals);// CMD's exit status, 128+N for a signal
    });
}
