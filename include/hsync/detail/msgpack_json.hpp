#pragma once
// MessagePack items as JSON and back, binary data written as {"bin": "<hex>"}: the JSON
// encoding of sync messages (docs/protocol.md, "Encoding"), which is translated to
// MessagePack and decoded as such so that both encodings share one reader and one set of
// checks, and values_json's view of packed values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <hsync/detail/hex.hpp>
#include <hsync/detail/msgpack.hpp>

namespace hsync::detail {

inline nlohmann::json item_to_json(mp_reader& r) {
    using json = nlohmann::json;
    switch (r.peek()) {
        case mp_type::nil: r.read_nil(); return nullptr;
        case mp_type::boolean: { bool v = false; r.read_bool(v); return v; }
        case mp_type::uint: { std::uint64_t v = 0; r.read_uint(v); return v; }
        case mp_type::sint: { std::int64_t v = 0; r.read_int(v); return v; }
        case mp_type::f32:
        case mp_type::f64: { double v = 0; r.read_f64(v); return v; }
        case mp_type::str: { std::string_view v; r.read_str(v); return std::string(v); }
        case mp_type::bin: {
            std::string_view v;
            r.read_bin(v);
            std::string hex = hex_text(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
            return json{{"bin", std::move(hex)}};
        }
        case mp_type::array: {
            std::uint32_t n = 0;
            r.read_array(n);
            json out = json::array();
            for (; n > 0 && r.ok(); --n) out.push_back(item_to_json(r));
            return out;
        }
        default: r.skip(); return nullptr;  // this codec writes no maps or extensions
    }
}

// The JSON text of a MessagePack body this device wrote.
inline std::string msgpack_to_json(std::string_view body) {
    mp_reader r(body);
    return item_to_json(r).dump();
}

// A parsed JSON body as MessagePack; false, with the reason, for binary data that is not
// hexadecimal.
inline bool json_to_msgpack(const nlohmann::json& j, mp_writer& w, std::string& why) {
    switch (j.type()) {
        case nlohmann::json::value_t::null: w.nil(); return true;
        case nlohmann::json::value_t::boolean: w.boolean(j.get<bool>()); return true;
        case nlohmann::json::value_t::number_unsigned: w.uint(j.get<std::uint64_t>()); return true;
        case nlohmann::json::value_t::number_integer: w.sint(j.get<std::int64_t>()); return true;
        case nlohmann::json::value_t::number_float: w.f64(j.get<double>()); return true;
        case nlohmann::json::value_t::string: w.str(j.get_ref<const std::string&>()); return true;
        case nlohmann::json::value_t::array:
            w.array(static_cast<std::uint32_t>(j.size()));
            for (const auto& item : j) {
                if (!json_to_msgpack(item, w, why)) return false;
            }
            return true;
        case nlohmann::json::value_t::object: {
            const auto it = j.find("bin");
            if (j.size() != 1 || it == j.end() || !it->is_string()) {
                // Not binary data: a map, which protocol 2 bodies never hold (a protocol 1
                // body is one, and is refused for its version).
                w.map(static_cast<std::uint32_t>(j.size()));
                for (const auto& item : j.items()) {
                    w.str(item.key());
                    if (!json_to_msgpack(item.value(), w, why)) return false;
                }
                return true;
            }
            if (it->get_ref<const std::string&>().size() % 2 != 0) {
                why = "binary data of an odd number of hex digits";
                return false;
            }
            const auto& hex = it->get_ref<const std::string&>();
            std::string bytes(hex.size() / 2, '\0');
            for (std::size_t i = 0; i < bytes.size(); ++i) {
                const int hi = hex_digit(hex[2 * i]);
                const int lo = hex_digit(hex[2 * i + 1]);
                if (hi < 0 || lo < 0) {
                    why = "binary data that is not hexadecimal";
                    return false;
                }
                bytes[i] = static_cast<char>(hi * 16 + lo);
            }
            w.bin(bytes);
            return true;
        }
        default: why = "a value JSON cannot carry here"; return false;
    }
}

}  // namespace hsync::detail
