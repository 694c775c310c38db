// Unit tests for stage 05's cache of compiled seccomp filters (05-full-runtime/seccomp_cache.cpp):
// the key, a cached filter equal to a fresh one, misses that must not load the wrong filter, the
// bound. No root needed (nothing is loaded into a process).
#include <doctest/doctest.h>

#include "seccomp.hpp"
#include "seccomp_cache.hpp"
#include "temp_dir.hpp"

#include <linux/seccomp.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace box;

namespace {
nlohmann::json default_json() { return nlohmann::json::parse(default_seccomp_profile_json()); }

bool same_code(const std::vector<sock_filter>& a, const std::vector<sock_filter>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) == 0;
}

std::size_t files_in(const std::string& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
}
}  // namespace

TEST_CASE("seccomp cache key: every input of the build, and nothing else") {
    auto j = default_json();
    CapMask caps = CapMask{1} << 21;
    auto key = seccomp_cache_key(j, caps);
    CHECK(key == seccomp_cache_key(default_json(), caps));  // the same profile and caps: the same key
    CHECK(key != seccomp_cache_key(j, caps | 1));            // other capabilities: includes/excludes differ
    auto other = j;
    other["defaultErrnoRet"] = 38;
    CHECK(key != seccomp_cache_key(other, caps));            // another profile
    CHECK(key.find("libseccomp ") != std::string::npos);
    CHECK(key.find("\nkernel ") != std::string::npos);
    auto name = seccomp_cache_name(key);
    CHECK(name.size() == 16 + 4);
    CHECK(name.ends_with(".bpf"));
    CHECK(name == seccomp_cache_name(seccomp_cache_key(default_json(), caps)));
}

TEST_CASE("a cached filter is the filter libseccomp builds: the same program, flags and rule count") {
    TempDir t("seccomp-cache");
    auto dir = t.path.string();
    auto j = default_json();
    j["flags"] = {"SECCOMP_FILTER_FLAG_LOG"};
    CapMask caps = all_capabilities();
    auto key = seccomp_cache_key(j, caps);
    CHECK_FALSE(seccomp_cache_load(dir, key));  // empty: a miss
    SeccompFilter fresh(parse_seccomp_profile(j, "test"), caps);
    auto code = fresh.bpf();
    REQUIRE(code.size() > 10);
    seccomp_cache_store(dir, key, SeccompFilter::from_bpf(code, fresh.flags(), fresh.rule_count()));
    auto cached = seccomp_cache_load(dir, key);
    REQUIRE(cached);
    CHECK(same_code(cached->bpf(), code));
    CHECK(same_code(cached->bpf(), SeccompFilter(parse_seccomp_profile(j, "test"), caps).bpf()));  // built again
    CHECK(cached->flags() == fresh.flags());
    CHECK(fresh.flags() == SECCOMP_FILTER_FLAG_LOG);
    CHECK(cached->rule_count() == fresh.rule_count());
    CHECK(files_in(dir) == 1);  // no temporary file left
}

TEST_CASE("a cache file is used only for exactly its key and a whole program") {
    TempDir t("seccomp-cache");
    auto dir = t.path.string();
    auto j = default_json();
    auto key = seccomp_cache_key(j, 0);
    SeccompFilter fresh(parse_seccomp_profile(j, "test"), 0);
    seccomp_cache_store(dir, key, fresh);
    auto path = dir + "/" + seccomp_cache_name(key);
    std::string text;
    {
        std::ifstream in(path);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    REQUIRE(seccomp_cache_load(dir, key));
    SUBCASE("another key under the same name (a hash collision): a miss") {
        auto other = key;
        other.back() = other.back() == '}' ? ']' : '}';
        std::ofstream(path) << text.substr(0, text.find('\n') + 1) << other << text.substr(text.find('\n') + 1 + key.size());
        CHECK_FALSE(seccomp_cache_load(dir, key));
    }
    SUBCASE("a program cut short: a miss") {
        std::ofstream(path) << text.substr(0, text.size() - 3);
        CHECK_FALSE(seccomp_cache_load(dir, key));
    }
    SUBCASE("not a cache file: a miss") {
        std::ofstream(path) << "{}";
        CHECK_FALSE(seccomp_cache_load(dir, key));
    }
}

TEST_CASE("the cache is bounded: a full directory is emptied before the next filter is stored") {
    TempDir t("seccomp-cache");
    auto dir = t.path.string();
    SeccompFilter f = SeccompFilter::from_bpf({sock_filter{0x06, 0, 0, 0x7fff0000}}, 0, 1);  // ret ALLOW
    for (int i = 0; i < kSeccompCacheMax + 5; ++i) {
        seccomp_cache_store(dir, "key " + std::to_string(i), f);
        CHECK(files_in(dir) <= static_cast<std::size_t>(kSeccompCacheMax));
    }
    CHECK(seccomp_cache_load(dir, "key " + std::to_string(kSeccompCacheMax + 4)));
}
