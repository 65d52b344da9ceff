// Compile-time benchmark (tools/compile_time.sh): a file of an application that commits
// and reads, including only the light entry hsync/library.hpp; the node is compiled in
// another file (node_once.cpp). Compare with a TU of only the #include lines of the
// dependencies that hsync/library.hpp includes.
#include <hsync/library.hpp>

#include "seed_models.hpp"

using photo_library = hsync::library<photos::Device, photos::Volume, photos::Location, photos::Entry, photos::Tag,
                                     photos::Album, photos::UserMetadata>;

void start_sync(photo_library& lib, bool run);  // node_once.cpp

int main(int argc, char**) {
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
    lib.update<photos::Tag>(tag.uuid, [](photos::Tag& t) { t.canonical_name = "dusk"; });
    rows += lib.query<photos::Tag>("WHERE canonical_name = ?", "dusk").size();
    lib.remove<photos::Tag>(tag.uuid);
#ifndef HSYNC_COMPILE_TIME_ALONE
    start_sync(lib, argc > 1);
#endif
    return rows == 1 ? 0 : 1;  // the one tag, found by its edited name before its removal
}
