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
  std::string s = id.core ? "core" + std::to_string(id.core) + "." : std::string();
  s += engine_name(id.engine);
  if (id.engine == Engine::dma) s += std::to_string(id.queue);
  return s;
}

std::optional<StreamId> parse_stream_name(std::string_view s) {
  uint8_t core = 0;
  if (s.substr(0, 4) == "core") {
    unsigned c = 0;
    auto [p, ec] = std::from_chars(s.data() + 4, s.data() + s.size(), c);
    // "core1." .. "core255."; core 0's streams have no prefix.
    if (ec != std::errc() || p == s.data() + s.size() || *p != '.' || c == 0 || c > 255 || s[4] == '0')
      return std::nullopt;
    core = uint8_t(c);
    s = s.substr(size_t(p - s.data()) + 1);
  }
  if (s.substr(0, 3) == "dma" && s.size() > 3) {
    unsigned q = 0;
    auto [p, ec] = std::from_chars(s.data() + 3, s.data() + s.size(), q);
    if (ec != std::errc() || p != s.data() + s.size() || q > 255) return std::nullopt;
    return StreamId{Engine::dma, uint8_t(q), core};
  }
  auto e = parse_engine(s);
  if (!e || *e == Engine::dma) return std::nullopt;
  return StreamId{*e, 0, core};
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
