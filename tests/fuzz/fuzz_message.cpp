// Fuzz target: one message body, MessagePack or JSON (the first byte chooses). Decoding
// gives a message or a typed error, never a crash; a decoded message round-trips.
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hsync_fuzz;
    static const auto models = seed_model_names();
    if (size == 0) return 0;
    const encoding enc = data[0] & 1 ? encoding::json : encoding::msgpack;
    const auto decoded = decode(std::span<const std::uint8_t>(data + 1, size - 1), enc, limits{}, models);
    if (decoded) check_round_trip(decoded.value(), enc, models);
    return 0;
}

extern const char* const hsync_fuzz_target;
const char* const hsync_fuzz_target = "message";
std::vector<hsync_fuzz::bytes> hsync_fuzz_seeds() {
    std::vector<hsync_fuzz::bytes> out;
    for (const auto& m : hsync_fuzz::sample_messages()) {
        for (auto enc : {hsync_fuzz::encoding::msgpack, hsync_fuzz::encoding::json}) {
            hsync_fuzz::bytes input{static_cast<std::uint8_t>(enc == hsync_fuzz::encoding::json ? 1 : 0)};
            const auto body = hsync_fuzz::encode(m, enc);
            input.insert(input.end(), body.begin(), body.end());
            out.push_back(std::move(input));
        }
        hsync_fuzz::bytes input{0};
        const auto packed = hsync_fuzz::compressed(hsync_fuzz::encode(m));
        input.insert(input.end(), packed.begin(), packed.end());
        out.push_back(std::move(input));
    }
    return out;
}
