// expect: hsync: a model must be default-constructible
#include <hsync/hsync.hpp>

#include <boost/hana/adapt_struct.hpp>

#include <filesystem>
#include <string>
#include <utility>

// Adapted for reflection, as the "not an aggregate" message suggests, but with no
// default constructor: a record received from a peer could not be built.
struct Account {
    Account(hsync::record_id id, std::string n) : uuid(id), name(std::move(n)) {}
    hsync::record_id uuid;
    std::string name;
};
BOOST_HANA_ADAPT_STRUCT(Account, uuid, name);

void open_library(const std::filesystem::path& path, const hsync::identity& id) {
    hsync::library<Account> lib(path, id);
}
