// Compile-time benchmark (tools/compile_time.sh): a file of an application that commits
// and reads, including only the light entry hsync/library.hpp; the library's machinery and
// the node are compiled in another file (node_once.cpp). Compare with a TU of only the
// #include lines of the dependencies that hsync/library.hpp includes.
#include <filesystem>

#include "photo_library.hpp"

int main(int argc, char**) {
    const hsync::identity me{hsync::uuid::v4()};
    const auto dir = std::filesystem::temp_directory_path() / ("hsync_compile_once_" + me.device_id.to_string());
    std::filesystem::create_directories(dir);
    struct cleanup {
        std::filesystem::path dir;
        ~cleanup() { std::filesystem::remove_all(dir); }
    } removed_at_exit{dir};
    photo_library lib(dir / "photos.db", me);
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
