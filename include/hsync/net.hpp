#pragma once
// hsync, the network: the sync engine and net::node, which syncs a library with its
// paired devices over mutual TLS. Includes hsync/library.hpp.
//
// A node is a large template. An application with several files that name its node
// compiles it once: HSYNC_EXTERN_NODE(my_library) in a header those files include, and
// HSYNC_INSTANTIATE_NODE(my_library) in one .cpp (docs/getting-started.md).

#include <hsync/library.hpp>

#include <hsync/sync/codec.hpp>
#include <hsync/sync/decode_result.hpp>
#include <hsync/sync/engine.hpp>
#include <hsync/sync/messages.hpp>
#include <hsync/sync/schema.hpp>

#include <hsync/net/device_id.hpp>
#include <hsync/net/framing.hpp>
#include <hsync/net/identity.hpp>
#include <hsync/net/node.hpp>
#include <hsync/net/node_options.hpp>
#include <hsync/net/pairing.hpp>
#include <hsync/net/tls.hpp>

// In a header: the node and engine of `Library` are compiled elsewhere, not here.
#define HSYNC_EXTERN_NODE(Library)                            \
    extern template class ::hsync::sync::engine<Library>;     \
    extern template class ::hsync::net::node<Library>

// In one .cpp: compile the node and engine of `Library` there.
#define HSYNC_INSTANTIATE_NODE(Library)                \
    template class ::hsync::sync::engine<Library>;     \
    template class ::hsync::net::node<Library>
