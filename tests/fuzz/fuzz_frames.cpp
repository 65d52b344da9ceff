// Fuzz target: a byte stream cut into frames (in chunks the input chooses), each body
// decoded as MessagePack. Never crashes, never allocates what a length prefix announces,
// and whatever decodes round-trips.
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hsync_fuzz;
    static const auto models = seed_model_names();
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 64;  // how the stream arrives
    frame_reader reader(1u << 16);
    for (std::size_t at = 1; at < size; at += chunk) {
        reader.feed(std::span<const std::uint8_t>(data + at, std::min(chunk, size - at)));
        while (auto body = reader.next()) {
            const auto decoded = decode(*body, encoding::msgpack, limits{}, models);
            if (decoded) check_round_trip(decoded.value(), encoding::msgpack, models);
        }
        expect(reader.buffered() <= size, "the frame reader holds more than it was given");
    }
    return 0;
}

extern const char* const hsync_fuzz_target;
const char* const hsync_fuzz_target = "frames";
std::vector<hsync_fuzz::bytes> hsync_fuzz_seeds() {
    std::vector<hsync_fuzz::bytes> out;
    for (const auto& m : hsync_fuzz::sample_messages()) {
        for (bool packed : {false, true}) {
            hsync_fuzz::bytes input{7};
            const auto body = hsync_fuzz::encode(m);
            const auto frame = hsync::net::frame(packed ? hsync_fuzz::compressed(body) : body);
            input.insert(input.end(), frame.begin(), frame.end());
            out.push_back(std::move(input));
        }
    }
    return out;
}
