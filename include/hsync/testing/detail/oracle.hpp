#pragma once
// What the simulator knows must hold: for each record, the newest write of each shared
// field (or the owner's last state) and whether it was deleted; and the trace hash that
// makes a run reproducible.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>

namespace hsync::testing::detail {

// FNV-1a, 64-bit: the trace hash.
struct trace_hasher {
    std::uint64_t value = 0xcbf29ce484222325ULL;
    void add(const void* data, std::size_t n) noexcept {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) value = (value ^ p[i]) * 0x100000001b3ULL;
    }
    void add(const std::string& s) noexcept { add(s.data(), s.size()); }
};

// The expected state of one record, from the writes that returned.
struct record_oracle {
    bool known = false;
    bool deleted = false;
    std::optional<uuid> owner;
    nlohmann::json state;                                                // device-owned
    std::map<std::string, std::pair<std::optional<hlc>, nlohmann::json>> fields;  // shared

    // A shared field written at `stamp`: the newest write is the one that must hold.
    void wrote(const std::string& field, const nlohmann::json& value, const hlc& stamp) {
        auto& slot = fields[field];
        if (!slot.first || *slot.first < stamp) slot = {stamp, value};
    }
};


}  // namespace hsync::testing::detail
