#include "models/llm_npu/llm_compute.h"

namespace npusim {

IComputeRule::Cost LlmComputeRule::compute(const WorkUnit& s) {
  switch (s.kind) {
    case WorkUnit::Kind::Matrix: {
      const uint64_t macs = s.mw.m * s.mw.k * s.mw.n * s.mw.count;
      const uint64_t mpe = c_.mpe->cycles(s.mw);
      c_.mpe->account(s.mw, mpe);
      if (!s.transform_weights) return {mpe, macs, c_.mpe->path().c_str()};
      const uint64_t weights = s.mw.k * s.mw.n * s.mw.count;
      const uint64_t dq = c_.dequant->cycles(weights, s.mw.w_bits);
      c_.dequant->account(weights, dq);
      return {std::max(mpe, dq) + c_.dequant->pipeline_depth(), macs, c_.mpe->path().c_str()};
    }
    case WorkUnit::Kind::Vector: {
      const uint64_t full = c_.sfu->cycles(s.vw);
      c_.sfu->account(s.vw, full);
      const bool on_chip =
          !s.opens_output && !s.closes_output && s.input_bytes == 0 && s.weight_bytes == 0;
      if (!c_.sfu_overlap || !on_chip) return {full, 0, c_.sfu->path().c_str()};
      VectorWork tail = s.vw;
      tail.elements = std::min<uint64_t>(s.vw.elements, c_.sfu_overlap_elements);
      return {c_.sfu->cycles(tail), 0, c_.sfu->path().c_str()};
    }
    case WorkUnit::Kind::Fused: {
      const uint64_t macs = (s.mw.m * s.mw.k * s.mw.n + s.mw2.m * s.mw2.k * s.mw2.n) * s.mw.count;
      const uint64_t sm = c_.sfu->cycles(s.vw);
      c_.sfu->account(s.vw, sm);
      if (c_.attention_on_sfu) {
        const VectorWork qk{VectorFn::Mac, s.mw.m * s.mw.k * s.mw.n * s.mw.count, s.mw.a_bits};
        const VectorWork pv{VectorFn::Mac, s.mw2.m * s.mw2.k * s.mw2.n * s.mw2.count, s.mw2.a_bits};
        const uint64_t a = c_.sfu->cycles(qk), b = c_.sfu->cycles(pv);
        c_.sfu->account(qk, a);
        c_.sfu->account(pv, b);
        return {a + sm + b, macs, c_.sfu->path().c_str()};
      }
      const uint64_t qk = c_.mpe->cycles(s.mw), pv = c_.mpe->cycles(s.mw2);
      c_.mpe->account(s.mw, qk);
      c_.mpe->account(s.mw2, pv);
      return {qk + sm + pv, macs, c_.mpe->path().c_str()};
    }
  }
  return {};
}

}  // namespace npusim
