#pragma once
// hsync, the light entry: declare models and keep them in a library file. Commit, update,
// remove, read, and hear of changes; no network, no Asio, no OpenSSL. Files of an
// application that only commit and read include this; the one that syncs includes
// hsync/net.hpp (docs/getting-started.md, "Compile the node once").

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
