#pragma once
// The code of the hsync::error a call throws; fails the test when it throws none, or
// when the message does not start with "hsync: ".

#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>

namespace hsync_test {

inline hsync::errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const hsync::error& e) {
        INFO(e.what());
        REQUIRE(std::string(e.what()).rfind("hsync: ", 0) == 0);
        return e.code();
    }
    FAIL("no hsync::error was thrown");
    return hsync::errc::storage;
}

}  // namespace hsync_test
