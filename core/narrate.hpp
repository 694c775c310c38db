/// @file narrate.hpp
/// @brief The teaching voice: `--explain` prints one plain line before each kernel call.
/// @ingroup core
///
/// The wording lives here, keyed by step, so the same call reads the same in every stage:
/// later stages read as earlier ones plus more. Narration goes to stderr and never changes
/// behaviour.
#pragma once

#include <string>
#include <string_view>

namespace box {

/// Every kernel step any stage narrates. Add new steps at the end of their stage's block.
enum class Step {
    // stage 01: filesystem isolation
    Fork, UnshareMount, MakePrivate, BindRootfs, Chdir, PivotRoot, DetachOldRoot, Chroot,
    MountProc, Exec, Wait,
    // stage 02: namespaces
    Clone, UnshareUser, SetGroupsDeny, UidMap, GidMap, SyncRelease, SetHostname, LoopbackUp,
    TimeOffsets, MountProcPid, InitReap, ForwardSignal, UnshareTime, NsRoot, ParentDeath, InitStart,
    EnterTime,
    // stage 03: cgroups
    CgroupDetect, CgroupCreate, CgroupLimit, CgroupJoin, CloneIntoCgroup, CgroupKill,
    CgroupRemove, CgroupStats, UnshareCgroup, CgroupEnable, MountCgroup, CgroupDevices,
    // stage 04: security
    CapDrop, CapBounding, CapAmbient, NoNewPrivs, SeccompLoad, SeccompTeaching, LandlockRuleset,
    LandlockRule, LandlockRestrict, SetUid,
    // stage 05: runtime
    ExecFifo, ConsoleSocket, Hook, Mount, MaskPath, ReadonlyPath, Sysctl, Rlimit, Device,
    JoinNamespace, StateWrite, RootPropagation, ParentPropagation, OldRootSlave,
    ExecFifoHolderKill,
    // not a step: how many there are (a new step goes above it)
    Count,
};

/// The fixed text of a step: why it is done, and where to read about it.
struct StepText {
    std::string_view why;  ///< one plain sentence fragment: what happens and why
    std::string_view man;  ///< the man page, e.g. "pivot_root(2)"
};

/// The text for @p step (same in every stage).
StepText step_text(Step step);

/// Turn narration on or off (set once, from `--explain`).
void set_explain(bool on);
bool explaining();

/// Format a narration line: `=> CALL   WHY  [MAN]` (exposed for tests).
std::string explain_line(Step step, std::string_view call);

/// Print the narration line for @p step to stderr if `--explain` is on.
/// @param call the call as it will be made, e.g. `pivot_root(".", ".")`
void explain(Step step, std::string_view call);

/// Print a free-form note under `--explain` (e.g. "hybrid host: using v1 controllers").
void explain_note(std::string_view text);

}  // namespace box
