// libFuzzer target for stage 05's config.json parser: any input either parses or throws
// box::InputError; anything else (a crash, another exception, a sanitizer report) is a bug.
//
// tests/fuzz/run.sh [SECONDS] builds it with clang++ and fuzzes (the CTest test fuzz-oci: 20 s);
// for a longer run: tests/fuzz/run.sh 600
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
