#pragma once
// hsync: keep an application's SQLite data in sync across a user's devices, peer to
// peer, with no leader. Include this header for everything.

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

#include <hsync/sync/codec.hpp>
#include <hsync/sync/messages.hpp>
#include <hsync/sync/engine.hpp>

#include <hsync/net/device_id.hpp>
#include <hsync/net/identity.hpp>
#include <hsync/net/tls.hpp>
#include <hsync/net/pairing.hpp>
#include <hsync/net/node.hpp>

// Testing support for applications: the deterministic simulator on their own models.
#include <hsync/testing/random.hpp>
#include <hsync/testing/random_model.hpp>
#include <hsync/testing/simulator.hpp>
