#include "rootfs.hpp"

#include "error.hpp"
#include "narrate.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace box {

void add_rootfs_options(CLI::App& app, RootfsOptions& opt) {
    app.add_flag("--explain", opt.explain, "print each kernel call, what it does and its man page (stderr)");
    app.add_flag("--chroot", opt.use_chroot, "use plain chroot(2) instead of pivot_root(2) (escapable: for the demo)");
    app.add_option("ROOTFS", opt.rootfs, "directory that becomes the container's '/'")->required();
    // Everything from CMD on belongs to CMD, options included: `ROOTFS /bin/sh -c 'echo hi'`.
    app.prefix_command();
    app.footer("CMD [ARGS...]  the command to run inside; the words after ROOTFS are passed to it as they are");
    app.parse_complete_callback([&app, &opt] {
        opt.cmd = app.remaining();
        if (!opt.cmd.empty() && opt.cmd.front() == "--")
            opt.cmd.erase(opt.cmd.begin());
        else if (!opt.cmd.empty() && opt.cmd.front().rfind('-', 0) == 0)
            throw CLI::ParseError("unknown option '" + opt.cmd.front() + "'", CLI::ExitCodes::ExtrasError);
        if (opt.cmd.empty()) throw CLI::RequiredError("CMD (the command to run inside ROOTFS)");
    });
}

void check_rootfs(const std::string& rootfs) {
    struct stat st{};
    if (::stat(rootfs.c_str(), &st) != 0)
        throw InputError(kExitNoInput,
                         fmt::format("rootfs '{}' does not exist: build it with "
                                     "`cmake --build build --target rootfs` or name an existing directory",
                                     rootfs));
    if (!S_ISDIR(st.st_mode))
        throw InputError(kExitNoInput,
                         fmt::format("rootfs '{}' is not a directory: name the directory that holds bin/, etc/, ...",
                                     rootfs));
}

void make_mount_namespace() {
    explain(Step::UnshareMount, "unshare(CLONE_NEWNS)");
    check(::unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
}

void pivot_into(const std::string& rootfs) {
    in_context(fmt::format("pivoting into rootfs {}", rootfs), [&] {
        explain(Step::MakePrivate, "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE)");
        check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr),
              "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE)");
        auto bind = fmt::format("mount(\"{0}\", \"{0}\", NULL, MS_BIND|MS_REC)", rootfs);
        explain(Step::BindRootfs, bind);
        check(::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr), bind);
        explain(Step::Chdir, fmt::format("chdir(\"{}\")", rootfs));
        check(::chdir(rootfs.c_str()), fmt::format("chdir(\"{}\")", rootfs));
        // pivot_root(".", "."): the new root goes to '/', the old root is mounted on top of it
        // at the same place; detaching "." then removes the old root and leaves the new one.
        // EXERCISE 01.3: switch the root with pivot_root(2), then detach the old root
        explain(Step::PivotRoot, "pivot_root(\".\", \".\")");
        check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root(\".\", \".\")");
        explain(Step::DetachOldRoot, "umount2(\".\", MNT_DETACH)");
        check(::umount2(".", MNT_DETACH), "umount2(\".\", MNT_DETACH)");
        // END EXERCISE
        check(::chdir("/"), "chdir(\"/\")");
    });
}

void chroot_into(const std::string& rootfs) {
    in_context(fmt::format("entering rootfs {} with chroot", rootfs), [&] {
        // EXERCISE 01.1: change the root directory with chroot(2), then stand in it
        explain(Step::Chroot, fmt::format("chroot(\"{}\")", rootfs));
        check(::chroot(rootfs.c_str()), fmt::format("chroot(\"{}\")", rootfs));
        explain(Step::Chdir, "chdir(\"/\")");
        check(::chdir("/"), "chdir(\"/\")");
        // END EXERCISE
    });
}

void mount_proc() {
    in_context("mounting /proc", [] {
        ::mkdir("/proc", 0555);  // a rootfs without /proc gets one; EEXIST is the usual case
        // EXERCISE 01.2: mount a proc filesystem at /proc (no setuid, no devices, no exec)
        const char* call = "mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC)";
        explain(Step::MountProc, call);
        check(::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), call);
        // END EXERCISE
    });
}

void enter_rootfs(const RootfsOptions& opt) {
    if (opt.use_chroot)
        chroot_into(opt.rootfs);
    else
        pivot_into(opt.rootfs);
    mount_proc();
}

}  // namespace box
