// Catch2 v2's main, built once for every test executable (with benchmarking enabled,
// which Debian's prebuilt Catch2WithMain lacks).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
