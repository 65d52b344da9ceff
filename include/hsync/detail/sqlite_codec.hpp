#pragma once
// Values <-> SQLite values, through the C API on SQLiteCpp's prepared statements (no
// per-value allocation): the primitives the tables use, and the field-level entry points,
// which hand each field type to its hsync::field_codec (model/field_codec.hpp).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <sqlite3.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/field_error.hpp>
#include <hsync/model/field_codec_fwd.hpp>

namespace hsync::detail {

// An hlc as stored: its 24-byte encoding (hlc::to_bytes), which sorts as the hlc does.
using hlc_bytes = hlc::bytes_type;

inline hlc_bytes encode_hlc(const hlc& h) noexcept { return h.to_bytes(); }

inline std::optional<hlc> decode_hlc(const void* data, int size) noexcept {
    if (size != static_cast<int>(hlc::byte_size) || data == nullptr) return std::nullopt;
    return hlc::from_bytes(std::span(static_cast<const std::uint8_t*>(data), hlc::byte_size));
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

// The field a bound value belongs to, named in the message of a value its column cannot hold.
struct bind_site {
    std::string_view model;
    std::string_view field;
    std::string describe() const { return "model '" + std::string(model) + "', field '" + std::string(field) + "'"; }
};

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

// Binds one field value. Throws errc::value_out_of_range for a value the column cannot
// hold; `model` and `field` name it in that message.
template <class F>
void bind_field(sqlite3_stmt* s, int index, const F& v, std::string_view model, std::string_view field) {
    field_codec<F>::bind(s, index, v, {model, field});
}

// Reads one column into a field; a value of the wrong kind (written by hand, say) is an
// error, not a silent conversion.
template <class F>
std::optional<field_error> read_field(sqlite3_stmt* s, int col, F& out) {
    return field_codec<F>::read(s, col, out);
}

// The value as an SQL literal, for the DEFAULT of a column added by a migration.
template <class F>
std::string sql_literal(const F& v) {
    return field_codec<F>::literal(v);
}

}  // namespace hsync::detail
