/// @file exercise.hpp
/// @brief What a student workspace puts where an exercise's solution was.
/// @ingroup core
///
/// Exercise regions in the real sources look like this:
///
///     // EXERCISE 01.2: detach the old root
///     check(::umount2(".", MNT_DETACH), "umount2(\".\", MNT_DETACH)");
///     // END EXERCISE
///
/// A student workspace replaces the lines between the markers with
/// `box::exercise_todo("01.2", "lessons/01-chroot/README.md#ex-012");`, which compiles
/// anywhere a statement does and fails clearly when reached.
#pragma once

#include "error.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace box {

/// Throw "exercise NN.K is not done yet: see WHERE" (exit code 125).
[[noreturn]] inline void exercise_todo(std::string_view id, std::string_view where) {
    throw InputError(kExitFailure, "exercise " + std::string(id) + " is not done yet: see " + std::string(where));
}

/// For the CI proof only (tests/workshop/student.py): `lessons/workspace --switchable` keeps
/// each solution and puts `if (box::exercise_stubbed("NN.K")) box::exercise_todo(...);` in front
/// of it, so one build acts as the workspace of any lesson. True when NN.K is a word of the
/// environment variable BOX_EXERCISE_STUBS ("01.1 01.2").
inline bool exercise_stubbed(std::string_view id) {
    const char* env = std::getenv("BOX_EXERCISE_STUBS");
    for (std::string_view rest = env ? env : ""; !rest.empty();) {
        auto end = rest.find(' ');
        if (rest.substr(0, end) == id) return true;
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    return false;
}

}  // namespace box
