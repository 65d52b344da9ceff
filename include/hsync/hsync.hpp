#pragma once
// hsync: keep an application's SQLite data in sync across a user's devices, peer to
// peer, with no leader. Include this header for everything; hsync/library.hpp,
// hsync/net.hpp and hsync/testing.hpp are the lighter entries.

#include <hsync/library.hpp>
#include <hsync/net.hpp>
#include <hsync/testing.hpp>
