#include "models/llm_npu/llm_compute.h"

namespace npusim {

// Results leave the MPE as fp16 (it accumulates in fp32 inside).
constexpr int kResultBits = 16;

IComputeRule::Cost LlmComputeRule::compute(const WorkUnit& s, OpActivity& act) {
  switch (s.kind) {
    case WorkUnit::Kind::Matrix: {
      const uint64_t macs = s.mw.m * s.mw.k * s.mw.n * s.mw.count;
      const uint64_t mpe = c_.mpe->cycles(s.mw);
      c_.mpe->account(s.mw, mpe);
      act.add_matrix(s.mw);
      Cost c{mpe, macs, c_.mpe->path().c_str()};
      add_matrix_bytes(c, c_.mpe->traffic(s.mw), s.mw, kResultBits);
      if (!s.transform_weights) return c;
      const uint64_t weights = s.mw.k * s.mw.n * s.mw.count;
      const uint64_t dq = c_.dequant->cycles(weights, s.mw.w_bits);
      c_.dequant->account(weights, s.mw.w_bits, dq);
      act.transform(s.mw.w_bits == 16 ? 1 : 0) += weights;  // the dequantiser's lookup / bypass
      c.cycles = std::max(mpe, dq) + c_.dequant->pipeline_depth();
      return c;
    }
    case WorkUnit::Kind::Vector: {
      const uint64_t full = c_.sfu->cycles(s.vw);
      c_.sfu->account(s.vw, full);
      act.add_vector(s.vw);
      Cost c{full, 0, c_.sfu->path().c_str()};
      add_vector_bytes(c, s);
      const bool on_chip =
          !s.opens_output && !s.closes_output && s.input_bytes == 0 && s.weight_bytes == 0;
      if (!c_.sfu_overlap || !on_chip) return c;
      VectorWork tail = s.vw;
      tail.elements = std::min<uint64_t>(s.vw.elements, c_.sfu_overlap_elements);
      c.cycles = c_.sfu->cycles(tail);
      return c;
    }
    case WorkUnit::Kind::Fused: {  // the scores stay in the units between the three steps
      const uint64_t macs = (s.mw.m * s.mw.k * s.mw.n + s.mw2.m * s.mw2.k * s.mw2.n) * s.mw.count;
      const uint64_t sm = c_.sfu->cycles(s.vw);
      c_.sfu->account(s.vw, sm);
      act.add_vector(s.vw);
      Cost c{0, macs, ""};
      if (c_.attention_on_sfu) {
        const VectorWork qk{VectorFn::Mac, s.mw.m * s.mw.k * s.mw.n * s.mw.count, s.mw.a_bits};
        const VectorWork pv{VectorFn::Mac, s.mw2.m * s.mw2.k * s.mw2.n * s.mw2.count, s.mw2.a_bits};
        const uint64_t a = c_.sfu->cycles(qk), b = c_.sfu->cycles(pv);
        c_.sfu->account(qk, a);
        c_.sfu->account(pv, b);
        act.add_vector(qk);
        act.add_vector(pv);
        c.cycles = a + sm + b;
        c.unit = c_.sfu->path().c_str();
      } else {
        const uint64_t qk = c_.mpe->cycles(s.mw), pv = c_.mpe->cycles(s.mw2);
        c_.mpe->account(s.mw, qk);
        c_.mpe->account(s.mw2, pv);
        act.add_matrix(s.mw);
        act.add_matrix(s.mw2);
        c.cycles = qk + sm + pv;
        c.unit = c_.mpe->path().c_str();
      }
      // Q and K, then P and V, from the buffers once each; the context back to the output.
      c.input_read += bytes_of(s.mw.m * s.mw.k * s.mw.count, s.mw.a_bits);
      c.weight_read += bytes_of(s.mw.k * s.mw.n * s.mw.count, s.mw.w_bits) +
                       bytes_of(s.mw2.k * s.mw2.n * s.mw2.count, s.mw2.w_bits);
      c.output_written += bytes_of(s.mw2.m * s.mw2.n * s.mw2.count, kResultBits);
      return c;
    }
  }
  return {};
}

}  // namespace npusim
