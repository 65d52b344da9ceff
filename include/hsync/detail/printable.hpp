#pragma once
// Untrusted text quoted in an error message: cut to a bounded length, with control and
// non-ASCII bytes written as \xNN, so that a message can always be printed and logged.

#include <cstddef>
#include <string>
#include <string_view>

namespace hsync::detail {

inline std::string printable(std::string_view text, std::size_t max_size = 64) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    const std::size_t n = text.size() < max_size ? text.size() : max_size;
    out.reserve(n + 8);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xf]);
        }
    }
    if (text.size() > max_size) out += "...";
    return out;
}

}  // namespace hsync::detail
