#pragma once
// hsync, for an application's tests: the deterministic simulator on its own models
// (docs/testing.md). Includes hsync/library.hpp and the sync engine; no Asio.

#include <hsync/library.hpp>

#include <hsync/testing/random.hpp>
#include <hsync/testing/random_model.hpp>
#include <hsync/testing/sim_options.hpp>
#include <hsync/testing/simulator.hpp>
