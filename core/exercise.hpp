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

#include <string>
#include <string_view>

namespace box {

/// Throw "exercise NN.K is not done yet: see WHERE" (exit code 125).
[[noreturn]] inline void exercise_todo(std::string_view id, std::string_view where) {
    throw InputError(kExitFailure, "exercise " + std::string(id) + " is not done yet: see " + std::string(where));
}

}  // namespace box
