#include "seccomp.hpp"

#include "error.hpp"
#include "guard.hpp"
#include "narrate.hpp"
#include "parse.hpp"

#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace box {

namespace {

using Json = nlohmann::json;

const char kDefaultProfile[] =
#include "default_profile.inc"
    ;

[[noreturn]] void bad(std::string_view source, const std::string& path, const std::string& what) {
    throw InputError(kExitBadData, fmt::format("{}: {}: {}", source, path.empty() ? "." : path, what),
                     "see the OCI runtime-spec, config-linux.md#seccomp, for the format");
}

std::string type_name(const Json& v) { return v.type_name(); }

const Json* field(const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string get_string(std::string_view src, const Json& v, const std::string& path) {
    if (!v.is_string()) bad(src, path, "expected a string, got " + type_name(v));
    return v.get<std::string>();
}

std::uint64_t get_u64(std::string_view src, const Json& v, const std::string& path) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
        bad(src, path, "expected a whole number >= 0, got " + v.dump());
    return v.get<std::uint64_t>();
}

const std::set<std::string> kActions = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                                        "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
                                        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};
const std::set<std::string> kOps = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
const std::set<std::string> kFlags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                      "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};

std::string check_action(std::string_view src, const Json& v, const std::string& path) {
    auto a = get_string(src, v, path);
    if (a == "SCMP_ACT_NOTIFY")
        bad(src, path, "'SCMP_ACT_NOTIFY' is not supported by boxkit (it needs a listener): use SCMP_ACT_ERRNO");
    if (!kActions.count(a)) bad(src, path, fmt::format("'{}' is not an action: use one of {}", a, join(kActions)));
    return a;
}

uint32_t arch_token(const std::string& name) {
    if (name.rfind("SCMP_ARCH_", 0) != 0) return 0;
    std::string low;
    for (char c : name.substr(10)) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ::seccomp_arch_resolve_name(low.c_str());
}

std::vector<std::string> string_list(std::string_view src, const Json& v, const std::string& path) {
    if (!v.is_array()) bad(src, path, "expected an array of strings, got " + type_name(v));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(get_string(src, v[i], fmt::format("{}[{}]", path, i)));
    return out;
}

SeccompCondition parse_condition(std::string_view src, const Json& v, const std::string& path) {
    if (!v.is_object()) bad(src, path, "expected an object, got " + type_name(v));
    SeccompCondition c;
    if (auto* caps = field(v, "caps")) {
        auto names = string_list(src, *caps, path + ".caps");
        for (std::size_t i = 0; i < names.size(); ++i) {
            int cap = capability_from_name(names[i]);
            if (cap < 0) bad(src, fmt::format("{}.caps[{}]", path, i), fmt::format("'{}' is not a capability", names[i]));
            c.caps |= CapMask{1} << cap;
        }
    }
    if (auto* arches = field(v, "arches")) c.arches = string_list(src, *arches, path + ".arches");
    if (auto* k = field(v, "minKernel")) c.min_kernel = get_string(src, *k, path + ".minKernel");
    return c;
}

SeccompArg parse_arg(std::string_view src, const Json& v, const std::string& path) {
    if (!v.is_object()) bad(src, path, "expected an object {index, value, op}, got " + type_name(v));
    SeccompArg a;
    auto* index = field(v, "index");
    if (!index) bad(src, path + ".index", "missing: name the argument, 0 to 5");
    a.index = static_cast<unsigned>(get_u64(src, *index, path + ".index"));
    if (a.index > 5) bad(src, path + ".index", fmt::format("{} is out of range: a syscall has arguments 0 to 5", a.index));
    auto* value = field(v, "value");
    if (!value) bad(src, path + ".value", "missing");
    a.value = get_u64(src, *value, path + ".value");
    if (auto* two = field(v, "valueTwo")) a.value_two = get_u64(src, *two, path + ".valueTwo");
    auto* op = field(v, "op");
    if (!op) bad(src, path + ".op", "missing: e.g. SCMP_CMP_EQ");
    a.op = get_string(src, *op, path + ".op");
    if (!kOps.count(a.op)) bad(src, path + ".op", fmt::format("'{}' is not an operator: use one of {}", a.op, join(kOps)));
    return a;
}

SeccompRule parse_rule(std::string_view src, const Json& v, const std::string& path, UnknownSyscalls unknown,
                       std::vector<std::string>& skipped) {
    if (!v.is_object()) bad(src, path, "expected an object {names, action}, got " + type_name(v));
    SeccompRule r;
    if (auto* names = field(v, "names")) r.names = string_list(src, *names, path + ".names");
    else if (auto* name = field(v, "name")) r.names = {get_string(src, *name, path + ".name")};  // old Docker form
    if (r.names.empty()) bad(src, path + ".names", "missing or empty: list the system calls this rule is for");
    std::vector<std::string> known;
    for (std::size_t i = 0; i < r.names.size(); ++i) {
        if (::seccomp_syscall_resolve_name(r.names[i].c_str()) != __NR_SCMP_ERROR)
            known.push_back(r.names[i]);
        else if (unknown == UnknownSyscalls::Skip)
            skipped.push_back(r.names[i]);
        else
            bad(src, fmt::format("{}.names[{}]", path, i),
                fmt::format("'{}' is not a system call libseccomp knows: check the spelling (see syscalls(2))", r.names[i]));
    }
    r.names = std::move(known);
    auto* action = field(v, "action");
    if (!action) bad(src, path + ".action", "missing: e.g. SCMP_ACT_ALLOW");
    r.action = check_action(src, *action, path + ".action");
    if (auto* e = field(v, "errnoRet")) r.errno_ret = static_cast<unsigned>(get_u64(src, *e, path + ".errnoRet"));
    if (auto* args = field(v, "args")) {
        if (!args->is_array()) bad(src, path + ".args", "expected an array, got " + type_name(*args));
        for (std::size_t i = 0; i < args->size(); ++i)
            r.args.push_back(parse_arg(src, (*args)[i], fmt::format("{}.args[{}]", path, i)));
    }
    if (auto* inc = field(v, "includes")) r.includes = parse_condition(src, *inc, path + ".includes");
    if (auto* exc = field(v, "excludes")) r.excludes = parse_condition(src, *exc, path + ".excludes");
    return r;
}

std::string kernel_release() {
    struct utsname u{};
    return ::uname(&u) == 0 ? u.release : "0";
}

bool on_arch(const std::vector<std::string>& arches) {
    return std::find(arches.begin(), arches.end(), native_go_arch()) != arches.end();
}

bool applies(const SeccompRule& r, CapMask caps) {
    static const std::string release = kernel_release();
    const auto& in = r.includes;
    const auto& ex = r.excludes;
    return (in.caps & caps) == in.caps && (in.arches.empty() || on_arch(in.arches)) &&
           (in.min_kernel.empty() || kernel_at_least(release, in.min_kernel)) &&
           (ex.caps & caps) == 0 && (ex.arches.empty() || !on_arch(ex.arches)) &&
           (ex.min_kernel.empty() || !kernel_at_least(release, ex.min_kernel));
}

uint32_t scmp_action(const std::string& name, std::optional<unsigned> errno_ret) {
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    return SCMP_ACT_KILL_PROCESS;  // unreachable: parse_* checked the name
}

scmp_compare scmp_op(const std::string& op) {
    if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
    if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
    if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
    if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
    if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
    if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
    return SCMP_CMP_EQ;
}

scmp_arg_cmp to_cmp(const SeccompArg& a) {
    // MASKED_EQ: (arg & value) == valueTwo; the others compare arg with value.
    if (a.op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP(a.index, SCMP_CMP_MASKED_EQ, a.value, a.value_two);
    return SCMP_CMP(a.index, scmp_op(a.op), a.value);
}

std::string action_text(const std::string& name, std::optional<unsigned> errno_ret) {
    if (name == "SCMP_ACT_ERRNO") return fmt::format("SCMP_ACT_ERRNO({})", errno_ret.value_or(EPERM));
    return name;
}

}  // namespace

std::string_view native_go_arch() {
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "unknown";
#endif
}

bool kernel_at_least(std::string_view release, std::string_view min) {
    auto numbers = [](std::string_view v) {
        std::vector<long> out;
        std::size_t i = 0;
        while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
            long n = 0;
            while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) n = n * 10 + (v[i++] - '0');
            out.push_back(n);
            if (i < v.size() && v[i] == '.') ++i;
        }
        return out;
    };
    return numbers(release) >= numbers(min);
}

SeccompProfile parse_seccomp_profile(const Json& j, std::string_view src, UnknownSyscalls unknown) {
    if (!j.is_object()) bad(src, "", "expected a JSON object with defaultAction and syscalls, got " + type_name(j));
    SeccompProfile p;
    auto* def = field(j, "defaultAction");
    if (!def) bad(src, ".defaultAction", "missing: e.g. \"SCMP_ACT_ERRNO\"");
    p.default_action = check_action(src, *def, ".defaultAction");
    if (auto* e = field(j, "defaultErrnoRet")) p.default_errno = static_cast<unsigned>(get_u64(src, *e, ".defaultErrnoRet"));
    if (auto* arches = field(j, "architectures")) p.architectures = string_list(src, *arches, ".architectures");
    if (auto* map = field(j, "archMap")) {  // Docker's form: [{architecture, subArchitectures}]
        if (!map->is_array()) bad(src, ".archMap", "expected an array, got " + type_name(*map));
        for (std::size_t i = 0; i < map->size(); ++i) {
            const auto& m = (*map)[i];
            auto path = fmt::format(".archMap[{}]", i);
            if (!m.is_object() || !field(m, "architecture")) bad(src, path, "expected {architecture, subArchitectures}");
            auto arch = get_string(src, m["architecture"], path + ".architecture");
            if (arch_token(arch) != ::seccomp_arch_native()) continue;  // Docker takes this machine's entry only
            p.architectures.push_back(arch);
            if (auto* sub = field(m, "subArchitectures"))
                for (auto& s : string_list(src, *sub, path + ".subArchitectures")) p.architectures.push_back(s);
        }
    }
    for (std::size_t i = 0; i < p.architectures.size(); ++i)
        if (arch_token(p.architectures[i]) == 0)
            bad(src, fmt::format(".architectures[{}]", i),
                fmt::format("'{}' is not an architecture: use names like SCMP_ARCH_X86_64", p.architectures[i]));
    if (auto* flags = field(j, "flags")) {
        p.flags = string_list(src, *flags, ".flags");
        for (std::size_t i = 0; i < p.flags.size(); ++i)
            if (!kFlags.count(p.flags[i]))
                bad(src, fmt::format(".flags[{}]", i),
                    fmt::format("'{}' is not a supported flag: use {}", p.flags[i], join(kFlags)));
    }
    if (field(j, "listenerPath")) bad(src, ".listenerPath", "seccomp notify listeners are not supported by boxkit");
    if (auto* sys = field(j, "syscalls")) {
        if (!sys->is_array()) bad(src, ".syscalls", "expected an array, got " + type_name(*sys));
        for (std::size_t i = 0; i < sys->size(); ++i)
            p.rules.push_back(parse_rule(src, (*sys)[i], fmt::format(".syscalls[{}]", i), unknown, p.skipped));
    }
    return p;
}

SeccompProfile load_seccomp_profile(const std::string& path) {
    std::ifstream in(path);
    struct stat st{};
    if (!in || ::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode))
        throw InputError(kExitNoInput, fmt::format("--seccomp: profile '{}' cannot be read: name a JSON profile "
                                                   "file, or 'default' or 'unconfined'",
                                                   path));
    std::stringstream ss;
    ss << in.rdbuf();
    Json j;
    try {
        j = Json::parse(ss.str());
    } catch (const Json::parse_error& e) {
        throw InputError(kExitBadData, fmt::format("{}: not valid JSON: {}", path, e.what()),
                         "check the file with: jq . " + path);
    }
    return parse_seccomp_profile(j, path);
}

std::string_view default_seccomp_profile_json() { return kDefaultProfile; }

SeccompProfile default_seccomp_profile() {
    return parse_seccomp_profile(Json::parse(kDefaultProfile), "default seccomp profile");
}

std::string profile_action_for(const SeccompProfile& p, std::string_view syscall, CapMask caps) {
    bool conditional = false;
    for (const auto& r : p.rules) {
        if (!applies(r, caps) || std::find(r.names.begin(), r.names.end(), syscall) == r.names.end()) continue;
        if (r.args.empty()) return action_text(r.action, r.errno_ret);
        conditional = true;
    }
    return conditional ? "conditional" : action_text(p.default_action, p.default_errno);
}

namespace {
// System calls newer than this libseccomp (numbers above the highest it names) fail with ENOSYS,
// as on a kernel that lacks them, so that a newer C library falls back to the older call instead
// of giving up on EPERM (runc does the same). Only for a native-only filter: raw numbers mean
// other calls on other ABIs.
std::size_t add_enosys_for_newer(scmp_filter_ctx ctx) {
    int last = 0;
    for (int nr = 0; nr < 1024; ++nr)
        if (char* name = ::seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr)) {
            last = nr;
            std::free(name);
        }
    std::size_t added = 0;
    for (int nr = last + 1; nr <= last + kNewerSyscalls; ++nr)
        if (::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) == 0) ++added;
    return added;
}
}  // namespace

SeccompFilter::SeccompFilter(const SeccompProfile& p, CapMask caps) {
    uint32_t def = scmp_action(p.default_action, p.default_errno);
    ctx_ = ::seccomp_init(def);
    if (!ctx_) throw SysError(EINVAL, "seccomp_init()");
    auto ctx = static_cast<scmp_filter_ctx>(ctx_);
    // no_new_privs is a step of its own (set_no_new_privs), not a side effect of loading.
    ::seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    for (const auto& a : p.architectures) {
        int rc = ::seccomp_arch_add(ctx, arch_token(a));
        if (rc < 0 && rc != -EEXIST) throw SysError(-rc, fmt::format("seccomp_arch_add({})", a));
    }
    for (const auto& f : p.flags) {
        auto attr = f == "SECCOMP_FILTER_FLAG_TSYNC" ? SCMP_FLTATR_CTL_TSYNC
                    : f == "SECCOMP_FILTER_FLAG_LOG" ? SCMP_FLTATR_CTL_LOG
                                                     : SCMP_FLTATR_CTL_SSB;
        int rc = ::seccomp_attr_set(ctx, attr, 1);
        if (rc < 0) throw SysError(-rc, fmt::format("seccomp_attr_set({})", f));
        flags_ |= f == "SECCOMP_FILTER_FLAG_TSYNC" ? SECCOMP_FILTER_FLAG_TSYNC
                  : f == "SECCOMP_FILTER_FLAG_LOG" ? SECCOMP_FILTER_FLAG_LOG
                                                   : SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    }
    for (const auto& r : p.rules) {
        if (!applies(r, caps)) continue;
        uint32_t act = scmp_action(r.action, r.errno_ret);
        if (act == def) continue;  // libseccomp refuses rules that repeat the default
        std::set<unsigned> indices;
        bool repeated = false;
        for (const auto& a : r.args) repeated |= !indices.insert(a.index).second;
        std::vector<std::vector<scmp_arg_cmp>> sets;  // each set is one rule: its conditions AND
        if (repeated)                                  // two conditions on one argument: OR (as runc)
            for (const auto& a : r.args) sets.push_back({to_cmp(a)});
        else {
            sets.emplace_back();
            for (const auto& a : r.args) sets.back().push_back(to_cmp(a));
        }
        for (const auto& name : r.names) {
            int nr = ::seccomp_syscall_resolve_name(name.c_str());
            for (const auto& conds : sets) {
                int rc = ::seccomp_rule_add_array(ctx, act, nr, static_cast<unsigned>(conds.size()), conds.data());
                if (rc == -EEXIST) continue;  // the same rule twice (e.g. bpf under two capabilities)
                if (rc < 0)
                    throw InputError(kExitBadData,
                                     fmt::format("seccomp profile: the rule for '{}' ({}) cannot be added: {}", name,
                                                 r.action, std::strerror(-rc)));
                ++rules_;
            }
        }
    }
    if (def != SCMP_ACT_ALLOW && p.architectures.empty()) rules_ += add_enosys_for_newer(ctx);
}

SeccompFilter::~SeccompFilter() {
    if (ctx_) ::seccomp_release(static_cast<scmp_filter_ctx>(ctx_));
}
SeccompFilter::SeccompFilter(SeccompFilter&& o) noexcept
    : ctx_(std::exchange(o.ctx_, nullptr)), code_(std::move(o.code_)), flags_(o.flags_), rules_(o.rules_) {}
SeccompFilter& SeccompFilter::operator=(SeccompFilter&& o) noexcept {
    if (this != &o) {
        if (ctx_) ::seccomp_release(static_cast<scmp_filter_ctx>(ctx_));
        ctx_ = std::exchange(o.ctx_, nullptr);
        code_ = std::move(o.code_);
        flags_ = o.flags_;
        rules_ = o.rules_;
    }
    return *this;
}

SeccompFilter SeccompFilter::from_bpf(std::vector<sock_filter> code, unsigned flags, std::size_t rules) {
    SeccompFilter f;
    f.code_ = std::move(code), f.flags_ = flags, f.rules_ = rules;
    return f;
}

std::vector<sock_filter> SeccompFilter::bpf() const {
    if (!ctx_) return code_;
    // libseccomp 2.5 exports to a file descriptor only: a memory file, read back.
    Fd mem(check(::memfd_create("box-seccomp-bpf", MFD_CLOEXEC), "memfd_create(\"box-seccomp-bpf\")"));
    int rc = ::seccomp_export_bpf(static_cast<scmp_filter_ctx>(ctx_), mem.get());
    if (rc < 0) throw SysError(-rc, "seccomp_export_bpf()");
    auto bytes = static_cast<std::size_t>(::lseek(mem.get(), 0, SEEK_END));
    std::vector<sock_filter> code(bytes / sizeof(sock_filter));
    bytes = code.size() * sizeof(sock_filter);
    if (::pread(mem.get(), code.data(), bytes, 0) != static_cast<ssize_t>(bytes)) throw SysError(EIO, "pread(memfd)");
    return code;
}

void SeccompFilter::load() const {
    explain(Step::SeccompLoad, fmt::format("seccomp(SECCOMP_SET_MODE_FILTER, {} rules)", rules_));
    if (ctx_) {
        int rc = ::seccomp_load(static_cast<scmp_filter_ctx>(ctx_));
        if (rc < 0) throw SysError(-rc, "seccomp(SECCOMP_SET_MODE_FILTER)");
        return;
    }
    sock_fprog prog{static_cast<unsigned short>(code_.size()), const_cast<sock_filter*>(code_.data())};
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags_, &prog);
    if (rc != 0) throw SysError(rc < 0 ? errno : ESRCH, "seccomp(SECCOMP_SET_MODE_FILTER)");
}

// ---- the teaching filter: classic BPF by hand ----

namespace {

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
constexpr const char* kArchName = "x86_64";
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
constexpr const char* kArchName = "aarch64";
#else
#error "the teaching filter knows x86_64 and aarch64"
#endif

struct Listed {
    sock_filter insn;
    std::string text;     ///< the instruction, in the kernel's bpf_asm notation
    std::string comment;  ///< what it does
};

std::vector<Listed> teaching_program(std::string_view blocked) {
    int nr = ::seccomp_syscall_resolve_name(std::string(blocked).c_str());
    if (nr < 0) throw InputError(kExitUsage, fmt::format("teaching filter: '{}' is not a system call here", blocked));
    std::vector<Listed> p;
    // EXERCISE 04.2: the teaching filter: check the architecture, then block one call with EPERM
    auto n = static_cast<uint32_t>(nr);
    p.push_back({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4), "ld  [4]", "A = seccomp_data.arch"});
    p.push_back({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0), fmt::format("jeq #{:#x}, +1, +0", kAuditArch),
                 fmt::format("{}? then skip the next instruction", kArchName)});
    p.push_back({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), "ret #KILL_PROCESS",
                 "another ABI: its numbers mean other calls, so kill"});
    p.push_back({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), "ld  [0]", "A = seccomp_data.nr, the syscall number"});
    p.push_back({BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1), "jge #0x40000000, +0, +1",
                 "the x32 bit set? then kill: same arch value, other numbers"});
    p.push_back({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), "ret #KILL_PROCESS", ""});
    p.push_back({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, n, 0, 1), fmt::format("jeq #{}, +0, +1", n),
                 fmt::format("{}? then the next instruction, else skip it", blocked)});
    p.push_back({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)), "ret #ERRNO|EPERM",
                 "fail the call: it returns -1 with errno EPERM"});
    p.push_back({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), "ret #ALLOW", "every other call runs"});
    // END EXERCISE
    return p;
}

}  // namespace

std::vector<std::string> teaching_filter_listing(std::string_view blocked) {
    std::vector<std::string> out;
    auto p = teaching_program(blocked);
    for (std::size_t i = 0; i < p.size(); ++i) {
        out.push_back(fmt::format("{}: {:<24} {}", i, p[i].text, p[i].comment));
        out.back().erase(out.back().find_last_not_of(' ') + 1);
    }
    return out;
}

void install_teaching_filter(std::string_view blocked) {
    auto p = teaching_program(blocked);
    std::vector<sock_filter> insns;
    for (auto& l : p) insns.push_back(l.insn);
    sock_fprog prog{static_cast<unsigned short>(insns.size()), insns.data()};
    explain(Step::SeccompTeaching, fmt::format("prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, {} insns)", insns.size()));
    if (explaining())
        for (const auto& line : teaching_filter_listing(blocked)) explain_note(line);
    check(::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0),
          "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)");
}

}  // namespace box
