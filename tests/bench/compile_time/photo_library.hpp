#pragma once
// The application header of the compile-time benchmark (tools/compile_time.sh): the
// library type, declared compiled elsewhere (HSYNC_EXTERN_LIBRARY; node_once.cpp
// compiles it), as docs/getting-started.md tells an application with several files to do.
// -DHSYNC_COMPILE_TIME_LIBRARY_HERE leaves the declaration out, so that each file compiles
// the library itself: the default, measured for comparison.
#include <hsync/library.hpp>

#include "seed_models.hpp"

using photo_library = hsync::library<photos::Device, photos::Volume, photos::Location, photos::Entry, photos::Tag,
                                     photos::Album, photos::UserMetadata>;

#ifndef HSYNC_COMPILE_TIME_LIBRARY_HERE
HSYNC_EXTERN_LIBRARY(photo_library);
#endif

void start_sync(photo_library& lib, bool run);  // node_once.cpp
