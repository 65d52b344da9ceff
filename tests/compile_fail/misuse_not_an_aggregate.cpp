// expect: hsync: this model is not an aggregate
#include <hsync/hsync.hpp>

#include <string>

class Account {
public:
    Account() = default;
    explicit Account(std::string name) : name_(std::move(name)) {}

private:
    hsync::record_id uuid_;
    std::string name_;
};

static_assert(hsync::model_traits<Account>::field_count == 2);
