#include "models/mobile_soc/op_support.h"

#include "sim/core/config.h"
#include "sim/core/errors.h"

namespace npusim {

const char* soc_dtype_name(SocDtype d) {
  switch (d) {
    case SocDtype::Fp32:
      return "fp32";
    case SocDtype::Fp16:
      return "fp16";
    case SocDtype::Int8:
      return "int8";
    case SocDtype::Int32:
      return "int32";
  }
  return "?";
}

uint64_t soc_dtype_bytes(SocDtype d) {
  switch (d) {
    case SocDtype::Fp32:
      return 4;
    case SocDtype::Fp16:
      return 2;
    case SocDtype::Int8:
      return 1;
    case SocDtype::Int32:
      return 4;
  }
  return 4;
}

bool parse_soc_dtype(const std::string& s, SocDtype* out) {
  for (SocDtype d : {SocDtype::Fp32, SocDtype::Fp16, SocDtype::Int8, SocDtype::Int32}) {
    if (s == soc_dtype_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

bool is_float(SocDtype d) {
  return d == SocDtype::Fp32 || d == SocDtype::Fp16;
}

bool OpSupportTable::accepts(const OpQuery& q, std::string* why) const {
  auto it = ops.find(q.op);
  if (it == ops.end()) {
    if (why) *why = q.op + " is not in " + name + " (" + version + ")";
    return false;
  }
  const OpRule& r = it->second;
  bool dtype_ok = false;
  for (SocDtype d : r.dtypes) dtype_ok = dtype_ok || d == q.dtype;
  if (!dtype_ok) {
    if (why) *why = q.op + " at " + soc_dtype_name(q.dtype) + " is not accepted by " + name;
    return false;
  }
  if (r.batch1_only && q.batch != 1) {
    if (why) *why = q.op + " has batch " + std::to_string(q.batch) + " and " + name + " takes 1";
    return false;
  }
  if (r.max_rank > 0 && q.rank > r.max_rank) {
    if (why)
      *why = q.op + " has rank " + std::to_string(q.rank) + " and " + name + " takes up to " +
             std::to_string(r.max_rank);
    return false;
  }
  if (r.const_weights && !q.const_weights) {
    if (why) *why = q.op + " has a non-constant weight operand, which " + name + " rejects";
    return false;
  }
  return true;
}

namespace {

bool flag(const ConfigNode& n, const char* key) {
  const YAML::Node v = n.node()[key];
  if (!v.IsDefined()) return false;
  bool b = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
    n.fail_at(v, key, std::string("`") + key + "` must be true or false");
  return b;
}

}  // namespace

OpSupportTable load_op_support(const std::string& path) {
  const auto doc = load_yaml_file(path, ErrorKind::Config, "op_support");
  const ConfigNode root(doc, doc->root, "op_support");
  root.check_keys({"schema_version", "name", "version", "source", "ops"});
  const YAML::Node& r = root.node();
  if (!r["schema_version"].IsDefined() || r["schema_version"].as<std::string>() != "1") {
    root.fail("op-support table schema_version must be " + std::to_string(kOpSupportSchemaVersion) +
              " (found `" +
              (r["schema_version"].IsDefined() ? r["schema_version"].as<std::string>()
                                               : std::string("none")) +
              "`)");
  }
  OpSupportTable t;
  t.file = path;
  for (const char* k : {"name", "version", "source"}) {
    if (!r[k].IsDefined() || !r[k].IsScalar())
      root.fail(std::string("op-support table needs `") + k + "` (a string)");
  }
  t.name = r["name"].as<std::string>();
  t.version = r["version"].as<std::string>();
  t.source = r["source"].as<std::string>();
  const ConfigNode ops = root.child("ops");
  if (!ops.present() || !ops.node().IsMap() || ops.node().size() == 0)
    root.fail("op-support table `" + t.name + "` needs `ops:`, a non-empty mapping of op names");
  for (const auto& kv : ops.node()) {
    const std::string op = kv.first.as<std::string>();
    const ConfigNode n = ops.child(op);
    n.check_keys({"dtypes", "batch1_only", "const_weights", "max_rank"});
    OpRule rule;
    const YAML::Node d = n.node()["dtypes"];
    if (!d.IsDefined() || !d.IsSequence() || d.size() == 0)
      ops.fail_at(kv.second, op, "op `" + op + "` needs `dtypes`, a non-empty list");
    for (const auto& e : d) {
      SocDtype dt;
      if (!parse_soc_dtype(e.as<std::string>(), &dt))
        n.fail_at(e, "dtypes",
                  "unknown dtype `" + e.as<std::string>() + "` (fp32, fp16, int8, int32)");
      rule.dtypes.push_back(dt);
    }
    rule.batch1_only = flag(n, "batch1_only");
    rule.const_weights = flag(n, "const_weights");
    const YAML::Node mr = n.node()["max_rank"];
    if (mr.IsDefined() &&
        (!mr.IsScalar() || !YAML::convert<int64_t>::decode(mr, rule.max_rank) || rule.max_rank < 1))
      n.fail_at(mr, "max_rank", "`max_rank` must be a positive integer");
    t.ops.emplace(op, rule);
  }
  return t;
}

}  // namespace npusim
