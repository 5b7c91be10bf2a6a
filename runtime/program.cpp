// Program helpers: stream naming and lookup.
#include "runtime/program.h"

#include <algorithm>
#include <charconv>

namespace nk {

std::string_view tensor_kind_name(TensorKind k) {
  switch (k) {
  case TensorKind::input: return "input";
  case TensorKind::output: return "output";
  case TensorKind::scratch: return "scratch";
  }
  return "?";
}
std::optional<TensorKind> parse_tensor_kind(std::string_view s) {
  if (s == "input") return TensorKind::input;
  if (s == "output") return TensorKind::output;
  if (s == "scratch") return TensorKind::scratch;
  return std::nullopt;
}

uint64_t TensorDecl::num_elements() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= uint64_t(d);
  return n;
}

std::string stream_name(StreamId id) {
  std::string s(engine_name(id.engine));
  if (id.engine == Engine::dma) s += std::to_string(id.queue);
  return s;
}

std::optional<StreamId> parse_stream_name(std::string_view s) {
  if (s.substr(0, 3) == "dma" && s.size() > 3) {
    unsigned q = 0;
    auto [p, ec] = std::from_chars(s.data() + 3, s.data() + s.size(), q);
    if (ec != std::errc() || p != s.data() + s.size() || q > 255) return std::nullopt;
    return StreamId{Engine::dma, uint8_t(q)};
  }
  auto e = parse_engine(s);
  if (!e || *e == Engine::dma) return std::nullopt;
  return StreamId{*e, 0};
}

Stream &Program::stream(StreamId id) {
  auto it = std::lower_bound(streams.begin(), streams.end(), id, [](const Stream &s, StreamId i) { return s.id < i; });
  if (it != streams.end() && it->id == id) return *it;
  return *streams.insert(it, Stream{id, {}});
}

const TensorDecl *Program::find_tensor(std::string_view name) const {
  for (const TensorDecl &t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

uint64_t Program::num_instructions() const {
  uint64_t n = 0;
  for (const Stream &s : streams) n += s.insts.size();
  return n;
}

} // namespace nk
