/// @file guard.hpp
/// @brief RAII guards for kernel objects, safe across fork/clone.
/// @ingroup core
///
/// After `clone`, the child shares the parent's C++ objects but must never run the parent's
/// destructors (a child that unmounted the parent's mounts or removed its cgroup would be a
/// nasty bug). So every guard remembers the pid that made it and does nothing in any other
/// process. Child code ends in `_exit`, never in a return from main.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <utility>

namespace box {

/// An owned file descriptor: closed by the destructor, in the process that opened it only.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd), owner_(::getpid()) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)), owner_(o.owner_) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) { reset(); fd_ = std::exchange(o.fd_, -1); owner_ = o.owner_; }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    /// Give up ownership without closing.
    int release() noexcept { return std::exchange(fd_, -1); }
    /// Close now (any process may close its own copy explicitly).
    void close() noexcept { if (fd_ >= 0) ::close(std::exchange(fd_, -1)); }

private:
    void reset() noexcept {
        if (fd_ >= 0 && owner_ == ::getpid()) ::close(fd_);
        fd_ = -1;
    }
    int fd_ = -1;
    pid_t owner_ = 0;
};

/// Run a cleanup action at scope exit, in the creating process only, unless dismissed.
/// Used for mounts, cgroups, veths and state dirs: `Cleanup rm{[&]{ remove_cgroup(p); }};`
class Cleanup {
public:
    Cleanup() = default;
    explicit Cleanup(std::function<void()> fn) : fn_(std::move(fn)), owner_(::getpid()) {}
    Cleanup(Cleanup&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)), owner_(o.owner_) {}
    Cleanup& operator=(Cleanup&& o) noexcept {
        if (this != &o) { run(); fn_ = std::exchange(o.fn_, nullptr); owner_ = o.owner_; }
        return *this;
    }
    Cleanup(const Cleanup&) = delete;
    Cleanup& operator=(const Cleanup&) = delete;
    ~Cleanup() { run(); }

    /// Keep the object: the action will not run.
    void dismiss() noexcept { fn_ = nullptr; }
    /// Run the action now (once), if this is the owning process.
    void run() noexcept {
        if (fn_ && owner_ == ::getpid()) {
            try { fn_(); } catch (...) {}
        }
        fn_ = nullptr;
    }

private:
    std::function<void()> fn_;
    pid_t owner_ = 0;
};

/// A mount that is detached (`umount2(path, MNT_DETACH)`) when the guard goes away.
class MountGuard {
public:
    MountGuard() = default;
    explicit MountGuard(std::string path)
        : path_(path), undo_([p = std::move(path)] { ::umount2(p.c_str(), MNT_DETACH); }) {}
    const std::string& path() const noexcept { return path_; }
    void dismiss() noexcept { undo_.dismiss(); }

private:
    std::string path_;
    Cleanup undo_;
};

}  // namespace box
