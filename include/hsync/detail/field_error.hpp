#pragma once
// What went wrong with one field value, from the network or from the database; the
// model layer adds the model and field names.

#include <string>

namespace hsync::detail {

struct field_error {
    std::string expected;  // "an integer in [0, 255]"
    std::string got;       // "the integer 300"
    std::string message() const { return "expected " + expected + ", got " + got; }
};

}  // namespace hsync::detail
