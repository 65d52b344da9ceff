// Fuzz target: decode, then apply to a real library of the seed models. A message that
// decodes is applied whole or not at all: when the library refuses it, nothing of it is
// written (the sequence, the log and every table stay as they were); the file stays
// consistent (quick_check every 256 inputs).
#include "fuzz/fuzz_support.hpp"

#include <SQLiteCpp/Database.h>

namespace {

using namespace hsync_fuzz;

template <class Item>
void apply_all_or_nothing(hsync_test::seed_library& lib, const std::vector<Item>& items) {
    const auto seq = hsync::replica(lib).current_seq();
    const auto log = lib.status().log_entries;
    try {
        hsync_test::apply_remote(lib, std::span<const Item>(items));
    } catch (const hsync::error&) {
        expect(hsync::replica(lib).current_seq() == seq, "a refused batch moved the sequence");
        expect(lib.status().log_entries == log, "a refused batch changed the log");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto models = seed_model_names();
    static std::uint64_t runs = 0;
    auto& lib = *library().lib;
    const auto decoded = decode(std::span<const std::uint8_t>(data, size), encoding::msgpack, limits{}, models);
    if (!decoded) return 0;
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, shared_change>) apply_all_or_nothing(lib, std::vector{m.entry});
            else if constexpr (std::is_same_v<T, shared_change_batch>) apply_all_or_nothing(lib, m.entries);
            else if constexpr (std::is_same_v<T, shared_change_response>) {
                apply_all_or_nothing(lib, m.entries);
                apply_all_or_nothing(lib, m.snapshot);
            } else if constexpr (std::is_same_v<T, state_change>) apply_all_or_nothing(lib, std::vector{m.record});
            else if constexpr (std::is_same_v<T, state_batch>) apply_all_or_nothing(lib, m.records);
            else if constexpr (std::is_same_v<T, state_response>) apply_all_or_nothing(lib, m.records);
        },
        decoded.value());
    if (++runs % 256 == 0) {
        SQLite::Database db((library().dir / "fuzz.db").string(), SQLite::OPEN_READONLY);
        expect(db.execAndGet("PRAGMA quick_check").getString() == "ok", "the library file is damaged");
    }
    return 0;
}

extern const char* const hsync_fuzz_target;
const char* const hsync_fuzz_target = "apply";
std::vector<hsync_fuzz::bytes> hsync_fuzz_seeds() {
    std::vector<bytes> out;
    for (const auto& m : sample_messages()) {
        out.push_back(encode(m));
        out.push_back(compressed(encode(m)));
    }
    return out;
}
