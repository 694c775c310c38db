// A scratch directory for one unit test, under /tmp and named box-unit-NAME.XXXXXX, removed when
// the test ends however it ends (a failed REQUIRE or an exception included).
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& name) {
        std::string tmpl = "/tmp/box-unit-" + name + ".XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};
