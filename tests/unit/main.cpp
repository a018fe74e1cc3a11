// Catch2's own signal handlers run on a sigaltstack, which AddressSanitizer misreads as a
// stack overflow; the sanitizer reports crashes itself, so they are off.
#define CATCH_CONFIG_NO_POSIX_SIGNALS
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
