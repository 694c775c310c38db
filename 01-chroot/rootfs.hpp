/// @file rootfs.hpp
/// @brief Stage 01, filesystem isolation: give a process its own root directory.
/// @ingroup rootfs
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;  // <CLI/CLI.hpp> only where options are defined: its validators cost seconds per file
}

/// @defgroup rootfs 01-chroot: filesystem isolation
/// chroot(2), why it is not a jail, and pivot_root(2) in a private mount namespace.

namespace box {

/// The options of stage 01; later stages extend them.
struct RootfsOptions {
    bool explain = false;            ///< --explain: narrate each kernel call
    bool use_chroot = false;         ///< --chroot: plain chroot(2) instead of pivot_root(2)
    std::string rootfs;              ///< ROOTFS: the directory that becomes '/'
    std::vector<std::string> cmd;    ///< CMD [ARGS...]: what runs inside
};

/// Register stage 01's options and positionals on @p app.
void add_rootfs_options(CLI::App& app, RootfsOptions& opt);

/// Fail early, before anything is created, if @p rootfs is missing or not a directory
/// (InputError, kExitNoInput, naming the path and the fix).
void check_rootfs(const std::string& rootfs);

/// unshare(CLONE_NEWNS): a private copy of the mount table for this process. Stage 01 needs it
/// for pivot_root; stage 02 gets it from clone's flags instead.
void make_mount_namespace();

/// Make @p rootfs this process's '/' with pivot_root(2): make every mount private, bind the
/// rootfs on itself, pivot_root(".", "."), detach the old root. Needs a mount namespace.
void pivot_into(const std::string& rootfs);

/// Make @p rootfs this process's root with chroot(2) only. Escapable: see `box-probe escape`.
void chroot_into(const std::string& rootfs);

/// Mount proc at /proc (nosuid, nodev, noexec) inside the new root.
void mount_proc();

/// The whole of stage 01's in-child work: the chosen root switch, then /proc.
void enter_rootfs(const RootfsOptions& opt);

}  // namespace box
