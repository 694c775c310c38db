// Unit tests for stage 03's v2 device program (no root): a tiny interpreter runs the
// instructions device_filter() emits, and must agree with device_allowed() over a table of cases.
#include <doctest/doctest.h>

#include "devicefilter.hpp"

#include <cstdint>
#include <stdexcept>
#include <vector>

using namespace box;

namespace {

// Runs @p prog on a struct bpf_cgroup_dev_ctx, for the opcodes device_filter() emits; anything
// else (or running off the end, or a backward jump) fails the test.
std::uint64_t run(const std::vector<bpf_insn>& prog, std::uint32_t access_type, std::uint32_t major, std::uint32_t minor) {
    const std::uint32_t ctx[3] = {access_type, major, minor};
    std::uint64_t r[11] = {};
    for (std::size_t pc = 0; pc < prog.size(); ++pc) {
        const auto& i = prog[pc];
        auto k = static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
        switch (i.code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            if (i.src_reg != 1 || i.off % 4 || i.off < 0 || i.off > 8) throw std::runtime_error("bad ctx load");
            r[i.dst_reg] = ctx[i.off / 4];
            break;
        case BPF_ALU64 | BPF_MOV | BPF_X: r[i.dst_reg] = r[i.src_reg]; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: r[i.dst_reg] = k; break;
        case BPF_ALU64 | BPF_AND | BPF_K: r[i.dst_reg] &= k; break;
        case BPF_ALU64 | BPF_RSH | BPF_K: r[i.dst_reg] >>= i.imm; break;
        case BPF_JMP | BPF_JA: pc += static_cast<std::size_t>(i.off); break;
        case BPF_JMP | BPF_JEQ | BPF_K: if (r[i.dst_reg] == k) pc += static_cast<std::size_t>(i.off); break;
        case BPF_JMP | BPF_JNE | BPF_K: if (r[i.dst_reg] != k) pc += static_cast<std::size_t>(i.off); break;
        case BPF_JMP | BPF_EXIT: return r[0];
        default: throw std::runtime_error("unexpected opcode");
        }
        if (i.off < 0) throw std::runtime_error("backward jump");
    }
    throw std::runtime_error("ran off the end");
}

bool program_allows(const std::vector<CgroupDeviceRule>& rules, char type, std::uint32_t major, std::uint32_t minor,
                    std::uint32_t access) {
    auto t = type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    auto v = run(device_filter(rules), t | access << 16, major, minor);
    REQUIRE((v == 0 || v == 1));
    return v == 1;
}

const CgroupDeviceRule kDenyAll{false, 'a', -1, -1, "rwm"};

}  // namespace

TEST_CASE("device rules: deny-all then allow /dev/null, as podman sends them") {
    std::vector<CgroupDeviceRule> rules{kDenyAll, {true, 'c', 1, 3, "rwm"}, {true, 'c', -1, -1, "m"}};
    CHECK(program_allows(rules, 'c', 1, 3, kDevRead | kDevWrite));
    CHECK_FALSE(program_allows(rules, 'c', 1, 5, kDevRead));  // /dev/zero
    CHECK_FALSE(program_allows(rules, 'b', 7, 0, kDevRead));  // a loop device
    CHECK(program_allows(rules, 'c', 1, 5, kDevMknod));       // mknod of any char device
    CHECK_FALSE(program_allows(rules, 'b', 7, 0, kDevMknod));
    CHECK(program_allows(rules, 'c', 1, 3, kDevMknod | kDevRead));
}

TEST_CASE("device rules: a later rule overrides an earlier one, access by access") {
    // allow c 1:3 rwm, then deny its write: read still allowed, read+write not.
    std::vector<CgroupDeviceRule> rules{kDenyAll, {true, 'c', 1, 3, "rwm"}, {false, 'c', 1, 3, "w"}};
    CHECK(program_allows(rules, 'c', 1, 3, kDevRead));
    CHECK_FALSE(program_allows(rules, 'c', 1, 3, kDevWrite));
    CHECK_FALSE(program_allows(rules, 'c', 1, 3, kDevRead | kDevWrite));
    // no rule at all, or only allows: everything is allowed (v1's default)
    CHECK(program_allows({}, 'b', 8, 0, kDevRead | kDevWrite | kDevMknod));
    // deny one device in an allow-all group
    std::vector<CgroupDeviceRule> block{{true, 'a', -1, -1, "rwm"}, {false, 'b', 8, -1, "rw"}};
    CHECK_FALSE(program_allows(block, 'b', 8, 1, kDevRead));
    CHECK(program_allows(block, 'b', 8, 1, kDevMknod));
    CHECK(program_allows(block, 'c', 8, 1, kDevRead));
    CHECK(program_allows(block, 'b', 9, 1, kDevWrite));
}

TEST_CASE("device rules: the program agrees with device_allowed() over a table of cases") {
    const std::vector<std::vector<CgroupDeviceRule>> sets{
        {},
        {kDenyAll},
        {kDenyAll, {true, 'c', 1, 3, "rwm"}, {true, 'c', 136, -1, "rw"}, {true, 'b', -1, -1, "m"}},
        {{true, 'a', -1, -1, "rwm"}, {false, 'c', 1, -1, "w"}, {true, 'c', 1, 9, "w"}, {false, 'b', 7, 0, "rwm"}},
        {kDenyAll, {true, 'c', -1, 5, "r"}, {false, 'a', -1, -1, "m"}, {true, 'b', 8, 0, "rm"}},
    };
    int cases = 0;
    for (const auto& rules : sets)
        for (char type : {'c', 'b'})
            for (std::uint32_t major : {1u, 7u, 8u, 136u})
                for (std::uint32_t minor : {0u, 3u, 5u, 9u})
                    for (std::uint32_t access = 1; access <= 7; ++access) {
                        CAPTURE(type); CAPTURE(major); CAPTURE(minor); CAPTURE(access); CAPTURE(rules.size());
                        CHECK(program_allows(rules, type, major, minor, access) ==
                              device_allowed(rules, type, major, minor, access));
                        ++cases;
                    }
    CHECK(cases == 5 * 2 * 4 * 4 * 7);
    // and the reference itself on a few: deny-all wins until a later allow names the device
    CHECK_FALSE(device_allowed(sets[2], 'c', 1, 5, kDevRead));
    CHECK(device_allowed(sets[2], 'c', 136, 0, kDevRead | kDevWrite));
    CHECK_FALSE(device_allowed(sets[2], 'c', 136, 0, kDevMknod));
    CHECK(device_allowed(sets[3], 'c', 1, 9, kDevWrite));
    CHECK_FALSE(device_allowed(sets[3], 'c', 1, 8, kDevWrite));
}
