// Fuzz target: a paired peer's connection, its frames taken from the input (a stream of
// length-prefixed bodies, MessagePack). Whatever arrives, the engine answers only with
// frames that decode, and nothing reaches the library before a valid Hello.
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hsync_fuzz;
    static const auto models = seed_model_names();
    auto& f = library();
    static engine<hsync_test::seed_library> eng(*f.lib);
    const std::uint64_t seq_before = hsync::replica(*f.lib).current_seq();
    millis now{1000};
    eng.connect(f.peer, now);
    hsync::net::frame_reader reader(1u << 20);
    reader.feed(std::span<const std::uint8_t>(data, size));
    bool hello_seen = false;
    while (auto body = reader.next()) {
        const auto decoded = decode(*body, encoding::msgpack, limits{}, models);
        if (decoded && std::holds_alternative<hello>(decoded.value())) hello_seen = true;
        eng.receive(f.peer, *body, now);
        now += millis(10);
        eng.tick(now);
        if (!hello_seen) expect(hsync::replica(*f.lib).current_seq() == seq_before, "the library changed before a Hello");
    }
    for (const auto& out : eng.take_output()) {
        expect(decode(out.body, encoding::msgpack, limits{}, models).ok(), "the engine sent a message that does not decode");
    }
    eng.take_closes();
    eng.disconnect(f.peer, now);
    return 0;
}

extern const char* const hsync_fuzz_target;
const char* const hsync_fuzz_target = "handshake";
std::vector<hsync_fuzz::bytes> hsync_fuzz_seeds() {
    using namespace hsync_fuzz;
    const auto messages = sample_messages();  // Hello first
    std::vector<bytes> out;
    bytes conversation;
    for (const auto& m : messages) {
        const auto frame = encode_frame(m);
        out.push_back(frame);  // each message alone: most are refused before a Hello
        conversation.insert(conversation.end(), frame.begin(), frame.end());
        out.push_back(conversation);  // a Hello, then everything up to this one
    }
    // The same conversation with every message after the Hello compressed.
    bytes packed = encode_frame(messages.front());
    for (std::size_t k = 1; k < messages.size(); ++k) {
        const auto frame = hsync::net::frame(compressed(encode(messages[k])));
        packed.insert(packed.end(), frame.begin(), frame.end());
    }
    out.push_back(std::move(packed));
    return out;
}
