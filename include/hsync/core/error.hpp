#pragma once
// The one exception type hsync throws, with a code a caller can branch on.

#include <stdexcept>
#include <string>
#include <string_view>

namespace hsync {

enum class errc {
    invalid_uuid,        // text that is not a canonical uuid
    invalid_hlc,         // text that is not an hlc
    clock_drift,         // a remote hlc too far ahead of the physical clock
    clock_overflow,      // the 48-bit millisecond field would overflow
    invalid_model_data,  // incoming model data with a missing, extra or mistyped field
};

constexpr std::string_view to_string(errc code) noexcept {
    switch (code) {
        case errc::invalid_uuid: return "invalid_uuid";
        case errc::invalid_hlc: return "invalid_hlc";
        case errc::clock_drift: return "clock_drift";
        case errc::clock_overflow: return "clock_overflow";
        case errc::invalid_model_data: return "invalid_model_data";
    }
    return "unknown";
}

class error : public std::runtime_error {
public:
    error(errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    errc code() const noexcept { return code_; }

private:
    errc code_;
};

}  // namespace hsync
