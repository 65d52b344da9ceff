#pragma once
// hsync::field_codec<T>, declared: the SQLite and JSON layers dispatch to it, and
// model/field_codec.hpp defines it (and includes them).

namespace hsync {

template <class T>
struct field_codec;

}  // namespace hsync
