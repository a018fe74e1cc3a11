// The reference documentation is generated from the parameter tables; these tests fail when
// the committed files fall behind the code (regenerate with `npusim docs config` / `trace`).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "sim/app/reference_docs.h"

namespace {

std::string read(const std::string& rel) {
  std::ifstream in(std::string(NPUSIM_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("docs/config.md is the generated hardware reference", "[docs]") {
  INFO("regenerate: build/npusim docs config > docs/config.md");
  CHECK(read("docs/config.md") == npusim::config_reference_markdown());
}

TEST_CASE("docs/trace_format.md carries the generated field reference", "[docs]") {
  const std::string doc = read("docs/trace_format.md");
  const std::string begin = "<!-- BEGIN GENERATED: npusim docs trace -->\n";
  const std::string end = "<!-- END GENERATED -->";
  const size_t a = doc.find(begin), b = doc.find(end);
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  INFO("regenerate the section between the markers with: build/npusim docs trace");
  CHECK(doc.substr(a + begin.size(), b - a - begin.size()) == npusim::trace_reference_markdown());
}

TEST_CASE("docs/adding_an_accelerator.md quotes models/vector_npu/vector_npu.cpp as it is",
          "[docs]") {
  const std::string doc = read("docs/adding_an_accelerator.md");
  const std::string code = read("models/vector_npu/vector_npu.cpp");
  size_t blocks = 0;
  for (size_t a = doc.find("```cpp\n"); a != std::string::npos; a = doc.find("```cpp\n", a + 1)) {
    const size_t begin = a + 7, end = doc.find("```", begin);
    const std::string block = doc.substr(begin, end - begin);
    INFO("a ```cpp block of the walkthrough is no longer in vector_npu.cpp:\n" << block);
    CHECK(code.find(block) != std::string::npos);
    ++blocks;
  }
  CHECK(blocks >= 5);
}
