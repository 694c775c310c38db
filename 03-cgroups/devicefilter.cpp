#include "devicefilter.hpp"

#include "error.hpp"
#include "guard.hpp"
#include "narrate.hpp"

#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace box {

namespace {

// ctx fields (struct bpf_cgroup_dev_ctx): access_type = type | access << 16, major, minor.
constexpr short kOffAccessType = 0, kOffMajor = 4, kOffMinor = 8;
// Registers the prologue fills: r6 the access asked, r7 the device type, r8 major, r9 minor.
constexpr std::uint8_t R0 = 0, R1 = 1, R2 = 2, R6 = 6, R7 = 7, R8 = 8, R9 = 9;
constexpr std::uint32_t kAccessBits[] = {kDevMknod, kDevRead, kDevWrite};

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, short off, std::int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

std::uint32_t access_bits(const std::string& access) {
    std::uint32_t a = 0;
    for (char ch : access) {
        if (ch == 'm') a |= kDevMknod;
        if (ch == 'r') a |= kDevRead;
        if (ch == 'w') a |= kDevWrite;
    }
    return a;
}

bool names(const CgroupDeviceRule& r, char type, std::uint32_t major, std::uint32_t minor) {
    if (r.type == 'a') return true;
    return r.type == type && (r.major < 0 || r.major == major) && (r.minor < 0 || r.minor == minor);
}

}  // namespace

bool device_allowed(const std::vector<CgroupDeviceRule>& rules, char type, std::uint32_t major, std::uint32_t minor,
                    std::uint32_t access) {
    for (auto bit : kAccessBits) {
        if (!(access & bit)) continue;
        for (auto r = rules.rbegin(); r != rules.rend(); ++r)
            if ((access_bits(r->access) & bit) && names(*r, type, major, minor)) {
                if (!r->allow) return false;
                break;
            }
    }
    return true;
}

std::vector<bpf_insn> device_filter(const std::vector<CgroupDeviceRule>& rules) {
    std::vector<bpf_insn> p;
    // Prologue: unpack the context once.
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, R6, R1, kOffAccessType, 0));
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R7, R6, 0, 0));
    p.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R7, 0, 0, 0xffff));  // the type
    p.push_back(insn(BPF_ALU64 | BPF_RSH | BPF_K, R6, 0, 0, 16));      // the access
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, R8, R1, kOffMajor, 0));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, R9, R1, kOffMinor, 0));
    // One section per access bit: skipped when not asked; else the last rule naming the device
    // and that access decides (a deny returns 0, an allow goes on to the next bit).
    for (auto bit : kAccessBits) {
        std::vector<std::size_t> to_end;  // jumps to the section's end, patched below
        p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R2, R6, 0, 0));
        p.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, static_cast<std::int32_t>(bit)));
        to_end.push_back(p.size());
        p.push_back(insn(BPF_JMP | BPF_JEQ | BPF_K, R2, 0, 0, 0));
        for (auto r = rules.rbegin(); r != rules.rend(); ++r) {
            if (!(access_bits(r->access) & bit)) continue;
            std::vector<std::size_t> to_next;  // a test that fails: on to the next rule
            auto jne = [&](std::uint8_t reg, std::int64_t value) {
                to_next.push_back(p.size());
                p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, static_cast<std::int32_t>(value)));
            };
            if (r->type != 'a') {
                jne(R7, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
                if (r->major >= 0) jne(R8, r->major);
                if (r->minor >= 0) jne(R9, r->minor);
            }
            if (r->allow) {
                to_end.push_back(p.size());
                p.push_back(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0));
            } else {
                p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0));
                p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
            }
            for (auto j : to_next) p[j].off = static_cast<short>(p.size() - j - 1);
            if (r->type == 'a') break;  // it names every device: the rules before it never decide
        }
        for (auto j : to_end) p[j].off = static_cast<short>(p.size() - j - 1);
    }
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1));
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    return p;
}

void attach_device_filter(int group_fd, const std::string& group, const std::vector<CgroupDeviceRule>& rules) {
    auto prog = device_filter(rules);
    explain(Step::CgroupDevices,
            fmt::format("bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, {} insns) + bpf(BPF_PROG_ATTACH, \"{}\", "
                        "BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)",
                        prog.size(), group));
    static const char kLicense[] = "Apache";
    auto load = [&](char* log, std::uint32_t log_size) {
        bpf_attr a;
        std::memset(&a, 0, sizeof a);
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = reinterpret_cast<std::uintptr_t>(prog.data());
        a.insn_cnt = static_cast<std::uint32_t>(prog.size());
        a.license = reinterpret_cast<std::uintptr_t>(kLicense);
        if (log) {
            a.log_buf = reinterpret_cast<std::uintptr_t>(log);
            a.log_size = log_size;
            a.log_level = 1;
        }
        return static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a));
    };
    int fd = load(nullptr, 0);
    if (fd < 0) {
        int err = errno;
        std::string log(64 * 1024, '\0');
        if (int again = load(log.data(), static_cast<std::uint32_t>(log.size())); again >= 0) ::close(again);
        log.resize(std::strlen(log.c_str()));
        while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
        throw SysError(err, fmt::format("bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, {} insns){}", prog.size(),
                                        log.empty() ? "" : ": verifier log: " + log))
            .with_hint("device rules on cgroup v2 need a kernel with CONFIG_CGROUP_BPF and CAP_SYS_ADMIN "
                       "(CAP_BPF); or leave out .linux.resources.devices");
    }
    Fd prog_fd(fd);
    bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.target_fd = static_cast<std::uint32_t>(group_fd);
    a.attach_bpf_fd = static_cast<std::uint32_t>(prog_fd.get());
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
        throw SysError(errno, fmt::format("bpf(BPF_PROG_ATTACH, \"{}\", BPF_CGROUP_DEVICE)", group));
    // prog_fd closes here: the attachment holds the program until the group is removed.
}

}  // namespace box
