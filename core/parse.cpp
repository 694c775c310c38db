#include "parse.hpp"

#include "error.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace box {

namespace {
[[noreturn]] void bad(std::string_view what, std::string_view text, std::string_view fix) {
    throw InputError(kExitUsage, fmt::format("{}: '{}' {}", what, text, fix));
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
}  // namespace

std::uint64_t parse_size(std::string_view text, std::string_view what) {
    constexpr std::string_view fix = "is not a size: use a number with an optional K, M, G or T suffix, e.g. 64M";
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end == text.data()) bad(what, text, fix);
    std::string unit;
    for (const char* p = end; p != text.data() + text.size(); ++p) unit += lower(*p);
    int shift = 0;
    if (unit.empty() || unit == "b") shift = 0;
    else if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
    else if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
    else if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
    else if (unit == "t" || unit == "tb" || unit == "tib") shift = 40;
    else bad(what, text, fix);
    if (shift && n > (std::numeric_limits<std::uint64_t>::max() >> shift)) bad(what, text, "is too large");
    return n << shift;
}

std::int64_t parse_int(std::string_view text, std::string_view what, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        bad(what, text, fmt::format("is not a whole number: use one from {} to {}", min, max));
    if (n < min || n > max) bad(what, text, fmt::format("is out of range: use a number from {} to {}", min, max));
    return n;
}

double parse_fraction(std::string_view text, std::string_view what, double max) {
    std::string s(text);
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno || !std::isfinite(v))
        bad(what, text, "is not a number: use a decimal like 0.5");
    if (v <= 0 || v > max) bad(what, text, fmt::format("is out of range: use a number above 0 and at most {}", max));
    return v;
}

std::string join(const std::set<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) out += sep;
        out += i;
    }
    return out;
}

std::vector<std::string> parse_list(std::string_view text, std::string_view what,
                                    const std::set<std::string>& allowed) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (item.empty() || !allowed.count(std::string(item)))
            throw InputError(kExitUsage, fmt::format("{}: '{}' is not one of: {}", what,
                                                     item.empty() ? text : item, join(allowed)));
        out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace box
