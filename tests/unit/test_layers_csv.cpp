// layers.csv is RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes
// inside are doubled, and the text is the name itself (not its JSON escape).
#include <catch2/catch.hpp>

#include "sim/report/layers_csv.h"

using namespace npusim;

namespace {

Json row(const std::string& name, uint64_t cycles) {
  Json r = Json::object();
  r["phase"] = "p";
  r["name"] = name;
  r["cycles"] = cycles;
  r["compute_cycles"] = cycles / 2;
  return r;
}

Json stats_with(std::vector<Json> rows) {
  Json layers = Json::array();
  for (auto& r : rows) layers.push_back(r);
  Json s = Json::object();
  s["breakdown"]["layers"] = layers;
  return s;
}

}  // namespace

TEST_CASE("layers.csv quotes names with commas, quotes and line breaks", "[report]") {
  Json s = stats_with({row("plain", 10), row("a,b", 20), row("say \"hi\"", 30), row("x\ny", 40),
                       row("back\\slash", 50)});
  CHECK(layers_csv(s) ==
        "phase,name,cycles,compute_cycles\n"
        "p,plain,10,5\n"
        "p,\"a,b\",20,10\n"
        "p,\"say \"\"hi\"\"\",30,15\n"
        "p,\"x\ny\",40,20\n"
        "p,back\\slash,50,25\n");
}

TEST_CASE("layers.csv lines rows up by column name", "[report]") {
  // A row without `cycles` and with its keys in another order keeps its values in their columns.
  Json odd = Json::object();
  odd["compute_cycles"] = 7;
  odd["name"] = "odd";
  odd["phase"] = "q";
  Json s = stats_with({row("first", 10), odd});
  CHECK(layers_csv(s) ==
        "phase,name,cycles,compute_cycles\n"
        "p,first,10,5\n"
        "q,odd,,7\n");
}

TEST_CASE("layers.csv of a run without operators is empty", "[report]") {
  CHECK(layers_csv(Json::object()).empty());
}
