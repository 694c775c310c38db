/// @file devicefilter.hpp
/// @brief Stage 03, device rules on cgroup v2: v2 has no devices.allow/devices.deny; the kernel
/// runs a BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to the group, at each open
/// or mknod of a device node. This file builds that program from the rules (pure code, tested
/// without root by interpreting it) and loads and attaches it (runc: devicefilter.go, crun: ebpf.c).
/// @ingroup cgroup
#pragma once

#include "cgroup.hpp"

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

namespace box {

/// What the kernel asks the program about (struct bpf_cgroup_dev_ctx).
enum DeviceAccess : std::uint32_t { kDevMknod = BPF_DEVCG_ACC_MKNOD, kDevRead = BPF_DEVCG_ACC_READ, kDevWrite = BPF_DEVCG_ACC_WRITE };

/// The reference: may a process in the group do @p access (a set of DeviceAccess bits) on the
/// device @p type ('c' or 'b') @p major:@p minor under @p rules? As v1 applies them: for each
/// access asked for, the last rule that names the device and that access decides; no rule: allowed.
bool device_allowed(const std::vector<CgroupDeviceRule>& rules, char type, std::uint32_t major, std::uint32_t minor,
                    std::uint32_t access);

/// The BPF_PROG_TYPE_CGROUP_DEVICE program deciding as device_allowed() does (r0 = 1 allow, 0 deny).
std::vector<bpf_insn> device_filter(const std::vector<CgroupDeviceRule>& rules);

/// Load device_filter(@p rules) with bpf(BPF_PROG_LOAD) and attach it to the group open at
/// @p group_fd (bpf(BPF_PROG_ATTACH), BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI). The program lives
/// as long as the group. Throws SysError (with the verifier's log when the load fails).
void attach_device_filter(int group_fd, const std::string& group, const std::vector<CgroupDeviceRule>& rules);

}  // namespace box
