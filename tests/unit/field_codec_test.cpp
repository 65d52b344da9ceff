#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <functional>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

using hsync::field_codec;
using hsync::sql_type;
using nlohmann::json;

namespace {

struct Album;  // ref<> needs no complete model

enum class tint : std::uint8_t { red = 1, blue = 200 };
enum signed_level : std::int16_t { low = -300, high = 300 };

using nanotime = std::chrono::system_clock::time_point;
using seconds_time = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;
using hours_time = std::chrono::time_point<std::chrono::system_clock, std::chrono::hours>;

class database {
public:
    database() { REQUIRE(sqlite3_open(":memory:", &db_) == SQLITE_OK); }
    ~database() { sqlite3_close(db_); }
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
        INFO(sql << ": " << (message ? message : ""));
        sqlite3_free(message);
        REQUIRE(rc == SQLITE_OK);
    }
    sqlite3* get() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

class statement {
public:
    statement(const database& db, const std::string& sql) {
        INFO(sql);
        REQUIRE(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s_, nullptr) == SQLITE_OK);
    }
    ~statement() { sqlite3_finalize(s_); }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    sqlite3_stmt* get() const { return s_; }
    int step() { return sqlite3_step(s_); }

private:
    sqlite3_stmt* s_ = nullptr;
};

// A one-column table declared as field_codec<T> says.
template <class T>
void create_table(database& db) {
    using codec = field_codec<T>;
    db.exec("CREATE TABLE t (v " + std::string(hsync::to_string(codec::column)) +
            (codec::nullable ? "" : " NOT NULL") + ")");
}

template <class T>
struct stored {
    T value{};
    std::string storage_class;  // SQLite's typeof() of what bind wrote
    bool literal_matches = false;  // whether the stored value IS literal(v)
};

// Binds v into a real table, reads it back, and compares the stored value with literal(v).
template <class T>
stored<T> through_sqlite(const T& v) {
    using codec = field_codec<T>;
    database db;
    create_table<T>(db);
    {
        statement insert(db, "INSERT INTO t (v) VALUES (?)");
        codec::bind(insert.get(), 1, v, {"m", "f"});
        REQUIRE(insert.step() == SQLITE_DONE);
    }
    statement select(db, "SELECT v, typeof(v), v IS " + codec::literal(v) + " FROM t");
    REQUIRE(select.step() == SQLITE_ROW);
    stored<T> out;
    const auto err = codec::read(select.get(), 0, out.value);
    INFO((err ? err->message() : std::string()));
    REQUIRE_FALSE(err.has_value());
    out.storage_class = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 1));
    out.literal_matches = sqlite3_column_int(select.get(), 2) == 1;
    return out;
}

// The value through JSON, and through MessagePack as the wire carries it.
template <class T>
T through_json(const T& v) {
    using codec = field_codec<T>;
    const json j = codec::to_json(v);
    T direct{};
    auto err = codec::from_json(j, direct);
    INFO((err ? err->message() : std::string()));
    REQUIRE_FALSE(err.has_value());
    REQUIRE(direct == v);
    T wire{};
    err = codec::from_json(json::from_msgpack(json::to_msgpack(j)), wire);
    REQUIRE_FALSE(err.has_value());
    return wire;
}

// The value packed as the log and the wire keep it, and unpacked: exactly one item.
template <class T>
T through_msgpack(const T& v) {
    using codec = field_codec<T>;
    hsync::detail::mp_writer w;
    codec::pack(w, v);
    w.nil();  // what follows the value is left for the next field
    hsync::detail::mp_reader r(w.bytes());
    T out{};
    const auto err = codec::unpack(r, out);
    INFO((err ? err->message() : std::string()));
    REQUIRE_FALSE(err.has_value());
    REQUIRE(r.peek() == hsync::detail::mp_type::nil);
    return out;
}

template <class T>
void check_round_trip(const T& v, std::string_view storage_class) {
    const stored<T> s = through_sqlite(v);
    CHECK(s.value == v);
    CHECK(s.storage_class == storage_class);
    CHECK(s.literal_matches);
    CHECK(through_json(v) == v);
    CHECK(through_msgpack(v) == v);
}

// What unpack() reports for the item `write` writes.
template <class T>
std::string unpack_error(const std::function<void(hsync::detail::mp_writer&)>& write) {
    hsync::detail::mp_writer w;
    write(w);
    hsync::detail::mp_reader r(w.bytes());
    T out{};
    const auto err = field_codec<T>::unpack(r, out);
    REQUIRE(err.has_value());
    return err->message();
}

// What read() reports for a column holding `sql_value` (an SQL expression).
template <class T>
std::string read_error(const std::string& sql_value) {
    database db;
    statement select(db, "SELECT " + sql_value);
    REQUIRE(select.step() == SQLITE_ROW);
    T out{};
    const auto err = field_codec<T>::read(select.get(), 0, out);
    REQUIRE(err.has_value());
    return err->message();
}

template <class T>
std::string json_error(const json& j) {
    T out{};
    const auto err = field_codec<T>::from_json(j, out);
    REQUIRE(err.has_value());
    return err->message();
}

template <class T>
std::string bind_error(const T& v) {
    database db;
    statement select(db, "SELECT ?");
    try {
        field_codec<T>::bind(select.get(), 1, v, {"album", "count"});
    } catch (const hsync::error& e) {
        REQUIRE(e.code() == hsync::errc::value_out_of_range);
        return e.what();
    }
    FAIL("bind accepted a value its column cannot hold");
    return {};
}

const hsync::uuid sample_uuid = hsync::uuid::parse("0189f7a2-5b1c-7d3e-8f40-123456789abc");

}  // namespace

TEST_CASE("field_codec states each type's column", "[field_codec]") {
    STATIC_REQUIRE(field_codec<int>::column == sql_type::integer);
    STATIC_REQUIRE(field_codec<bool>::column == sql_type::integer);
    STATIC_REQUIRE(field_codec<tint>::column == sql_type::integer);
    STATIC_REQUIRE(field_codec<nanotime>::column == sql_type::integer);
    STATIC_REQUIRE(field_codec<float>::column == sql_type::real);
    STATIC_REQUIRE(field_codec<std::string>::column == sql_type::text);
    STATIC_REQUIRE(field_codec<std::vector<std::uint8_t>>::column == sql_type::blob);
    STATIC_REQUIRE(field_codec<hsync::record_id>::column == sql_type::blob);
    STATIC_REQUIRE(field_codec<hsync::ref<Album>>::column == sql_type::blob);
    STATIC_REQUIRE_FALSE(field_codec<std::string>::nullable);
    STATIC_REQUIRE(field_codec<std::optional<std::string>>::column == sql_type::text);
    STATIC_REQUIRE(field_codec<std::optional<std::string>>::nullable);
    STATIC_REQUIRE(field_codec<hsync::local<double>>::column == sql_type::real);
    STATIC_REQUIRE_FALSE(field_codec<hsync::local<double>>::nullable);
    STATIC_REQUIRE(field_codec<hsync::local<std::optional<double>>>::nullable);
    // column_mapping is what the codec states.
    STATIC_REQUIRE(hsync::column_mapping<hsync::local<std::optional<tint>>>::type == sql_type::integer);
    STATIC_REQUIRE(hsync::column_mapping<hsync::local<std::optional<tint>>>::nullable);
    // Not field types: no codec, so no column.
    STATIC_REQUIRE_FALSE(hsync::column_type<std::map<std::string, int>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<std::vector<int>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<std::optional<std::optional<int>>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<std::optional<hsync::local<int>>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<hsync::local<hsync::local<int>>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<const char*>);
}

TEST_CASE("integers, bools, reals and enums round-trip through SQLite and JSON", "[field_codec]") {
    check_round_trip(std::numeric_limits<std::int8_t>::min(), "integer");
    check_round_trip(std::numeric_limits<std::uint8_t>::max(), "integer");
    check_round_trip(std::numeric_limits<std::int64_t>::min(), "integer");
    check_round_trip(std::uint64_t{std::numeric_limits<std::int64_t>::max()}, "integer");
    check_round_trip('x', "integer");
    check_round_trip(true, "integer");
    check_round_trip(false, "integer");
    check_round_trip(0.1, "real");
    check_round_trip(-1.5e300, "real");
    check_round_trip(3.25f, "real");
    check_round_trip(tint::blue, "integer");
    check_round_trip(low, "integer");

    CHECK(through_sqlite(true).value == true);
    CHECK(field_codec<bool>::literal(true) == "1");
    CHECK(field_codec<double>::literal(0.1) == "0.10000000000000001");
    CHECK(field_codec<tint>::literal(tint::blue) == "200");
    CHECK(field_codec<tint>::to_json(tint::blue) == json(200));
    CHECK(field_codec<bool>::to_json(true).is_boolean());
    CHECK(field_codec<std::int64_t>::size(42) == 0);
}

TEST_CASE("strings, blobs and uuids round-trip through SQLite and JSON", "[field_codec]") {
    check_round_trip(std::string("it's a \"quote\" — café"), "text");
    check_round_trip(std::string(), "text");
    check_round_trip(std::vector<std::byte>{std::byte{0}, std::byte{0xff}, std::byte{0x10}}, "blob");
    check_round_trip(std::vector<std::uint8_t>{1, 2, 3, 250}, "blob");
    check_round_trip(std::vector<std::uint8_t>{}, "blob");  // an empty blob, not NULL
    check_round_trip(sample_uuid, "blob");
    check_round_trip(hsync::record_id{sample_uuid}, "blob");
    check_round_trip(hsync::owner_id{sample_uuid}, "blob");
    check_round_trip(hsync::ref<Album>{sample_uuid}, "blob");

    CHECK(field_codec<std::string>::literal("it's") == "'it''s'");
    CHECK(field_codec<std::vector<std::uint8_t>>::literal({0x0a, 0xff}) == "x'0aff'");
    CHECK(field_codec<hsync::record_id>::literal(sample_uuid) == "x'0189f7a25b1c7d3e8f40123456789abc'");
    CHECK(field_codec<hsync::ref<Album>>::to_json(sample_uuid) == json("0189f7a2-5b1c-7d3e-8f40-123456789abc"));
    CHECK(field_codec<std::vector<std::byte>>::to_json({std::byte{7}}).is_binary());

    // JSON text has no binary type: an array of byte values is read as a blob too.
    std::vector<std::uint8_t> bytes;
    REQUIRE_FALSE(field_codec<std::vector<std::uint8_t>>::from_json(json::array({1, 2, 255}), bytes));
    CHECK(bytes == std::vector<std::uint8_t>{1, 2, 255});

    CHECK(field_codec<std::string>::size("abcd") == 4);
    CHECK(field_codec<std::vector<std::byte>>::size(std::vector<std::byte>(5)) == 5);
    CHECK(field_codec<hsync::uuid>::size(sample_uuid) == 0);
}

TEST_CASE("times are nanoseconds since the Unix epoch whatever their duration", "[field_codec]") {
    const nanotime t(std::chrono::nanoseconds(1'700'000'000'123'456'789LL));
    check_round_trip(t, "integer");
    CHECK(field_codec<nanotime>::to_json(t) == json(1'700'000'000'123'456'789LL));
    CHECK(field_codec<nanotime>::literal(t) == "1700000000123456789");

    const seconds_time s(std::chrono::seconds(1'700'000'000));
    check_round_trip(s, "integer");
    CHECK(field_codec<seconds_time>::to_json(s) == json(1'700'000'000'000'000'000LL));
    CHECK(through_json(s) == s);
}

TEST_CASE("std::optional and local<> are composed from the codec of what they hold", "[field_codec]") {
    check_round_trip(std::optional<int>(-7), "integer");
    check_round_trip(std::optional<int>(), "null");
    check_round_trip(std::optional<std::string>("x"), "text");
    check_round_trip(std::optional<hsync::owner_id>(), "null");
    check_round_trip(hsync::local<std::string>("only here"), "text");
    check_round_trip(hsync::local<std::optional<double>>(2.5), "real");
    check_round_trip(hsync::local<std::optional<double>>(), "null");
    check_round_trip(hsync::local<tint>(tint::red), "integer");

    CHECK(field_codec<std::optional<int>>::literal(std::nullopt) == "NULL");
    CHECK(field_codec<std::optional<int>>::to_json(std::nullopt).is_null());
    CHECK(field_codec<std::optional<hsync::uuid>>::to_json(sample_uuid) ==
          field_codec<hsync::uuid>::to_json(sample_uuid));
    CHECK(field_codec<hsync::local<int>>::literal(5) == "5");

    // A present optional counts what it holds; a local<> value never travels, so counts 0.
    CHECK(field_codec<std::optional<std::string>>::size(std::string("abc")) == 3);
    CHECK(field_codec<std::optional<std::string>>::size(std::nullopt) == 0);
    CHECK(field_codec<hsync::local<std::string>>::size(std::string("abc")) == 0);

    // Reading null into an optional that held a value empties it.
    std::optional<int> held = 3;
    REQUIRE_FALSE(field_codec<std::optional<int>>::from_json(json(nullptr), held));
    CHECK_FALSE(held.has_value());
}

TEST_CASE("a value of the wrong kind is an error that says what was expected", "[field_codec]") {
    CHECK(read_error<std::int8_t>("300") == "expected an integer in [-128, 127], got the integer 300");
    CHECK(read_error<std::uint16_t>("-1") == "expected an integer in [0, 65535], got the integer -1");
    CHECK(read_error<bool>("2") == "expected 0 or 1, got the integer 2");
    CHECK(read_error<double>("'x'") == "expected a number, got a TEXT value");
    CHECK(read_error<std::string>("x'00'") == "expected a TEXT value, got a BLOB of 1 bytes");
    CHECK(read_error<std::vector<std::byte>>("1.5") == "expected a BLOB, got the real 1.500000");
    CHECK(read_error<hsync::record_id>("x'0011'") == "expected a 16-byte uuid BLOB, got a BLOB of 2 bytes");
    CHECK(read_error<tint>("256") == "expected an integer in [0, 255], got the integer 256");
    CHECK(read_error<std::optional<std::int8_t>>("'a'") ==
          "expected an integer in [-128, 127] or NULL, got a TEXT value");
    CHECK(read_error<hsync::local<std::optional<bool>>>("5") == "expected 0 or 1 or NULL, got the integer 5");
    CHECK(read_error<std::int64_t>("NULL") ==
          "expected an integer in [-9223372036854775808, 9223372036854775807], got NULL");

    CHECK(json_error<std::uint8_t>(json(256)) == "expected an integer in [0, 255], got the integer 256");
    CHECK(json_error<bool>(json(1)) == "expected a boolean, got the integer 1");
    CHECK(json_error<float>(json(1e300)) == "expected a number in the range of float, got the number 1e+300");
    CHECK(json_error<std::string>(json(nullptr)) == "expected a string, got null");
    CHECK(json_error<std::vector<std::byte>>(json::array({1, 256})) ==
          "expected binary data or an array of byte values (0-255), got an array holding the integer 256");
    CHECK(json_error<std::optional<hsync::uuid>>(json("nope")) ==
          "expected a uuid string (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or null, got \"nope\"");
    CHECK(json_error<nanotime>(json("soon")) ==
          "expected a time in nanoseconds since the Unix epoch (an integer in [-9223372036854775808, "
          "9223372036854775807]), got a string");
}

TEST_CASE("a packed value of the wrong kind or range is an error that says what was expected", "[field_codec]") {
    using hsync::detail::mp_writer;
    CHECK_THAT(unpack_error<std::uint8_t>([](mp_writer& w) { w.uint(256); }),
               Catch::Contains("an integer in [0, 255]") && Catch::Contains("256"));
    CHECK_THAT(unpack_error<std::uint32_t>([](mp_writer& w) { w.sint(-1); }), Catch::Contains("the integer -1"));
    CHECK_THAT(unpack_error<std::int8_t>([](mp_writer& w) { w.sint(-129); }), Catch::Contains("[-128, 127]"));
    CHECK_THAT(unpack_error<int>([](mp_writer& w) { w.str("7"); }), Catch::Contains("a MessagePack string"));
    CHECK_THAT(unpack_error<bool>([](mp_writer& w) { w.uint(1); }), Catch::Contains("expected a boolean"));
    CHECK_THAT(unpack_error<double>([](mp_writer& w) { w.uint(1); }), Catch::Contains("expected a float"));
    CHECK_THAT(unpack_error<float>([](mp_writer& w) { w.f64(1e300); }), Catch::Contains("range of float"));
    CHECK_THAT(unpack_error<std::string>([](mp_writer& w) { w.bin(std::string_view("ab")); }), Catch::Contains("expected a string"));
    CHECK_THAT(unpack_error<hsync::uuid>([](mp_writer& w) { w.bin(std::string_view("short")); }),
               Catch::Contains("16 bytes") && Catch::Contains("5 bytes"));
    CHECK_THAT(unpack_error<hsync::uuid>([](mp_writer& w) { w.str("0189f7a2-5b1c-7d3e-8f40-123456789abc"); }),
               Catch::Contains("a uuid"));
    CHECK_THAT(unpack_error<std::optional<int>>([](mp_writer& w) { w.boolean(true); }), Catch::Contains("or nil"));
    CHECK_THAT(unpack_error<std::vector<std::uint8_t>>([](mp_writer&) {}), Catch::Contains("unreadable input"));
    // A float32 field accepts a float64 in its range (the JSON encoding carries no width).
    hsync::detail::mp_writer w;
    w.f64(1.5);
    hsync::detail::mp_reader r(w.bytes());
    float f = 0;
    REQUIRE_FALSE(field_codec<float>::unpack(r, f).has_value());
    CHECK(f == 1.5f);
}

TEST_CASE("a value its column cannot hold is refused when bound, naming the field", "[field_codec]") {
    const std::uint64_t too_big = std::uint64_t{1} << 63;
    CHECK(bind_error(too_big) ==
          "hsync: model 'album', field 'count' is 9223372036854775808, beyond the largest value SQLite can "
          "store (9223372036854775807)");
    CHECK(bind_error(std::optional<std::uint64_t>(too_big)) == bind_error(too_big));
    CHECK(bind_error(hsync::local<std::uint64_t>(too_big)) == bind_error(too_big));
    CHECK(bind_error(hours_time(std::chrono::hours(24 * 365 * 400))) ==
          "hsync: model 'album', field 'count' is a time outside the years 1677-2262, which nanoseconds since "
          "the Unix epoch cannot hold");
    CHECK_THROWS_WITH(field_codec<std::uint64_t>::literal(too_big),
                      "hsync: a default value beyond INT64_MAX cannot be stored");
}

TEST_CASE("the store's entry points are the codec's", "[field_codec]") {
    // bind_field, read_field, sql_literal, json_field and variable_bytes dispatch to field_codec.
    database db;
    create_table<std::optional<std::string>>(db);
    const std::optional<std::string> v = "entry";
    {
        statement insert(db, "INSERT INTO t (v) VALUES (?)");
        hsync::detail::bind_field(insert.get(), 1, v, "m", "f");
        REQUIRE(insert.step() == SQLITE_DONE);
    }
    statement select(db, "SELECT v FROM t");
    REQUIRE(select.step() == SQLITE_ROW);
    std::optional<std::string> out;
    REQUIRE_FALSE(hsync::detail::read_field(select.get(), 0, out));
    CHECK(out == v);
    CHECK(hsync::detail::sql_literal(v) == "'entry'");
    CHECK(hsync::detail::json_field<std::optional<std::string>>::write(v) == json("entry"));
    CHECK(hsync::detail::variable_bytes(v) == 5);
    CHECK(hsync::detail::variable_bytes(hsync::local<std::string>("abc")) == 0);
}
