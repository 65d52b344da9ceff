#pragma once
// Parsing untrusted MessagePack or JSON into nlohmann::json with bounds. nlohmann's
// readers recurse once per nesting level and accept duplicate keys; this SAX handler
// stops the parse at the first nesting level past the limit (so the recursion never goes
// deeper), rejects duplicate keys, and caps string, binary and container sizes. It
// builds the document through nlohmann's own DOM builder.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <hsync/detail/wire_limits.hpp>

namespace hsync::detail {

struct sax_limits {
    std::size_t max_depth = 16;
    std::size_t max_string = wire_max_string;  // bytes in one string or binary value
    std::size_t max_elements = 1u << 20;    // values in the whole document
};

enum class sax_failure { none, malformed, truncated, too_deep, duplicate_key, too_long, too_many };

class bounded_sax {
public:
    using json = nlohmann::json;
    using number_integer_t = json::number_integer_t;
    using number_unsigned_t = json::number_unsigned_t;
    using number_float_t = json::number_float_t;
    using string_t = json::string_t;
    using binary_t = json::binary_t;

    bounded_sax(json& root, const sax_limits& limits) : dom_(root, false), limits_(limits) {}

    bool null() { return value() && dom_.null(); }
    bool boolean(bool v) { return value() && dom_.boolean(v); }
    bool number_integer(number_integer_t v) { return value() && dom_.number_integer(v); }
    bool number_unsigned(number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
    bool number_float(number_float_t v, const string_t& s) { return value() && dom_.number_float(v, s); }
    bool string(string_t& v) { return value() && fits(v.size()) && dom_.string(v); }
    bool binary(binary_t& v) { return value() && fits(v.size()) && dom_.binary(v); }

    bool start_object(std::size_t n) {
        if (!open(n)) return false;
        keys_.emplace_back();
        return dom_.start_object(static_cast<std::size_t>(-1));  // never trust a declared size
    }
    bool key(string_t& k) {
        if (!fits(k.size())) return false;
        if (!keys_.back().insert(k).second) return fail(sax_failure::duplicate_key);
        return dom_.key(k);
    }
    bool end_object() {
        keys_.pop_back();
        --depth_;
        return dom_.end_object();
    }
    bool start_array(std::size_t n) {
        if (!open(n)) return false;
        return dom_.start_array(static_cast<std::size_t>(-1));
    }
    bool end_array() {
        --depth_;
        return dom_.end_array();
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
        const bool at_end = std::string_view(e.what()).find("unexpected end of input") != std::string_view::npos;
        return fail(at_end ? sax_failure::truncated : sax_failure::malformed);
    }

    sax_failure failure() const noexcept { return failure_; }

private:
    bool fail(sax_failure f) {
        if (failure_ == sax_failure::none) failure_ = f;
        return false;
    }
    bool value() { return ++elements_ <= limits_.max_elements || fail(sax_failure::too_many); }
    bool fits(std::size_t size) { return size <= limits_.max_string || fail(sax_failure::too_long); }
    bool open(std::size_t declared) {
        if (!value()) return false;
        if (declared != static_cast<std::size_t>(-1) && declared > limits_.max_elements) {
            return fail(sax_failure::too_many);
        }
        if (++depth_ > limits_.max_depth) return fail(sax_failure::too_deep);
        return true;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    sax_limits limits_;
    std::vector<std::set<std::string>> keys_;
    std::size_t depth_ = 0;
    std::size_t elements_ = 0;
    sax_failure failure_ = sax_failure::none;
};

}  // namespace hsync::detail
