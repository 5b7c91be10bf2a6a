// The reference for kernels/decode_attention_paged.tile (and its bf16
// variant, same kernel name): vLLM-style paged decode attention, computed
// the obvious way from the kernel-layout inputs (docs/kernels.md):
//   for sequence b, token t, query head i (KV head kv = i / (n_q / n_kv)):
//     p_pos = seq_lens[b] - T + t
//     seen  = {j : j <= p_pos and (W == 0 or j > p_pos - W or j < S)}
//     K_j   = k_cache[block_table[b, j / block], :, kv, j % block]   (d,)
//     V_j   = v_cache[block_table[b, j / block], j % block, kv, :]   (d,)
//     logit_j = (K_j . q[b, t, :, i]) / sqrt(d)             for j in seen
//     out[b, t*n_q + i, :] = sum_j softmax(logit)_j V_j
// all in double (bf16 caches widened exactly), rounded to fp32 at the end.
//
// Validated first, each problem an error naming the input, the sequence and
// the value: shapes and dtypes; T <= seq_lens[b] <= max_blocks * block
// (every query token needs a position); window, sinks >= 0; and every
// block-table entry of a block some query of the sequence sees lies in
// [0, n_blocks). Entries of blocks no query sees are not read (vLLM pads
// tables with anything), as the kernel does not read them either.
//
// Random inputs (nksim --random-inputs): the indices and lengths are drawn
// valid by paged_attention_random_inputs (lengths uniform in [T, max],
// table entries uniform in [0, n_blocks), so blocks are shared and
// shuffled; no window, no sinks); the floats are random as for every kernel,
// q scaled by 3 so the attention is far from uniform.
#include "oracle/kernel_reference.h"

#include "runtime/dtype.h"
#include "runtime/hbm_binding.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nk::oracle {
namespace {

using InputDecls = std::map<std::string, std::pair<Dtype, std::vector<int64_t>>>;
// `scaled`: the fp8 kernel's reference (k_scale, v_scale inputs).
llvm::Error input_error(bool scaled, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s reference: %s",
                                 scaled ? "decode_attention_paged_fp8" : "decode_attention_paged", msg.c_str());
}

struct Want {
  const char *name;
  size_t rank;
  bool integer; // i32 (else any float dtype)
};
const Want kInputs[] = {{"q", 4, false},          {"k_cache", 4, false}, {"v_cache", 4, false},
                        {"block_table", 2, true}, {"seq_lens", 1, true}, {"window", 1, true},
                        {"sinks", 1, true},       {"k_scale", 1, false}, {"v_scale", 1, false}};
bool wanted(const Want &w, bool scaled) { return scaled || std::string(w.name).find("_scale") == std::string::npos; }

llvm::Error check_kinds(const InputDecls &inputs, bool scaled) {
  for (const Want &w : kInputs) {
    if (!wanted(w, scaled)) continue;
    auto it = inputs.find(w.name);
    if (it == inputs.end()) return input_error(scaled, fmt::format("missing input '{}'", w.name));
    const auto &[dtype, shape] = it->second;
    const bool ok_type = w.integer ? dtype == Dtype::i32 : dtype_is_float(dtype);
    if (!ok_type || shape.size() != w.rank)
      return input_error(scaled,
                         fmt::format("input '{}' is {}{}, expected {} with {} dimensions", w.name, dtype_name(dtype),
                                     format_shape(shape), w.integer ? "i32" : "a float type", w.rank));
    for (int64_t d : shape)
      if (d <= 0)
        return input_error(scaled, fmt::format("input '{}' has an empty shape {}", w.name, format_shape(shape)));
  }
  for (const auto &kv : inputs) {
    bool known = false;
    for (const Want &w : kInputs) known |= wanted(w, scaled) && kv.first == w.name;
    if (!known) return input_error(scaled, fmt::format("unexpected input '{}'", kv.first));
  }
  return llvm::Error::success();
}

int64_t int_at(const HostTensor &t, uint64_t i) { return load_as_i64(t.dtype, t.data.data() + i * 4); }

// The sizes, from the shapes: q (B, T, d, n_q), k_cache (n_blocks, d, n_kv,
// block), v_cache (n_blocks, block, n_kv, d), block_table (B, max_blocks).
struct Sizes {
  int64_t B, T, d, n_q, n_blocks, n_kv, block, max_blocks;
};

llvm::Expected<Sizes> sizes_of(const InputDecls &in, bool scaled) {
  const auto &q = in.at("q").second, &k = in.at("k_cache").second, &v = in.at("v_cache").second,
             &bt = in.at("block_table").second, &lens = in.at("seq_lens").second;
  Sizes s{q[0], q[1], q[2], q[3], k[0], k[2], k[3], bt[1]};
  if (k[1] != s.d)
    return input_error(scaled,
                       fmt::format("input 'k_cache' has shape {}, expected [n_blocks,d,n_kv,block] with d={} (from q)",
                                   format_shape(k), s.d));
  if (v != std::vector<int64_t>{s.n_blocks, s.block, s.n_kv, s.d})
    return input_error(scaled,
                       fmt::format("input 'v_cache' has shape {}, expected [{},{},{},{}] ([n_blocks,block,n_kv,d])",
                                   format_shape(v), s.n_blocks, s.block, s.n_kv, s.d));
  if (s.n_q % s.n_kv != 0)
    return input_error(scaled,
                       fmt::format("n_q={} (from q) is not a multiple of n_kv={} (from k_cache)", s.n_q, s.n_kv));
  if (bt[0] != s.B)
    return input_error(scaled, fmt::format("input 'block_table' has {} rows, expected B={}", bt[0], s.B));
  if (lens[0] != s.B)
    return input_error(scaled, fmt::format("input 'seq_lens' has {} entries, expected B={}", lens[0], s.B));
  if (in.at("window").second[0] != 1 || in.at("sinks").second[0] != 1)
    return input_error(scaled, "inputs 'window' and 'sinks' must hold one element each");
  if (scaled)
    for (const char *name : {"k_scale", "v_scale"})
      if (in.at(name).second[0] != s.n_kv)
        return input_error(scaled, fmt::format("input '{}' has {} entries, expected n_kv={} (from k_cache)", name,
                                               in.at(name).second[0], s.n_kv));
  return s;
}

// Whether query position p sees position j.
bool sees(int64_t p, int64_t j, int64_t window, int64_t sinks) {
  return j <= p && (window == 0 || j > p - window || j < sinks);
}

// The validated indices: the sizes, W and S, and per sequence its length
// and the block of each table slot some query sees (-1 for the others).
struct Resolved {
  Sizes s;
  int64_t window, sinks;
  std::vector<int64_t> lens;
  std::vector<std::vector<int64_t>> blocks;
  int64_t seen_positions = 0; // positions some query of their sequence sees, over the batch
};

InputDecls decls_of(const TensorMap &inputs) {
  InputDecls decls;
  for (const auto &[name, t] : inputs) decls[name] = {t.dtype, t.shape};
  return decls;
}

// Checks the kinds and shapes of `decls` and the values of the integer
// inputs (block_table, seq_lens, window, sinks in `ints`).
llvm::Expected<Resolved> resolve(const InputDecls &decls, const TensorMap &ints, bool scaled) {
  if (llvm::Error e = check_kinds(decls, scaled)) return e;
  auto sz = sizes_of(decls, scaled);
  if (!sz) return sz.takeError();
  for (const char *name : {"block_table", "seq_lens", "window", "sinks"})
    if (!ints.count(name)) return input_error(scaled, fmt::format("missing input '{}'", name));
  Resolved r{*sz, int_at(ints.at("window"), 0), int_at(ints.at("sinks"), 0), {}, {}};
  const Sizes &s = r.s;
  if (r.window < 0)
    return input_error(scaled, fmt::format("input 'window' is {}, expected >= 0 (0: no window)", r.window));
  if (r.sinks < 0) return input_error(scaled, fmt::format("input 'sinks' is {}, expected >= 0", r.sinks));
  const int64_t max_len = s.max_blocks * s.block;
  for (int64_t b = 0; b < s.B; ++b) {
    const int64_t len = int_at(ints.at("seq_lens"), uint64_t(b));
    if (len < s.T || len > max_len)
      return input_error(scaled,
                         fmt::format("input 'seq_lens': sequence {} has length {}, outside [{}, {}] (T = {} query "
                                     "tokens, max_blocks * block = {} * {} positions)",
                                     b, len, s.T, max_len, s.T, s.max_blocks, s.block));
    r.lens.push_back(len);
    // Validate the entries of blocks some query sees; the others stay unread.
    std::vector<int64_t> &blocks = r.blocks.emplace_back(size_t(s.max_blocks), -1);
    for (int64_t jb = 0; jb < s.max_blocks; ++jb) {
      int64_t seen = 0;
      for (int64_t j = jb * s.block; j < (jb + 1) * s.block; ++j) {
        bool any = false;
        for (int64_t t = 0; t < s.T && !any; ++t) any = sees(len - s.T + t, j, r.window, r.sinks);
        seen += any;
      }
      r.seen_positions += seen;
      const int64_t e = int_at(ints.at("block_table"), uint64_t(b * s.max_blocks + jb));
      if (seen > 0 && (e < 0 || e >= s.n_blocks))
        return input_error(scaled, fmt::format("input 'block_table': sequence {} block {} (positions {}..{}) is {}, "
                                               "outside [0, {}) (n_blocks)",
                                               b, jb, jb * s.block, (jb + 1) * s.block - 1, e, s.n_blocks));
      if (seen > 0) blocks[size_t(jb)] = e;
    }
  }
  return r;
}

} // namespace

namespace {

llvm::Expected<TensorMap> paged_reference(const TensorMap &inputs, bool scaled) {
  auto res = resolve(decls_of(inputs), inputs, scaled);
  if (!res) return res.takeError();
  // The dequant scales: positive and finite (the fp8 kernel scales each
  // row's scores before taking their max), 1 without them.
  std::vector<double> k_scale(size_t(res->s.n_kv), 1.0), v_scale(size_t(res->s.n_kv), 1.0);
  if (scaled)
    for (const auto &[name, dst] : {std::pair<const char *, std::vector<double> *>{"k_scale", &k_scale},
                                    std::pair<const char *, std::vector<double> *>{"v_scale", &v_scale}})
      for (int64_t h = 0; h < res->s.n_kv; ++h) {
        const double x = inputs.at(name).get_f32(uint64_t(h));
        if (!(x > 0) || !std::isfinite(x))
          return input_error(scaled, fmt::format("input '{}': KV head {} has scale {}, expected a positive finite "
                                                 "number",
                                                 name, h, x));
        (*dst)[size_t(h)] = x;
      }
  const Sizes s = res->s;
  const int64_t window = res->window, sinks = res->sinks;
  const HostTensor &q = inputs.at("q"), &k = inputs.at("k_cache"), &v = inputs.at("v_cache");
  const int64_t max_len = s.max_blocks * s.block, group = s.n_q / s.n_kv;
  const double scale = 1.0 / std::sqrt(double(s.d));
  HostTensor out(Dtype::f32, {s.B, s.T * s.n_q, s.d});
  std::vector<double> logits(size_t(max_len), 0.0), acc(size_t(s.d));
  for (int64_t b = 0; b < s.B; ++b) {
    const int64_t len = res->lens[size_t(b)];
    const std::vector<int64_t> &blocks = res->blocks[size_t(b)];
    for (int64_t t = 0; t < s.T; ++t) {
      const int64_t p = len - s.T + t;
      for (int64_t i = 0; i < s.n_q; ++i) {
        const int64_t kv = i / group;
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < max_len; ++j) {
          if (!sees(p, j, window, sinks)) continue;
          const int64_t blk = blocks[size_t(j / s.block)], slot = j % s.block;
          double dot = 0;
          for (int64_t r = 0; r < s.d; ++r) {
            const uint64_t ki = uint64_t(((blk * s.d + r) * s.n_kv + kv) * s.block + slot);
            const uint64_t qi = uint64_t(((b * s.T + t) * s.d + r) * s.n_q + i);
            dot += double(k.get_f32(ki)) * double(q.get_f32(qi));
          }
          logits[size_t(j)] = dot * k_scale[size_t(kv)] * scale;
          mx = std::max(mx, logits[size_t(j)]);
        }
        double sum = 0;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t j = 0; j < max_len; ++j) {
          if (!sees(p, j, window, sinks)) continue;
          const int64_t blk = blocks[size_t(j / s.block)], slot = j % s.block;
          const double w = std::exp(logits[size_t(j)] - mx);
          sum += w;
          const uint64_t vi = uint64_t(((blk * s.block + slot) * s.n_kv + kv) * s.d);
          for (int64_t c = 0; c < s.d; ++c) acc[size_t(c)] += w * double(v.get_f32(vi + uint64_t(c)));
        }
        const uint64_t o = uint64_t((b * s.T * s.n_q + t * s.n_q + i) * s.d);
        for (int64_t c = 0; c < s.d; ++c)
          out.set_f32(o + uint64_t(c), float(acc[size_t(c)] / sum * v_scale[size_t(kv)]));
      }
    }
  }
  return TensorMap{{"out", std::move(out)}};
}

} // namespace

llvm::Expected<TensorMap> paged_attention_reference(const TensorMap &inputs) { return paged_reference(inputs, false); }
llvm::Expected<TensorMap> paged_attention_fp8_reference(const TensorMap &inputs) {
  return paged_reference(inputs, true);
}

llvm::Error paged_attention_validate(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                                     const TensorMap &integer_inputs) {
  auto res = resolve(decls, integer_inputs, decls.count("k_scale") > 0);
  return res ? llvm::Error::success() : res.takeError();
}

llvm::Expected<uint64_t>
paged_attention_minimal_bytes(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                              const TensorMap &integer_inputs) {
  const bool scaled = decls.count("k_scale") > 0;
  auto res = resolve(decls, integer_inputs, scaled);
  if (!res) return res.takeError();
  // K and V of every position some query sees, each KV head once; q, the
  // lengths, window, sinks and the table rows read once; out written once.
  const Sizes &s = res->s;
  auto bytes = [&](const char *name) {
    uint64_t n = dtype_size(decls.at(name).first);
    for (int64_t d : decls.at(name).second) n *= uint64_t(d);
    return n;
  };
  const uint64_t kv_row = uint64_t(s.n_kv * s.d);
  return uint64_t(res->seen_positions) * kv_row *
             (dtype_size(decls.at("k_cache").first) + dtype_size(decls.at("v_cache").first)) +
         bytes("q") + bytes("block_table") + bytes("seq_lens") + bytes("window") + bytes("sinks") +
         (scaled ? bytes("k_scale") + bytes("v_scale") : 0) + uint64_t(s.B * s.T * s.n_q * s.d) * 4;
}

uint64_t paged_attention_working_set(const std::map<std::string, std::vector<int64_t>> &shapes) {
  // A logit per position of one sequence, an accumulator row, the output.
  auto bt = shapes.find("block_table"), k = shapes.find("k_cache"), q = shapes.find("q");
  if (bt == shapes.end() || k == shapes.end() || q == shapes.end() || bt->second.size() != 2 || k->second.size() != 4 ||
      q->second.size() != 4)
    return 0;
  const uint64_t positions = uint64_t(bt->second[1] * k->second[3]);
  const uint64_t out = uint64_t(q->second[0] * q->second[1] * q->second[2] * q->second[3]);
  return 8 * (positions + uint64_t(q->second[2])) + 4 * out;
}

TensorMap paged_attention_random_inputs(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                                        uint64_t seed) {
  TensorMap made;
  auto q = decls.find("q"), k = decls.find("k_cache"), bt = decls.find("block_table"), lens = decls.find("seq_lens");
  if (q == decls.end() || k == decls.end() || bt == decls.end() || lens == decls.end() ||
      q->second.second.size() != 4 || k->second.second.size() != 4 || bt->second.second.size() != 2)
    return made; // not the kernel's signature: the reference will say what is wrong
  const int64_t T = q->second.second[1], n_blocks = k->second.second[0], block = k->second.second[3];
  const int64_t B = bt->second.second[0], max_blocks = bt->second.second[1];
  const int64_t max_len = max_blocks * block;
  SplitMix64 rng(seed ^ 0x7061676564ull); // "paged"
  auto uniform = [&](int64_t lo, int64_t hi) { return lo + int64_t(rng.next() % uint64_t(hi - lo + 1)); };
  if (bt->second.first == Dtype::i32) {
    HostTensor t(Dtype::i32, bt->second.second);
    for (int64_t i = 0; i < B * max_blocks; ++i)
      store_from_i64(Dtype::i32, t.data.data() + 4 * i, uniform(0, n_blocks - 1));
    made["block_table"] = std::move(t);
  }
  if (lens->second.first == Dtype::i32 && lens->second.second.size() == 1) {
    HostTensor t(Dtype::i32, lens->second.second);
    for (int64_t b = 0; b < lens->second.second[0]; ++b)
      store_from_i64(Dtype::i32, t.data.data() + 4 * b, uniform(std::min(T, max_len), max_len));
    made["seq_lens"] = std::move(t);
  }
  // Dequant scales (the fp8 kernel): 2^u, u uniform in [-1, 1).
  for (const char *name : {"k_scale", "v_scale"}) {
    auto it = decls.find(name);
    if (it == decls.end() || it->second.first != Dtype::f32) continue;
    HostTensor t(Dtype::f32, it->second.second);
    for (uint64_t i = 0; i < t.num_elements(); ++i) t.set_f32(i, std::exp2(rng.uniform_pm1()));
    made[name] = std::move(t);
  }
  for (const char *name : {"window", "sinks"}) {
    auto it = decls.find(name);
    if (it != decls.end() && it->second.first == Dtype::i32) made[name] = HostTensor(Dtype::i32, it->second.second);
  }
  return made;
}

} // namespace nk::oracle
