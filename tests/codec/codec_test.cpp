// The wire codec: every message round-trips in both encodings, and each kind of hostile
// input gets its typed error (never a crash, never a partial message).
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include "support/values.hpp"

#include <random>

using namespace hsync::sync;
using nlohmann::json;

namespace {

const hsync::uuid dev = hsync::uuid::parse("0191f2a0-0000-7000-8000-00000000000a");
const hsync::hlc stamp{1'700'000'000'000ULL, 3, dev};

hsync::shared_entry sample_entry() {
    return hsync::shared_entry{stamp, "tag", hsync::uuid::v4(), hsync::change_type::update,
                               hsync_test::raw_values(0b1100, [](auto& w) { w.str("orange"); w.sint(7); })};
}
hsync::state_record sample_state() {
    return hsync::state_record{"location", hsync::uuid::v4(), dev, stamp, false, hsync_test::raw_values(0b11, [](auto& w) {
                                   w.str("/p");
                                   w.bin(std::string_view("\x01\x02\x03", 3));
                               })};
}

library_schema sample_schema() {
    return library_schema{{model_schema{"location", "device_owned", {{"uuid", "id"}, {"owner", "owner"}, {"path", "text"}}},
                           model_schema{"tag", "shared", {{"uuid", "id"}, {"color", "opt(i32)"}}}}};
}

hello sample_hello(std::uint32_t version = protocol_version) {
    return hello{std::string(protocol_id), version, hsync::uuid::v4(), dev, 42, 7, schema_hash(sample_schema()),
                 sample_schema(), {"zstd"}};
}

std::vector<message> every_message() {
    const push_position push{10, 12, 0, 1};
    hsync::shared_snapshot snap{"tag", hsync::uuid::v4(), false, hsync::hlc{}, hsync_test::raw_values(0b100, [](auto& w) { w.nil(); }),
                                {stamp}};
    hsync::shared_snapshot gone{"tag", hsync::uuid::v4(), true, stamp, {}, {}};
    return {
        sample_hello(),
        state_change{sample_state(), push},
        state_batch{"location", dev, {sample_state(), sample_state()}, push},
        state_request{{"location", "entry"}, dev, 5, 500, 4},
        state_request{{"volume"}, std::nullopt, 0, 1},
        state_response{"location", {sample_state()}, {hsync::deleted_state{"location", hsync::uuid::v4(), dev, stamp}}, true, 77, 5},
        shared_change{sample_entry(), push},
        shared_change_batch{{sample_entry(), sample_entry()}, push},
        shared_change_request{3, 100, true, "tag", 16},
        shared_change_response{{sample_entry()}, {snap, gone}, true, false, 9, 3, "tag"},
        ack_shared_changes{dev, 1234},
        heartbeat{99},
        error_message{error_code::refused, "not the owner"},
        more_pages{2},
    };
}

decode_error error_of(const std::vector<std::uint8_t>& body, encoding enc = encoding::msgpack, const limits& lim = {},
                      std::span<const std::string_view> models = {}) {
    const auto r = decode(body, enc, lim, models);
    REQUIRE_FALSE(r.ok());
    INFO(r.failure().detail);
    return r.failure().code;
}

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

}  // namespace

TEST_CASE("every message round-trips in MessagePack and in JSON", "[codec]") {
    for (encoding enc : {encoding::msgpack, encoding::json}) {
        for (const message& m : every_message()) {
            INFO(name_of(m) << (enc == encoding::json ? " (json)" : " (msgpack)"));
            const auto body = encode(m, enc);
            const auto r = decode(body, enc);
            if (!r.ok()) FAIL(r.failure().detail);
            REQUIRE(r.value().index() == m.index());
            // Equal messages encode to equal bytes.
            REQUIRE(encode(r.value(), encoding::json) == encode(m, encoding::json));
            REQUIRE(encode(r.value(), enc) == body);
        }
    }
}

TEST_CASE("frames are cut from a stream however the bytes arrive", "[codec]") {
    std::vector<std::uint8_t> stream;
    const auto messages = every_message();
    for (const auto& m : messages) {
        const auto f = hsync::net::frame(encode(m));
        stream.insert(stream.end(), f.begin(), f.end());
    }
    hsync::net::frame_reader reader;
    std::size_t got = 0;
    for (std::uint8_t b : stream) {  // one byte at a time
        reader.feed(std::span<const std::uint8_t>(&b, 1));
        while (auto body = reader.next()) {
            REQUIRE(decode(*body).value().index() == messages[got].index());
            ++got;
        }
    }
    REQUIRE(got == messages.size());
    REQUIRE_FALSE(reader.truncated());
    reader.feed(std::span<const std::uint8_t>(stream.data(), 7));  // half a frame, then the end
    REQUIRE_FALSE(reader.next());
    REQUIRE(reader.truncated());
}

TEST_CASE("a frame announcing more than the limit fails the stream without allocating it", "[codec]") {
    hsync::net::frame_reader reader(1024);
    const std::vector<std::uint8_t> header{0x7f, 0xff, 0xff, 0xff};  // 2 GiB announced
    reader.feed(header);
    REQUIRE_FALSE(reader.next());
    REQUIRE(reader.failed());
    REQUIRE(reader.buffered() == 4);

    limits small;
    small.max_frame = 16;
    auto padded = encode(heartbeat{1}, encoding::json);
    padded.resize(padded.size() + 20, ' ');
    REQUIRE(error_of(padded, encoding::json, small) == decode_error::frame_too_large);
}

TEST_CASE("a failed decode cannot be taken for a message, nor a message for a failure", "[codec]") {
    const auto failed = decode(bytes_of("{]"), encoding::json);
    REQUIRE_FALSE(failed.ok());
    REQUIRE_THROWS_WITH(failed.value(), Catch::Contains("value() of a failed decode") && Catch::Contains("malformed"));
    const auto decoded = decode(encode(heartbeat{3}));
    REQUIRE(decoded.ok());
    REQUIRE_THROWS_WITH(decoded.failure(), Catch::Contains("check ok() first"));
    REQUIRE(std::get<heartbeat>(decoded.value()).seq == 3);
}

TEST_CASE("hostile bodies get their typed error", "[codec]") {
    SECTION("truncated") {
        auto body = encode(every_message()[2]);
        body.resize(body.size() / 2);
        REQUIRE(error_of(body) == decode_error::truncated);
    }
    SECTION("not MessagePack at all") {
        REQUIRE(error_of({0xc1}) == decode_error::malformed);  // a reserved byte
        REQUIRE(error_of(bytes_of("{\"type\":"), encoding::json) == decode_error::truncated);
        REQUIRE(error_of(bytes_of("{]"), encoding::json) == decode_error::malformed);
    }
    SECTION("a depth bomb: a million nested arrays") {
        std::vector<std::uint8_t> bomb(1'000'000, 0x91);  // fixarray of one element, nested
        bomb.push_back(0xc0);
        // The reader follows the message's shape and never recurses into what it does not
        // expect: the bomb is refused at its second byte, where a type number belongs.
        REQUIRE(error_of(bomb) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of(std::string(100'000, '[')), encoding::json) == decode_error::too_deep);
    }
    SECTION("duplicate keys") {
        REQUIRE(error_of(bytes_of(R"([10,{"bin":"00","bin":"01"}])"), encoding::json) == decode_error::duplicate_key);
    }
    SECTION("wrong types, missing and unexpected items") {
        REQUIRE(decode(bytes_of("[10,1]"), encoding::json).ok());  // a Heartbeat
        REQUIRE(error_of(bytes_of(R"([10,"1"])"), encoding::json) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of("[10,-1]"), encoding::json) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of("[10]"), encoding::json) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of("[10,1,2]"), encoding::json) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of("[]"), encoding::json) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of(R"(["Heartbeat",1])"), encoding::json) == decode_error::wrong_type);
        REQUIRE(error_of(bytes_of("7"), encoding::json) == decode_error::wrong_type);
        auto trailing = encode(heartbeat{1});
        trailing.push_back(0xc0);  // a nil after the message
        REQUIRE(error_of(trailing) == decode_error::malformed);
        // SharedChangeResponse: [8, runs, snapshots, ...]; a run: [model, device, entries];
        // an entry: [record, clock, type, fields, values...]
        json bad_uuid = json::parse(encode(every_message()[9], encoding::json));
        bad_uuid[1][0][2][0][0] = "not-a-uuid";
        REQUIRE(error_of(bytes_of(bad_uuid.dump()), encoding::json) == decode_error::wrong_type);
        json short_uuid = json::parse(encode(every_message()[9], encoding::json));
        short_uuid[1][0][2][0][0] = json{{"bin", "0102"}};
        REQUIRE(error_of(bytes_of(short_uuid.dump()), encoding::json) == decode_error::wrong_type);
        json bad_change = json::parse(encode(every_message()[6], encoding::json));
        bad_change[1][0][2][0][2] = 4;
        REQUIRE(error_of(bytes_of(bad_change.dump()), encoding::json) == decode_error::wrong_type);
    }
    SECTION("values that do not match their field word") {
        json more = json::parse(encode(every_message()[6], encoding::json));
        more[1][0][2][0].push_back(1);  // a third value for two fields
        REQUIRE(error_of(bytes_of(more.dump()), encoding::json) == decode_error::wrong_type);
        json fewer = json::parse(encode(every_message()[6], encoding::json));
        fewer[1][0][2][0][3] = 0b111;  // three fields, two values
        REQUIRE(error_of(bytes_of(fewer.dump()), encoding::json) == decode_error::wrong_type);
        json nested = json::parse(encode(every_message()[6], encoding::json));
        nested[1][0][2][0][4] = json::array({1, 2});  // a value must be one item
        REQUIRE(error_of(bytes_of(nested.dump()), encoding::json) == decode_error::wrong_type);
        json clocks = json::parse(encode(every_message()[9], encoding::json));
        clocks[2][0][4] = 0b1100;  // a snapshot: two fields, one value
        REQUIRE(error_of(bytes_of(clocks.dump()), encoding::json) == decode_error::wrong_type);
    }
    SECTION("a count that lies") {
        // An array announcing 4 billion items in a body of a few bytes: refused before
        // anything is allocated for them.
        REQUIRE(error_of({0x93, 0x06, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0}) == decode_error::truncated);
        auto body = encode(every_message()[7]);
        body[0] = 0x94;  // the message claims one more item than it has
        REQUIRE(error_of(body) == decode_error::wrong_type);
    }
    SECTION("unknown message kinds") {
        REQUIRE(error_of(bytes_of("[99]"), encoding::json) == decode_error::unknown_message);
        REQUIRE(error_of(bytes_of("[14,1]"), encoding::json) == decode_error::unknown_message);
        // 13 is a compressed frame (checked below), whose envelope has three items.
        REQUIRE(error_of(bytes_of("[13,1]"), encoding::json) == decode_error::wrong_type);
    }
    SECTION("unknown model names") {
        const std::string_view known[] = {"tag", "album"};
        REQUIRE(error_of(encode(every_message()[2]), encoding::msgpack, {}, known) == decode_error::unknown_model);
        REQUIRE(decode(encode(every_message()[6]), encoding::msgpack, {}, known).ok());
    }
    SECTION("a request for a billion records, a batch over the cap") {
        REQUIRE(error_of(encode(state_request{{"entry"}, std::nullopt, 0, 1'000'000'000})) == decode_error::too_many);
        REQUIRE(error_of(encode(shared_change_request{0, 10'001, false})) == decode_error::too_many);
        limits lim;
        lim.max_batch = 1;
        REQUIRE(error_of(encode(every_message()[2]), encoding::msgpack, lim) == decode_error::too_many);
        lim.max_models = 1;
        REQUIRE(error_of(encode(every_message()[3]), encoding::msgpack, lim) == decode_error::too_many);
    }
    SECTION("pages in flight: at least one, at most the limit") {
        REQUIRE(error_of(encode(more_pages{0})) == decode_error::wrong_type);
        REQUIRE(error_of(encode(more_pages{17})) == decode_error::too_many);
        REQUIRE(error_of(encode(shared_change_request{0, 100, false, "tag", 1000})) == decode_error::too_many);
        REQUIRE(error_of(encode(state_request{{"entry"}, std::nullopt, 0, 100, 0})) == decode_error::wrong_type);
        limits lim;
        lim.max_pages = 64;
        REQUIRE(decode(encode(more_pages{64}), encoding::msgpack, lim).ok());
    }
    SECTION("an unknown protocol version") {
        REQUIRE(error_of(encode(sample_hello(protocol_version + 1))) == decode_error::unsupported_version);
        hello other = sample_hello();
        other.protocol = "other-protocol";
        REQUIRE(error_of(encode(other)) == decode_error::unsupported_version);
    }
    SECTION("a protocol 1 Hello (a map, no schema) is refused for its version, naming both") {
        const json v1{{"type", "Hello"},
                      {"body",
                       {{"protocol", protocol_id},
                        {"version", 1},
                        {"library", hsync::uuid::v4().to_string()},
                        {"device", dev.to_string()},
                        {"seq", 3},
                        {"received_from_you", 0}}}};
        for (const auto enc : {encoding::msgpack, encoding::json}) {
            const auto body = enc == encoding::json ? bytes_of(v1.dump()) : json::to_msgpack(v1);
            const auto r = decode(body, enc);
            REQUIRE_FALSE(r.ok());
            CHECK(r.failure().code == decode_error::unsupported_version);
            CHECK_THAT(r.failure().detail, Catch::Contains("version 1") && Catch::Contains("version 2"));
        }
    }
    SECTION("a Hello of another version is refused for its version, whatever else it holds") {
        const auto r = decode(bytes_of(R"([0,"hsync-sync",3,{"new":"layout"}])"), encoding::json);
        REQUIRE_FALSE(r.ok());
        CHECK(r.failure().code == decode_error::unsupported_version);
        CHECK_THAT(r.failure().detail, Catch::Contains("version 3") && Catch::Contains("version 2"));
    }
    SECTION("a schema that lies or is malformed") {
        hello h = sample_hello();
        h.schema_hash ^= 1;  // not the hash of the schema it carries
        REQUIRE(error_of(encode(h)) == decode_error::wrong_type);
        // Hello: [0, protocol, version, library, device, seq, received_from_you, hash, schema]
        json j = json::parse(encode(sample_hello(), encoding::json));
        j[8][0][1] = "leader";
        REQUIRE(error_of(bytes_of(j.dump()), encoding::json) == decode_error::wrong_type);
        j = json::parse(encode(sample_hello(), encoding::json));
        j[8][1][2][0] = json::array({"uuid"});
        REQUIRE(error_of(bytes_of(j.dump()), encoding::json) == decode_error::wrong_type);
        j = json::parse(encode(sample_hello(), encoding::json));
        j[8][1].push_back(1);
        REQUIRE(error_of(bytes_of(j.dump()), encoding::json) == decode_error::wrong_type);
        limits lim;
        lim.max_models = 1;  // two models in the schema
        REQUIRE(error_of(encode(sample_hello()), encoding::msgpack, lim) == decode_error::too_many);
    }
    SECTION("a string over the limit") {
        limits lim;
        lim.max_string = 8;
        REQUIRE(error_of(encode(error_message{error_code::refused, "a long explanation"}), encoding::msgpack, lim) ==
                decode_error::too_long);
    }
}

namespace {

// A compressed frame's envelope, written by hand: [13, codec, size, bin].
std::vector<std::uint8_t> envelope(std::uint64_t codec, std::uint64_t size, std::string_view packed) {
    hsync::detail::mp_writer w;
    w.array(4);
    w.uint(13);
    w.uint(codec);
    w.uint(size);
    w.bin(packed);
    const std::string out = w.take();
    return {out.begin(), out.end()};
}

std::string text_of(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("compressed frames decode to the message they hold, and only to it", "[codec]") {
    if (!HSYNC_HAS_ZSTD) {
        // A build without zstd reads no compressed frame and says why.
        const auto r = decode(envelope(1, 3, "abc"));
        REQUIRE_FALSE(r.ok());
        REQUIRE(r.failure().code == decode_error::bad_compression);
        REQUIRE_THAT(r.failure().detail, Catch::Contains("built without zstd"));
        REQUIRE(compress(encode(heartbeat{1})) == encode(heartbeat{1}));
        return;
    }
    std::vector<hsync::shared_entry> entries;
    for (int i = 0; i < 1000; ++i) entries.push_back(sample_entry());
    const message batch = shared_change_batch{entries, push_position{1, 1000, 0, 1}};
    const auto body = encode(batch);
    const auto packed = compress(body);

    SECTION("a page of changes gets smaller and decodes to the same message") {
        REQUIRE(packed.size() < body.size() * 3 / 5);  // the record ids are random: 16 of 30 bytes an entry
        const auto r = decode(packed);
        if (!r.ok()) FAIL(r.failure().detail);
        REQUIRE(encode(r.value()) == body);
        // The same in a JSON connection: the envelope and the body inside are JSON.
        const auto json_body = encode(batch, encoding::json);
        const std::string z = hsync::sync::detail::zstd_compress(text_of(json_body), 1);
        const json j = json::array(
            {13, 1, json_body.size(),
             {{"bin", hsync::detail::hex_text(reinterpret_cast<const std::uint8_t*>(z.data()), z.size())}}});
        const auto json_packed = bytes_of(j.dump());
        const auto rj = decode(json_packed, encoding::json);
        if (!rj.ok()) FAIL(rj.failure().detail);
        REQUIRE(encode(rj.value()) == body);
    }
    SECTION("a body that would not get smaller is sent as it is") {
        const auto small = encode(heartbeat{5});
        REQUIRE(compress(small) == small);
    }
    SECTION("hostile envelopes") {
        const std::string inner = text_of(body);
        const std::string packed_text = text_of(packed);
        hsync::detail::mp_reader r(packed_text, {});
        std::uint32_t n = 0;
        std::uint64_t v = 0;
        std::string_view zstd_bytes;
        REQUIRE((r.read_array(n) && r.read_uint(v) && r.read_uint(v) && r.read_uint(v) && r.read_bin(zstd_bytes)));
        const std::string frame(zstd_bytes);
        // An unknown codec.
        REQUIRE(error_of(envelope(2, body.size(), frame)) == decode_error::bad_compression);
        // A size over the frame limit is refused before anything is allocated for it.
        REQUIRE(error_of(envelope(1, std::uint64_t{1} << 40, frame)) == decode_error::frame_too_large);
        // A size that is not the content's, either way.
        REQUIRE(error_of(envelope(1, body.size() - 1, frame)) == decode_error::bad_compression);
        REQUIRE(error_of(envelope(1, body.size() + 1, frame)) == decode_error::bad_compression);
        // Bytes that are not zstd, and a zstd frame cut short.
        REQUIRE(error_of(envelope(1, body.size(), inner.substr(0, 100))) == decode_error::bad_compression);
        REQUIRE(error_of(envelope(1, body.size(), frame.substr(0, frame.size() / 2))) == decode_error::bad_compression);
        // A compressed frame inside a compressed frame.
        const std::string twice = hsync::sync::detail::zstd_compress(text_of(packed), 1);
        REQUIRE(error_of(envelope(1, packed.size(), twice)) == decode_error::bad_compression);
        // Items missing or added, and bytes after the envelope.
        hsync::detail::mp_writer w;
        w.array(3);
        w.uint(13);
        w.uint(1);
        w.uint(body.size());
        const std::string three = w.take();
        REQUIRE(error_of(std::vector<std::uint8_t>(three.begin(), three.end())) == decode_error::wrong_type);
        auto trailing = envelope(1, body.size(), frame);
        trailing.push_back(0xc0);
        REQUIRE(error_of(trailing) == decode_error::malformed);
        // A bomb: a megabyte of zeros squeezed into a few bytes, against a frame limit of 64 KiB.
        const std::string zeros(1 << 20, '\0');
        const std::string bomb = hsync::sync::detail::zstd_compress(zeros, 19);
        REQUIRE(bomb.size() < 1000);
        limits lim;
        lim.max_frame = 64 << 10;
        REQUIRE(error_of(envelope(1, zeros.size(), bomb), encoding::msgpack, lim) == decode_error::frame_too_large);
        // ... and one whose envelope understates it.
        REQUIRE(error_of(envelope(1, 1000, bomb), encoding::msgpack, lim) == decode_error::bad_compression);
    }
}

TEST_CASE("random and mutated bytes never crash the decoder", "[codec]") {
    std::mt19937_64 rng(7);
    const auto messages = every_message();
    std::size_t decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> body = encode(messages[rng() % messages.size()], rng() % 2 ? encoding::json : encoding::msgpack);
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) body[rng() % body.size()] = static_cast<std::uint8_t>(rng());
        if (rng() % 5 == 0) body.resize(rng() % (body.size() + 1));
        for (encoding enc : {encoding::msgpack, encoding::json}) {
            const auto r = decode(body, enc);
            if (r.ok()) {
                ++decoded;
                // Whatever decodes is a whole message that encodes again.
                REQUIRE_FALSE(encode(r.value(), enc).empty());
            } else {
                REQUIRE_FALSE(r.failure().detail.empty());
            }
        }
    }
    WARN(decoded << " of 40000 mutated bodies still decoded to a valid message");
}
