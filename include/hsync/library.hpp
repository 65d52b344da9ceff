#pragma once
// hsync, the light entry: declare models and keep them in a library file. Commit, update,
// remove, read, and hear of changes; no network, no Asio, no OpenSSL. Files of an
// application that only commit and read include this; the one that syncs includes
// hsync/net.hpp (docs/getting-started.md, "Compile the library and the node once").

#include <hsync/version.hpp>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>

#include <hsync/model/column.hpp>
#include <hsync/model/field_codec.hpp>
#include <hsync/model/json.hpp>
#include <hsync/model/markers.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/model/type_list.hpp>

#include <hsync/store/change.hpp>
#include <hsync/store/library.hpp>
#include <hsync/store/options.hpp>
#include <hsync/store/replica.hpp>
#include <hsync/store/values_json.hpp>

// Compile a library's machinery once per application instead of in every file that uses
// it (docs/getting-started.md, "Compile the library once"):
// HSYNC_EXTERN_LIBRARY(my_library) next to the library's type alias, in a header every
// file includes; HSYNC_INSTANTIATE_LIBRARY(my_library) in one .cpp. Both are optional.
#define HSYNC_EXTERN_LIBRARY(Library) extern template struct ::hsync::detail::library_impl<Library>

#define HSYNC_INSTANTIATE_LIBRARY(Library) template struct ::hsync::detail::library_impl<Library>
