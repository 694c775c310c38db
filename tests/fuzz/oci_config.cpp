// libFuzzer target for stage 05's config.json parser: any input either parses or throws
// box::InputError; anything else (a crash, another exception, a sanitizer report) is a bug.
//
//   cmake -S . -B build-fuzz -DBOX_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz --target box-fuzz-oci
//   build-fuzz/bin/box-fuzz-oci -max_total_time=60 tests/fuzz/corpus/
#include "error.hpp"
#include "oci.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        box::oci::parse_config(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const box::InputError&) {
        // the expected outcome for malformed input
    }
    return 0;
}
