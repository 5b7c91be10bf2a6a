// Binary program file encoding and decoding, driven by the ISA table: each
// instruction is its opcode followed by its fields in table order.
//
// Layout (all integers little-endian):
//   magic[8] version:u32 kernel:str target:str hbm_size:u64 cores:u8
//   tensors:  count:u32 { name:str dtype:u8 kind:u8 rank:u32 dims:i64[rank] offset:u64 }
//   files:    count:u32 { path:str }
//   streams:  count:u32 { core:u8 engine:u8 queue:u8 count:u64 { instruction } }
//   debug:    for every instruction in stream order { file:u32 line:u32 col:u32 }
//   checksum: u32, the CRC-32 (IEEE 802.3, as zlib's crc32) of every byte before it
// instruction = opcode:u8, then per table field: AP = mem:u8 (0 = absent)
//   [dtype:u8 start:u16 partitions:u16 offset:u64 ndims:u8 {stride:i64 count:u32}*]
//   attribute = i64. str = length:u32 bytes.
#include "runtime/program_file.h"

#include "runtime/asm_parser.h"

#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

#include <fmt/format.h>

namespace nk {

namespace {

class Writer {
public:
  std::string out;
  template <typename T>
  void put(T v) {
    unsigned char b[sizeof(T)];
    uint64_t u = uint64_t(v);
    for (size_t i = 0; i < sizeof(T); ++i) b[i] = (unsigned char)(u >> (8 * i));
    out.append(reinterpret_cast<char *>(b), sizeof(T));
  }
  void str(llvm::StringRef s) {
    put<uint32_t>(uint32_t(s.size()));
    out.append(s.data(), s.size());
  }
};

class Reader {
public:
  explicit Reader(llvm::StringRef b) : bytes(b) {}
  llvm::StringRef bytes;
  size_t pos = 0;
  std::string error; // first error; reads after it return zeros

  bool fail(const std::string &msg) {
    if (error.empty()) error = msg + " at byte " + std::to_string(pos);
    pos = bytes.size();
    return false;
  }
  template <typename T>
  T get(const char *what) {
    if (bytes.size() - pos < sizeof(T)) {
      fail(std::string("truncated file: expected ") + what);
      return T(0);
    }
    uint64_t u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= uint64_t((unsigned char)bytes[pos + i]) << (8 * i);
    pos += sizeof(T);
    return T(u);
  }
  std::string str(const char *what) {
    uint32_t n = get<uint32_t>(what);
    if (bytes.size() - pos < n) {
      fail(std::string("truncated file: ") + what + " of " + std::to_string(n) + " bytes");
      return {};
    }
    std::string s = bytes.substr(pos, n).str();
    pos += n;
    return s;
  }
  // A count of items each at least `min_item_bytes` long must fit in what is left.
  bool plausible_count(uint64_t n, size_t min_item_bytes, const char *what) {
    if (n > (bytes.size() - pos) / min_item_bytes)
      return fail(std::string("truncated or corrupt file: ") + what + " count " + std::to_string(n) +
                  " exceeds the remaining data");
    return true;
  }
  bool ok() const { return error.empty(); }
};

void encode_ap(Writer &w, const AccessPattern &a) {
  w.put<uint8_t>(uint8_t(a.mem));
  if (!a.present()) return;
  w.put<uint8_t>(uint8_t(a.dtype));
  w.put<uint16_t>(a.start_partition);
  w.put<uint16_t>(a.num_partitions);
  w.put<uint64_t>(a.offset);
  w.put<uint8_t>(a.num_dims);
  for (unsigned i = 0; i < a.num_dims; ++i) {
    w.put<int64_t>(a.dims[i].stride);
    w.put<uint32_t>(a.dims[i].count);
  }
}

bool decode_ap(Reader &r, AccessPattern &a) {
  uint8_t mem = r.get<uint8_t>("memory");
  if (mem > uint8_t(Memory::psum)) return r.fail("invalid memory kind " + std::to_string(mem));
  a = AccessPattern{};
  a.mem = Memory(mem);
  if (!a.present()) return r.ok();
  uint8_t dt = r.get<uint8_t>("dtype");
  if (dt >= kNumDtypes) return r.fail("invalid dtype " + std::to_string(dt));
  a.dtype = Dtype(dt);
  a.start_partition = r.get<uint16_t>("start partition");
  a.num_partitions = r.get<uint16_t>("partition count");
  a.offset = r.get<uint64_t>("offset");
  a.num_dims = r.get<uint8_t>("dimension count");
  if (a.num_dims > kMaxHbmDims)
    return r.fail("access pattern has " + std::to_string(a.num_dims) + " dimensions (at most " +
                  std::to_string(kMaxHbmDims) + ")");
  for (unsigned i = 0; i < a.num_dims; ++i) {
    a.dims[i].stride = r.get<int64_t>("stride");
    a.dims[i].count = r.get<uint32_t>("count");
  }
  return r.ok();
}

bool attr_in_range(AttrKind k, int64_t v) {
  switch (k) {
  case AttrKind::Bool: return v == 0 || v == 1;
  case AttrKind::Alu: return v >= 0 && v <= int64_t(kLastAluOp);
  case AttrKind::Act: return v >= 0 && v <= int64_t(kLastActFunc);
  case AttrKind::Float: return v >= 0 && v <= int64_t(UINT32_MAX);
  case AttrKind::Sem: return v >= 0 && v <= int64_t(UINT32_MAX);
  case AttrKind::Int:
  case AttrKind::Bytes32: // any 8 bytes; the verifier checks an instruction's own rule
  case AttrKind::Cont: return true;
  }
  return false;
}

} // namespace

std::string encode_program(const Program &p) {
  Writer w;
  w.out.append(kProgramMagic, sizeof(kProgramMagic));
  w.put<uint32_t>(kProgramVersion);
  w.str(p.kernel);
  w.str(p.target);
  w.put<uint64_t>(p.hbm_size);
  w.put<uint8_t>(p.cores);
  w.put<uint32_t>(uint32_t(p.tensors.size()));
  for (const TensorDecl &t : p.tensors) {
    w.str(t.name);
    w.put<uint8_t>(uint8_t(t.dtype));
    w.put<uint8_t>(uint8_t(t.kind));
    w.put<uint32_t>(uint32_t(t.shape.size()));
    for (int64_t d : t.shape) w.put<int64_t>(d);
    w.put<uint64_t>(t.hbm_offset);
  }
  w.put<uint32_t>(uint32_t(p.files.size()));
  for (const std::string &f : p.files) w.str(f);
  w.put<uint32_t>(uint32_t(p.streams.size()));
  for (const Stream &s : p.streams) {
    w.put<uint8_t>(s.id.core);
    w.put<uint8_t>(uint8_t(s.id.engine));
    w.put<uint8_t>(s.id.queue);
    w.put<uint64_t>(s.insts.size());
    for (const Instruction &inst : s.insts) {
      const OpInfo &info = op_info(inst.op);
      w.put<uint8_t>(uint8_t(inst.op));
      for (unsigned i = 0; i < info.num_aps; ++i) encode_ap(w, inst.ap[i]);
      for (unsigned i = 0; i < info.num_attrs; ++i) w.put<int64_t>(inst.attr[i].i);
    }
  }
  for (const Stream &s : p.streams)
    for (const Instruction &inst : s.insts) {
      w.put<uint32_t>(inst.loc.file);
      w.put<uint32_t>(inst.loc.line);
      w.put<uint32_t>(inst.loc.col);
    }
  w.put<uint32_t>(llvm::crc32(llvm::arrayRefFromStringRef(w.out)));
  return std::move(w.out);
}

bool looks_like_program_file(llvm::StringRef bytes) {
  return bytes.size() >= sizeof(kProgramMagic) && std::memcmp(bytes.data(), kProgramMagic, sizeof(kProgramMagic)) == 0;
}

llvm::Expected<Program> decode_program(llvm::StringRef bytes) {
  auto err = [](const std::string &m) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", m.c_str());
  };
  if (!looks_like_program_file(bytes)) return err("not an nkc program file (bad magic)");
  Reader r(bytes);
  r.pos = sizeof(kProgramMagic);
  uint32_t version = r.get<uint32_t>("version");
  if (r.ok() && version != kProgramVersion)
    return err("unsupported program file version " + std::to_string(version) + " (this build reads version " +
               std::to_string(kProgramVersion) +
               (version < kProgramVersion ? "; recompile the kernel or re-assemble its text)" : ")"));
  // The checksum covers everything before it, so a flipped bit anywhere
  // (including one that would decode to a different, valid program) is
  // caught before the structure is read.
  if (!r.ok() || bytes.size() < r.pos + 4) return err("truncated program file: no checksum");
  uint32_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4); // little-endian hosts only, as everywhere here
  bytes = bytes.drop_back(4);
  uint32_t computed = llvm::crc32(llvm::arrayRefFromStringRef(bytes));
  if (stored != computed)
    return err(fmt::format("checksum mismatch (stored {:#010x}, computed {:#010x}): the file is corrupt or "
                           "truncated",
                           stored, computed));
  r = Reader(bytes);
  r.pos = sizeof(kProgramMagic) + 4;
  Program p;
  p.kernel = r.str("kernel name");
  p.target = r.str("target name");
  p.hbm_size = r.get<uint64_t>("HBM size");
  p.cores = r.get<uint8_t>("core count");
  uint32_t nt = r.get<uint32_t>("tensor count");
  if (r.plausible_count(nt, 18, "tensor")) {
    p.tensors.resize(nt);
    for (TensorDecl &t : p.tensors) {
      t.name = r.str("tensor name");
      uint8_t dt = r.get<uint8_t>("tensor dtype");
      uint8_t kind = r.get<uint8_t>("tensor kind");
      if (r.ok() && dt >= kNumDtypes) r.fail("tensor '" + t.name + "' has invalid dtype");
      if (r.ok() && kind > uint8_t(TensorKind::scratch)) r.fail("tensor '" + t.name + "' has invalid kind");
      t.dtype = Dtype(dt < kNumDtypes ? dt : 0);
      t.kind = TensorKind(kind <= 2 ? kind : 0);
      uint32_t rank = r.get<uint32_t>("tensor rank");
      if (!r.plausible_count(rank, 8, "tensor rank")) break;
      for (uint32_t i = 0; i < rank; ++i) t.shape.push_back(r.get<int64_t>("tensor dim"));
      t.hbm_offset = r.get<uint64_t>("tensor offset");
      if (!r.ok()) break;
    }
  }
  uint32_t nf = r.get<uint32_t>("file count");
  if (r.plausible_count(nf, 4, "file")) {
    for (uint32_t i = 0; i < nf && r.ok(); ++i) p.files.push_back(r.str("file name"));
  }
  uint32_t ns = r.get<uint32_t>("stream count");
  if (r.plausible_count(ns, 10, "stream")) {
    for (uint32_t si = 0; si < ns && r.ok(); ++si) {
      uint8_t core = r.get<uint8_t>("stream core");
      uint8_t eng = r.get<uint8_t>("stream engine");
      uint8_t queue = r.get<uint8_t>("stream queue");
      if (!r.ok()) break;
      // (Whether the core exists is the verifier's question, as the engine
      // and queue limits of a target are.)
      if (eng >= kNumEngines) {
        r.fail("invalid engine " + std::to_string(eng));
        break;
      }
      StreamId id{Engine(eng), queue, core};
      if (id.engine != Engine::dma && queue != 0) {
        r.fail("compute stream with a queue number");
        break;
      }
      if (!p.streams.empty() && !(p.streams.back().id < id)) {
        r.fail("streams out of order or duplicated (" + stream_name(id) + ")");
        break;
      }
      p.streams.push_back(Stream{id, {}});
      uint64_t n = r.get<uint64_t>("instruction count");
      if (!r.plausible_count(n, 1, "instruction")) break;
      std::vector<Instruction> &insts = p.streams.back().insts;
      insts.reserve(n);
      for (uint64_t k = 0; k < n && r.ok(); ++k) {
        uint8_t opc = r.get<uint8_t>("opcode");
        if (!r.ok()) break;
        if (opc >= kNumOpcodes) {
          r.fail("invalid opcode " + std::to_string(opc));
          break;
        }
        Instruction inst = Instruction::make(Opcode(opc));
        const OpInfo &info = op_info(inst.op);
        for (unsigned i = 0; i < info.num_aps && r.ok(); ++i) decode_ap(r, inst.ap[i]);
        for (unsigned i = 0; i < info.num_attrs && r.ok(); ++i) {
          int64_t v = r.get<int64_t>("attribute");
          if (r.ok() && !attr_in_range(info.attrs[i].kind, v))
            r.fail(std::string(info.name) + " attribute '" + info.attrs[i].name + "' has invalid value " +
                   std::to_string(v));
          inst.attr[i].i = v;
        }
        insts.push_back(inst);
      }
    }
  }
  for (Stream &s : p.streams) {
    for (Instruction &inst : s.insts) {
      if (!r.ok()) break;
      inst.loc.file = r.get<uint32_t>("debug file");
      inst.loc.line = r.get<uint32_t>("debug line");
      inst.loc.col = r.get<uint32_t>("debug column");
      if (r.ok() && inst.loc.file > p.files.size())
        r.fail("debug location names file " + std::to_string(inst.loc.file) + " but the program lists " +
               std::to_string(p.files.size()));
    }
  }
  if (r.ok() && r.pos != bytes.size())
    r.fail(std::to_string(bytes.size() - r.pos) + " trailing bytes after the program");
  if (!r.ok()) return err(r.error);
  return p;
}

llvm::Expected<Program> load_program_file(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false);
  if (!buf)
    return llvm::createStringError(buf.getError(), "%s: %s", path.str().c_str(), buf.getError().message().c_str());
  llvm::StringRef bytes = (*buf)->getBuffer();
  if (looks_like_program_file(bytes)) {
    auto p = decode_program(bytes);
    if (!p)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s", path.str().c_str(),
                                     llvm::toString(p.takeError()).c_str());
    return p;
  }
  return parse_assembly(bytes, path);
}

} // namespace nk
