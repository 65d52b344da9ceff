#pragma once
// Field values <-> SQLite values, through the C API on SQLiteCpp's prepared statements
// (no per-value allocation). The mapping is the one model/column.hpp states.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <sqlite3.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/field_error.hpp>
#include <hsync/detail/meta.hpp>
#include <hsync/model/column.hpp>
#include <hsync/model/markers.hpp>

namespace hsync::detail {

// An hlc as 24 bytes whose byte order is the hlc order (big-endian millis and counter,
// then the device), so SQLite compares and indexes it as a plain BLOB.
using hlc_bytes = std::array<std::uint8_t, 24>;

inline hlc_bytes encode_hlc(const hlc& h) noexcept {
    hlc_bytes out{};
    const std::uint64_t word = h.packed();
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(word >> (56 - 8 * i));
    for (std::size_t i = 0; i < 16; ++i) out[8 + i] = h.device.bytes()[i];
    return out;
}

inline std::optional<hlc> decode_hlc(const void* data, int size) noexcept {
    if (size != 24 || data == nullptr) return std::nullopt;
    const auto* p = static_cast<const std::uint8_t*>(data);
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < 8; ++i) word = (word << 8) | p[i];
    uuid::bytes_type device{};
    for (std::size_t i = 0; i < 16; ++i) device[i] = p[8 + i];
    return hlc::from_packed(word, uuid{device});
}

inline void check_sqlite(int rc, sqlite3_stmt* stmt) {
    if (rc != SQLITE_OK) {
        throw error(errc::storage, std::string("hsync: SQLite: ") + sqlite3_errmsg(sqlite3_db_handle(stmt)));
    }
}

inline void bind_uuid(sqlite3_stmt* s, int index, const uuid& u) {
    // The uuid outlives the statement's step: the caller binds, steps and resets in one go.
    check_sqlite(sqlite3_bind_blob(s, index, u.bytes().data(), 16, SQLITE_STATIC), s);
}

inline void bind_hlc(sqlite3_stmt* s, int index, const hlc_bytes& b) {
    check_sqlite(sqlite3_bind_blob(s, index, b.data(), static_cast<int>(b.size()), SQLITE_STATIC), s);
}

inline void bind_text(sqlite3_stmt* s, int index, std::string_view text) {
    check_sqlite(sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC), s);
}

inline void bind_bytes(sqlite3_stmt* s, int index, const void* data, std::size_t size) {
    // sqlite3_bind_blob with a null pointer binds NULL; an empty blob is a zeroblob.
    if (size == 0) {
        check_sqlite(sqlite3_bind_zeroblob(s, index, 0), s);
    } else {
        check_sqlite(sqlite3_bind_blob(s, index, data, static_cast<int>(size), SQLITE_STATIC), s);
    }
}

template <class Duration>
constexpr bool time_point_fits_nanoseconds(std::chrono::time_point<std::chrono::system_clock, Duration> t) {
    using ns = std::chrono::nanoseconds;
    if constexpr (std::ratio_less_equal_v<typename Duration::period, std::nano>) {
        return true;  // as fine as nanoseconds or finer: the cast narrows, never overflows
    } else {
        const auto d = t.time_since_epoch();
        return d <= std::chrono::duration_cast<Duration>(ns::max()) &&
               d >= std::chrono::duration_cast<Duration>(ns::min());
    }
}

// Binds one field value. Throws errc::value_out_of_range for a value the column cannot
// hold; `model` and `field` name it in that message.
template <class F>
void bind_field(sqlite3_stmt* s, int index, const F& v, std::string_view model, std::string_view field) {
    [[maybe_unused]] auto what = [&] { return "model '" + std::string(model) + "', field '" + std::string(field) + "'"; };
    if constexpr (is_local_v<F>) {
        bind_field(s, index, v.get(), model, field);
    } else if constexpr (is_optional_v<F>) {
        if (v) {
            bind_field(s, index, *v, model, field);
        } else {
            check_sqlite(sqlite3_bind_null(s, index), s);
        }
    } else if constexpr (std::is_same_v<F, bool>) {
        check_sqlite(sqlite3_bind_int(s, index, v ? 1 : 0), s);
    } else if constexpr (std::is_integral_v<F>) {
        if constexpr (std::is_unsigned_v<F> && sizeof(F) >= sizeof(std::int64_t)) {
            if (v > static_cast<F>(std::numeric_limits<std::int64_t>::max())) {
                throw error(errc::value_out_of_range,
                            "hsync: " + what() + " is " + std::to_string(v) +
                                ", beyond the largest value SQLite can store (" +
                                std::to_string(std::numeric_limits<std::int64_t>::max()) + ")");
            }
        }
        check_sqlite(sqlite3_bind_int64(s, index, static_cast<sqlite3_int64>(v)), s);
    } else if constexpr (std::is_floating_point_v<F>) {
        check_sqlite(sqlite3_bind_double(s, index, static_cast<double>(v)), s);
    } else if constexpr (std::is_enum_v<F>) {
        bind_field(s, index, static_cast<std::underlying_type_t<F>>(v), model, field);
    } else if constexpr (std::is_same_v<F, std::string>) {
        bind_text(s, index, v);
    } else if constexpr (std::is_same_v<F, std::vector<std::byte>> || std::is_same_v<F, std::vector<std::uint8_t>>) {
        bind_bytes(s, index, v.data(), v.size());
    } else if constexpr (std::is_same_v<F, uuid>) {
        bind_uuid(s, index, v);
    } else if constexpr (std::is_same_v<F, record_id> || std::is_same_v<F, owner_id>) {
        bind_uuid(s, index, v.value);
    } else if constexpr (is_ref_v<F>) {
        bind_uuid(s, index, v.id);
    } else if constexpr (is_time_point<F>::value) {
        if (!time_point_fits_nanoseconds(v)) {
            throw error(errc::value_out_of_range,
                        "hsync: " + what() + " is a time outside the years 1677-2262, "
                        "which nanoseconds since the Unix epoch cannot hold");
        }
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(v.time_since_epoch()).count();
        check_sqlite(sqlite3_bind_int64(s, index, static_cast<sqlite3_int64>(ns)), s);
    } else {
        static_assert(dependent_false<F>, "hsync: no SQLite binding for this field type");
    }
}

inline std::string describe_column(sqlite3_stmt* s, int col) {
    switch (sqlite3_column_type(s, col)) {
        case SQLITE_INTEGER: return "the integer " + std::to_string(sqlite3_column_int64(s, col));
        case SQLITE_FLOAT: return "the real " + std::to_string(sqlite3_column_double(s, col));
        case SQLITE_TEXT: return "a TEXT value";
        case SQLITE_BLOB: return "a BLOB of " + std::to_string(sqlite3_column_bytes(s, col)) + " bytes";
        default: return "NULL";
    }
}

template <class I>
std::optional<field_error> read_integer_column(sqlite3_stmt* s, int col, I& out) {
    using limits = std::numeric_limits<I>;
    if (sqlite3_column_type(s, col) == SQLITE_INTEGER) {
        const sqlite3_int64 v = sqlite3_column_int64(s, col);
        bool fits = false;
        if constexpr (std::is_signed_v<I>) {
            fits = v >= static_cast<sqlite3_int64>(limits::min()) && v <= static_cast<sqlite3_int64>(limits::max());
        } else {
            fits = v >= 0 && static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(limits::max());
        }
        if (fits) {
            out = static_cast<I>(v);
            return std::nullopt;
        }
    }
    return field_error{"an integer in [" + std::to_string(limits::min()) + ", " + std::to_string(limits::max()) + "]",
                       describe_column(s, col)};
}

inline std::optional<field_error> read_uuid_column(sqlite3_stmt* s, int col, uuid& out) {
    if (sqlite3_column_type(s, col) == SQLITE_BLOB && sqlite3_column_bytes(s, col) == 16) {
        uuid::bytes_type bytes{};
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
        for (std::size_t i = 0; i < 16; ++i) bytes[i] = p[i];
        out = uuid{bytes};
        return std::nullopt;
    }
    return field_error{"a 16-byte uuid BLOB", describe_column(s, col)};
}

// Reads one column into a field; a value of the wrong kind (written by hand, say) is an
// error, not a silent conversion.
template <class F>
std::optional<field_error> read_field(sqlite3_stmt* s, int col, F& out) {
    if constexpr (is_local_v<F>) {
        return read_field(s, col, out.get());
    } else if constexpr (is_optional_v<F>) {
        if (sqlite3_column_type(s, col) == SQLITE_NULL) {
            out.reset();
            return std::nullopt;
        }
        typename F::value_type value{};
        if (auto err = read_field(s, col, value)) {
            err->expected += " or NULL";
            return err;
        }
        out = std::move(value);
        return std::nullopt;
    } else if constexpr (std::is_same_v<F, bool>) {
        if (sqlite3_column_type(s, col) == SQLITE_INTEGER) {
            const auto v = sqlite3_column_int64(s, col);
            if (v == 0 || v == 1) {
                out = v == 1;
                return std::nullopt;
            }
        }
        return field_error{"0 or 1", describe_column(s, col)};
    } else if constexpr (std::is_integral_v<F>) {
        return read_integer_column(s, col, out);
    } else if constexpr (std::is_floating_point_v<F>) {
        const int type = sqlite3_column_type(s, col);
        if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) return field_error{"a number", describe_column(s, col)};
        out = static_cast<F>(sqlite3_column_double(s, col));
        return std::nullopt;
    } else if constexpr (std::is_enum_v<F>) {
        std::underlying_type_t<F> v{};
        if (auto err = read_integer_column(s, col, v)) return err;
        out = static_cast<F>(v);
        return std::nullopt;
    } else if constexpr (std::is_same_v<F, std::string>) {
        if (sqlite3_column_type(s, col) != SQLITE_TEXT) return field_error{"a TEXT value", describe_column(s, col)};
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
        out.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
        return std::nullopt;
    } else if constexpr (std::is_same_v<F, std::vector<std::byte>> || std::is_same_v<F, std::vector<std::uint8_t>>) {
        if (sqlite3_column_type(s, col) != SQLITE_BLOB) return field_error{"a BLOB", describe_column(s, col)};
        const auto* p = static_cast<const typename F::value_type*>(sqlite3_column_blob(s, col));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, col));
        out.assign(p, p + n);
        return std::nullopt;
    } else if constexpr (std::is_same_v<F, uuid>) {
        return read_uuid_column(s, col, out);
    } else if constexpr (std::is_same_v<F, record_id> || std::is_same_v<F, owner_id>) {
        return read_uuid_column(s, col, out.value);
    } else if constexpr (is_ref_v<F>) {
        return read_uuid_column(s, col, out.id);
    } else if constexpr (is_time_point<F>::value) {
        std::int64_t ns = 0;
        if (auto err = read_integer_column(s, col, ns)) return err;
        out = F(std::chrono::duration_cast<typename F::duration>(std::chrono::nanoseconds(ns)));
        return std::nullopt;
    } else {
        static_assert(dependent_false<F>, "hsync: no SQLite reading for this field type");
    }
}

// The value as an SQL literal, for the DEFAULT of a column added by a migration.
template <class F>
std::string sql_literal(const F& v) {
    static constexpr char digits[] = "0123456789abcdef";
    auto blob = [](const std::uint8_t* p, std::size_t n) {
        std::string out = "x'";
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(digits[p[i] >> 4]);
            out.push_back(digits[p[i] & 0xf]);
        }
        return out + "'";
    };
    if constexpr (is_local_v<F>) {
        return sql_literal(v.get());
    } else if constexpr (is_optional_v<F>) {
        return v ? sql_literal(*v) : std::string("NULL");
    } else if constexpr (std::is_same_v<F, bool>) {
        return v ? "1" : "0";
    } else if constexpr (std::is_integral_v<F>) {
        if constexpr (std::is_unsigned_v<F> && sizeof(F) >= sizeof(std::int64_t)) {
            if (v > static_cast<F>(std::numeric_limits<std::int64_t>::max())) {
                throw error(errc::value_out_of_range, "hsync: a default value beyond INT64_MAX cannot be stored");
            }
        }
        return std::to_string(static_cast<std::int64_t>(v));
    } else if constexpr (std::is_floating_point_v<F>) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
        return buf;
    } else if constexpr (std::is_enum_v<F>) {
        return sql_literal(static_cast<std::underlying_type_t<F>>(v));
    } else if constexpr (std::is_same_v<F, std::string>) {
        std::string out = "'";
        for (char c : v) {
            if (c == '\'') out.push_back('\'');
            out.push_back(c);
        }
        return out + "'";
    } else if constexpr (std::is_same_v<F, std::vector<std::byte>> || std::is_same_v<F, std::vector<std::uint8_t>>) {
        return blob(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
    } else if constexpr (std::is_same_v<F, uuid>) {
        return blob(v.bytes().data(), 16);
    } else if constexpr (std::is_same_v<F, record_id> || std::is_same_v<F, owner_id>) {
        return blob(v.value.bytes().data(), 16);
    } else if constexpr (is_ref_v<F>) {
        return blob(v.id.bytes().data(), 16);
    } else if constexpr (is_time_point<F>::value) {
        return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(v.time_since_epoch()).count());
    } else {
        static_assert(dependent_false<F>, "hsync: no SQL literal for this field type");
    }
}

}  // namespace hsync::detail
