/// @file seccomp_cache.hpp
/// @brief Stage 05: compiled seccomp filters kept under --root, so that only the first container
/// with a given profile pays for libseccomp building it (engines pass a profile of ~300 rules with
/// every container; building it costs ~3.5 ms of CPU here).
/// @ingroup runtime
///
/// A filter is stored as ROOT/.seccomp-cache/NAME.bpf: a header line, the key, the BPF program.
/// NAME is a 64-bit FNV-1a hash of the key; the whole key is stored and compared on every load,
/// so two keys with one hash never share a filter. The key is every input of the build: the
/// profile's JSON, the capabilities it was built for, the libseccomp version, the architecture and
/// the kernel release (a profile's minKernel). Files are written to a temporary name and renamed.
/// Bounded: when the directory holds kSeccompCacheMax filters, it is emptied before the next one
/// is stored. Nothing else removes it (on most machines --root is on a tmpfs, emptied at boot).
#pragma once
#include "seccomp.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace box {

/// How many filters the cache directory holds at most.
inline constexpr int kSeccompCacheMax = 32;

/// The key of the filter built from @p profile (linux.seccomp as JSON) for a container that keeps
/// @p caps in its bounding set, on this machine (libseccomp version, architecture, kernel release).
std::string seccomp_cache_key(const nlohmann::json& profile, CapMask caps);

/// The file name a key is stored under: 16 hex digits of its FNV-1a hash, then ".bpf".
std::string seccomp_cache_name(std::string_view key);

/// The filter stored in @p dir under @p key, if a file there holds exactly this key and a valid
/// program; else nothing (a missing, damaged or foreign file is a miss, never an error).
std::optional<SeccompFilter> seccomp_cache_load(const std::string& dir, std::string_view key);

/// Store @p filter under @p key in @p dir (made 0700 if missing), atomically. Best effort: a
/// failure leaves no file behind and is not an error (the next container builds it again).
void seccomp_cache_store(const std::string& dir, std::string_view key, const SeccompFilter& filter);

}  // namespace box
