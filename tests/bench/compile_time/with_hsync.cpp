// Compile-time benchmark (tools/bench.sh): the single header and a library of the seven
// seed models, instantiated through every path an application uses. Compare with
// a TU of only the #include lines of the single header (tools/bench.sh makes it).
#include <hsync/hsync.hpp>

#include "seed_models.hpp"

using photo_library = hsync::library<photos::Device, photos::Volume, photos::Location, photos::Entry, photos::Tag,
                                     photos::Album, photos::UserMetadata>;

int main([[maybe_unused]] int argc, char**) {
    const hsync::identity me{hsync::uuid::v4()};
    photo_library lib(":memory:", me);
    std::size_t rows = 0;
    boost::hana::for_each(photo_library::model_types(), [&](auto t) {
        using M = typename decltype(t)::type;
        lib.on<M>([](const hsync::change<M>&) {});
        rows += lib.all<M>().size();
    });
    photos::Tag tag{hsync::record_id::generate(), "sunset"};
    lib.commit(tag);
#ifndef HSYNC_COMPILE_TIME_NO_NODE
    if (argc > 1) {  // the network layer too, as an application that syncs builds it
        const auto self = hsync::net::device_identity::beside("compile_time.db");
        hsync::net::node<photo_library> node(lib, self);
        node.start();
    }
#endif
    return static_cast<int>(rows);
}
