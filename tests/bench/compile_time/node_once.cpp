// Compile-time benchmark (tools/compile_time.sh): the one file of an application that
// compiles its library's machinery (HSYNC_INSTANTIATE_LIBRARY) and its node
// (HSYNC_INSTANTIATE_NODE), and starts the node; the other files include only
// hsync/library.hpp (commits_and_reads.cpp).
#include <hsync/net.hpp>

#include "photo_library.hpp"

HSYNC_INSTANTIATE_LIBRARY(photo_library);
HSYNC_INSTANTIATE_NODE(photo_library);

// Instantiates what an application's sync file uses. Not run by the compile_once test: its
// library is opened with a random id, which a node refuses (errc::wrong_device); an
// application opens its library with its device identity's library_identity().
void start_sync(photo_library& lib, bool run) {
    if (!run) return;
    const auto self = hsync::net::device_identity::beside(lib.path());
    hsync::net::node<photo_library> node(lib, self);
    node.start();
    node.stop();
}
