/// @file parse.hpp
/// @brief Small parsers for command-line values: sizes, counts, fractions, lists.
/// @ingroup core
///
/// Each takes the value and @p what (the option or field it came from, e.g. "--memory") and
/// throws InputError(kExitUsage) with a message that names the input and the fix.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace box {

/// "64M" -> 67108864. Suffixes K, M, G, T (powers of 1024, case-insensitive, optional B/iB);
/// a plain number is bytes.
std::uint64_t parse_size(std::string_view text, std::string_view what);

/// A whole number in [min, max]: "20" -> 20.
std::int64_t parse_int(std::string_view text, std::string_view what, std::int64_t min, std::int64_t max);

/// A positive decimal like "0.5" or "2", at most @p max.
double parse_fraction(std::string_view text, std::string_view what, double max);

/// "uts,pid" -> {"uts","pid"}; every item must be in @p allowed (empty items are errors).
std::vector<std::string> parse_list(std::string_view text, std::string_view what,
                                    const std::set<std::string>& allowed);

/// Join with ", " (for messages that list allowed values).
std::string join(const std::set<std::string>& items, std::string_view sep = ", ");

}  // namespace box
