// Compiled seccomp filters under --root: see seccomp_cache.hpp.
#include "seccomp_cache.hpp"

#include "error.hpp"
#include "guard.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace box {

namespace {
constexpr std::string_view kMagic = "box-seccomp-cache 1";

std::string read_all(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::string out;
    if (!fd) return out;
    char buf[16384];
    for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// When the directory is full, empty it (a bounded cache without bookkeeping).
void make_room(const std::string& dir) {
    std::error_code ec;
    int count = 0;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++count;
    if (count < kSeccompCacheMax) return;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ::unlink(it->path().c_str());
}
}  // namespace

std::string seccomp_cache_key(const nlohmann::json& profile, CapMask caps) {
    const scmp_version* v = ::seccomp_version();
    utsname u{};
    ::uname(&u);
    return fmt::format("{}\nlibseccomp {}.{}.{}\narch {}\nkernel {}\ncaps {:#x}\nnewer {}\n{}", kMagic, v->major,
                       v->minor, v->micro, native_go_arch(), u.release, caps, kNewerSyscalls, profile.dump());
}

std::string seccomp_cache_name(std::string_view key) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
    for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
    return fmt::format("{:016x}.bpf", h);
}

std::optional<SeccompFilter> seccomp_cache_load(const std::string& dir, std::string_view key) {
    std::string text = read_all(dir + "/" + seccomp_cache_name(key));
    // "box-seccomp-cache 1 RULES FLAGS KEYBYTES INSNS\n" KEY PROGRAM
    auto eol = text.find('\n');
    if (eol == std::string::npos || text.compare(0, kMagic.size(), kMagic) != 0) return std::nullopt;
    unsigned long long rules = 0, flags = 0, key_bytes = 0, insns = 0;
    if (std::sscanf(text.c_str() + kMagic.size(), " %llu %llu %llu %llu", &rules, &flags, &key_bytes, &insns) != 4)
        return std::nullopt;
    std::string_view rest(text);
    rest.remove_prefix(eol + 1);
    if (key_bytes != key.size() || insns == 0 || insns > BPF_MAXINSNS ||
        rest.size() != key_bytes + insns * sizeof(sock_filter) || rest.substr(0, key_bytes) != key)
        return std::nullopt;
    std::vector<sock_filter> code(insns);
    std::memcpy(code.data(), rest.data() + key_bytes, insns * sizeof(sock_filter));
    return SeccompFilter::from_bpf(std::move(code), static_cast<unsigned>(flags), rules);
}

void seccomp_cache_store(const std::string& dir, std::string_view key, const SeccompFilter& filter) {
    auto code = filter.bpf();
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return;
    make_room(dir);
    auto path = dir + "/" + seccomp_cache_name(key);
    auto tmp = fmt::format("{}.tmp.{}", path, ::getpid());
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return;
    auto head = fmt::format("{} {} {} {} {}\n", kMagic, filter.rule_count(), filter.flags(), key.size(), code.size());
    bool ok = write_all(fd.get(), head) && write_all(fd.get(), key) &&
              write_all(fd.get(), {reinterpret_cast<const char*>(code.data()), code.size() * sizeof(sock_filter)});
    fd.close();
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace box
