#include "backends/cpu/tile_kernel.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "backends/cpu/kernels.h"
#include "backends/cpu/lowering.h"
#include "core/array_impl.h"
#include "ir/primitives/elementwise.h"
#include "ir/primitives/reduction.h"
#include "ir/primitives/structural.h"
#include "jx/core/error.h"

namespace jx::cpu {
namespace {

using primitives::Binary;
using primitives::BroadcastInDim;
using primitives::ConvertElementType;
using primitives::IntegerPow;
using primitives::Reduce;
using primitives::Reshape;
using primitives::SelectN;
using primitives::Squeeze;
using primitives::StopGradient;
using primitives::Unary;

// Temporaries of one tile, per thread: 32 KiB stays in L1 with the tile's inputs and outputs.
constexpr std::size_t kTemporaryBytes = 32 << 10;
constexpr std::int64_t kMaxTile = 4096;

bool reducible_dtype(DType d) {
  return d == DType::float32 || d == DType::float64 || d == DType::int32 || d == DType::int64;
}

bool is_full_reduction(const Reduce& reduce, const ArrayType& input) {
  if (reduce.op() != ReduceOp::sum && reduce.op() != ReduceOp::max && reduce.op() != ReduceOp::min &&
      reduce.op() != ReduceOp::prod) {
    return false;
  }
  if (static_cast<int>(reduce.axes().size()) != input.ndim()) return false;
  for (int d = 0; d < input.ndim(); ++d) {
    if (reduce.axes()[static_cast<std::size_t>(d)] != d) return false;
  }
  return reducible_dtype(input.dtype);
}

// Where a value of the group is during a tile.
struct Place {
  enum class Kind : std::uint8_t { input, output, temporary, constant };
  Kind kind = Kind::temporary;
  std::uint32_t index = 0;  // input, output or temporary slot number
  const std::byte* constant = nullptr;
  std::uint8_t step = 1;  // 1: one element per position; 0: one element for all
  std::uint8_t itemsize = 4;
};

struct TileOp {
  enum class Kind : std::uint8_t { unary, binary, convert, select, copy, reduce };
  Kind kind;
  UnaryOp unary{};
  BinaryOp binary{};
  ReduceOp reduce{};
  DType dtype{};  // of the operands (convert: the source)
  DType to{};     // convert: the result
  Place a, b, c;  // operands (select: predicate, on_false, on_true)
  Place result;
  std::uint32_t reduction = 0;  // reduce: which partial-results array
  bool once = false;            // every operand is one element (step 0): so is the result
};

TileOp make_op(TileOp::Kind kind) {
  TileOp op{};
  op.kind = kind;
  return op;
}

struct Reduction {
  ReduceOp op;
  DType dtype;
  std::uint32_t output;
  std::size_t partial_size;
};

// The compiled group: what runs for each tile.
struct TileProgram {
  std::vector<TileOp> ops;
  std::vector<Reduction> reductions;
  std::int64_t size = 0;  // elements the group iterates over
  std::int64_t tile = 0;  // elements per tile
  std::size_t temporaries = 0;
  // The group's scalar literals, copied here (constant places point into this, reserved up front so it
  // never moves): the kernel keeps no Program alive.
  std::vector<std::array<std::byte, 16>> constants;

  std::int64_t tiles() const { return size == 0 ? 0 : (size + tile - 1) / tile; }

  const std::byte* read(const Place& p, const KernelCall& call, std::byte* temps, std::int64_t begin) const {
    const std::int64_t offset = p.step ? begin * p.itemsize : 0;
    switch (p.kind) {
      case Place::Kind::input:
        return call.inputs[p.index] + offset;
      case Place::Kind::output:
        return call.outputs[p.index] + offset;
      case Place::Kind::temporary:
        return temps + static_cast<std::size_t>(p.index) * static_cast<std::size_t>(tile) * 8;
      case Place::Kind::constant:
        return p.constant;
    }
    return nullptr;
  }
  std::byte* write(const Place& p, const KernelCall& call, std::byte* temps, std::int64_t begin) const {
    return const_cast<std::byte*>(read(p, call, temps, begin));
  }

  void run_tile(const KernelCall& call, std::byte* temps, std::int64_t tile_index) const {
    const std::int64_t begin = tile_index * tile;
    const std::int64_t tile_count = std::min(tile, size - begin);
    for (const TileOp& op : ops) {
      const std::int64_t count = op.once ? 1 : tile_count;
      switch (op.kind) {
        case TileOp::Kind::unary:
          unary_run(op.unary, op.dtype, read(op.a, call, temps, begin), write(op.result, call, temps, begin), count);
          break;
        case TileOp::Kind::binary:
          binary_run(op.binary, op.dtype, read(op.a, call, temps, begin), op.a.step, read(op.b, call, temps, begin),
                     op.b.step, write(op.result, call, temps, begin), count);
          break;
        case TileOp::Kind::convert:
          convert_run(op.dtype, op.to, read(op.a, call, temps, begin), write(op.result, call, temps, begin), count);
          break;
        case TileOp::Kind::select:
          select_run(reinterpret_cast<const bool*>(read(op.a, call, temps, begin)), op.a.step, op.result.itemsize,
                     read(op.c, call, temps, begin), op.c.step, read(op.b, call, temps, begin), op.b.step,
                     write(op.result, call, temps, begin), count);
          break;
        case TileOp::Kind::copy: {
          const std::byte* from = read(op.a, call, temps, begin);
          std::byte* to = write(op.result, call, temps, begin);
          const std::size_t item = op.result.itemsize;
          if (op.a.step) {
            std::memmove(to, from, static_cast<std::size_t>(count) * item);
          } else {
            for (std::int64_t i = 0; i < count; ++i) std::memcpy(to + static_cast<std::size_t>(i) * item, from, item);
          }
          break;
        }
        case TileOp::Kind::reduce: {
          const Reduction& r = reductions[op.reduction];
          std::byte* partial =
              call.scratch + partial_offset(op.reduction) + static_cast<std::size_t>(tile_index) * r.partial_size;
          reduce_run_partial(op.reduce, op.dtype, read(op.a, call, temps, begin), count, op.a.step, partial);
          break;
        }
      }
    }
  }

  std::size_t partial_offset(std::uint32_t reduction) const {
    std::size_t offset = 0;
    for (std::uint32_t r = 0; r < reduction; ++r)
      offset += reductions[r].partial_size * static_cast<std::size_t>(tiles());
    return offset;
  }
  std::size_t scratch_bytes() const { return partial_offset(static_cast<std::uint32_t>(reductions.size())); }

  void run(const KernelCall& call) const {
    const std::int64_t n_tiles = tiles();
    const auto tiles_in = [&](std::int64_t first, std::int64_t last) {
      alignas(64) std::byte temps[kTemporaryBytes];
      for (std::int64_t t = first; t < last; ++t) run_tile(call, temps, t);
    };
    if (size >= 2 * kParallelGrain && n_tiles > 1) {
      parallel_for(n_tiles, std::max<std::int64_t>(1, kParallelGrain / tile), tiles_in);
    } else {
      tiles_in(0, n_tiles);
    }
    for (std::uint32_t r = 0; r < reductions.size(); ++r) {
      const Reduction& reduction = reductions[r];
      reduce_partials(reduction.op, reduction.dtype, call.scratch + partial_offset(r), n_tiles,
                      call.outputs[reduction.output]);
    }
  }
};

}  // namespace

TileRole tile_role(const Equation& e, const Program& p, std::int64_t& group_size) {
  const Primitive& primitive = *e.primitive;
  if (e.outputs.size() != 1 || e.inputs.empty()) return TileRole::none;
  const ArrayType& out = p.types[static_cast<std::size_t>(e.outputs[0])];
  const ArrayType& first = p.type_of(e.inputs[0]);
  const std::int64_t n = out.num_elements();
  const auto sizes_fit = [&] {
    for (const Atom& a : e.inputs) {
      const std::int64_t m = p.type_of(a).num_elements();
      if (m != n && m != 1) return false;
    }
    return true;
  };
  group_size = n;
  // Complex values run through their own kernels, one equation at a time: the tiles' temporaries are
  // sized for elements of at most 8 bytes, and the run kernels for complex are scalar loops anyway.
  if (is_complex(out.dtype)) return TileRole::none;
  for (const Atom& a : e.inputs) {
    if (is_complex(p.type_of(a).dtype)) return TileRole::none;
  }
  if (dynamic_cast<const Unary*>(&primitive)) return first.num_elements() == n ? TileRole::elementwise : TileRole::none;
  if (dynamic_cast<const Binary*>(&primitive) || dynamic_cast<const SelectN*>(&primitive)) {
    return sizes_fit() ? TileRole::elementwise : TileRole::none;
  }
  if (const auto* convert = dynamic_cast<const ConvertElementType*>(&primitive)) {
    if (first.dtype == convert->new_dtype()) return TileRole::alias;
    return first.num_elements() == n ? TileRole::elementwise : TileRole::none;
  }
  if (const auto* power = dynamic_cast<const IntegerPow*>(&primitive)) {
    const int y = power->exponent();
    const bool fits = y != 0 && y >= -4 && y <= 4 && (y > 0 || is_floating(first.dtype));
    return fits && first.num_elements() == n ? TileRole::elementwise : TileRole::none;
  }
  if (dynamic_cast<const Reshape*>(&primitive) || dynamic_cast<const Squeeze*>(&primitive) ||
      dynamic_cast<const StopGradient*>(&primitive)) {
    return TileRole::alias;
  }
  if (dynamic_cast<const BroadcastInDim*>(&primitive)) {
    if (first.num_elements() == 1) return TileRole::scalar_source;
    return first.num_elements() == n ? TileRole::alias : TileRole::none;
  }
  if (const auto* reduce = dynamic_cast<const Reduce*>(&primitive)) {
    if (!is_full_reduction(*reduce, first) || out.ndim() != 0) return TileRole::none;
    group_size = first.num_elements();
    return TileRole::reduction;
  }
  return TileRole::none;
}

Kernel tile_kernel(const Program& group_program) {
  auto program = std::make_shared<TileProgram>();
  const Program& g = group_program;
  std::size_t num_literals = 0;
  for (const Equation& e : g.equations) {
    for (const Atom& a : e.inputs) num_literals += a.is_literal() ? 1 : 0;
  }
  program->constants.reserve(num_literals);
  const std::size_t num_vars = g.types.size();

  // The element count: the largest of the members'.
  for (const Equation& e : g.equations) {
    std::int64_t n = 0;
    if (tile_role(e, g, n) == TileRole::none)
      throw ValueError("fused_elementwise", "a group holds an unfusible equation");
    program->size = std::max(program->size, n);
  }
  const std::int64_t size = program->size;
  const auto place_of_type = [&](const ArrayType& t) {
    Place place;
    place.step = t.num_elements() == size ? 1 : 0;
    place.itemsize = static_cast<std::uint8_t>(itemsize(t.dtype));
    return place;
  };

  std::vector<std::optional<Place>> places(num_vars);
  for (std::size_t k = 0; k < g.inputs.size(); ++k) {
    Place p = place_of_type(g.types[static_cast<std::size_t>(g.inputs[k])]);
    p.kind = Place::Kind::input;
    p.index = static_cast<std::uint32_t>(k);
    places[static_cast<std::size_t>(g.inputs[k])] = p;
  }
  // Each value the group returns is written straight into its output (the first output naming it).
  std::vector<int> output_of(num_vars, -1);
  for (std::size_t k = 0; k < g.outputs.size(); ++k) {
    const Atom& a = g.outputs[k];
    if (!a.is_literal() && output_of[static_cast<std::size_t>(a.var)] < 0)
      output_of[static_cast<std::size_t>(a.var)] = static_cast<int>(k);
  }
  // The last equation reading each value, or another name of it (an alias shares its place):
  // temporaries are reused after it.
  std::vector<std::size_t> root(num_vars);
  for (std::size_t v = 0; v < num_vars; ++v) root[v] = v;
  for (const Equation& e : g.equations) {
    std::int64_t n = 0;
    const TileRole role = tile_role(e, g, n);
    if ((role == TileRole::alias || role == TileRole::scalar_source) && !e.inputs[0].is_literal()) {
      root[static_cast<std::size_t>(e.outputs[0])] = root[static_cast<std::size_t>(e.inputs[0].var)];
    }
  }
  std::vector<int> last_use(num_vars, -1);
  for (std::size_t i = 0; i < g.equations.size(); ++i) {
    for (const Atom& a : g.equations[i].inputs) {
      if (!a.is_literal()) last_use[root[static_cast<std::size_t>(a.var)]] = static_cast<int>(i);
    }
  }
  for (const Atom& a : g.outputs) {
    if (!a.is_literal()) last_use[root[static_cast<std::size_t>(a.var)]] = static_cast<int>(g.equations.size());
  }
  std::vector<std::uint32_t> free_slots;
  std::uint32_t slots = 0;
  const auto operand = [&](const Atom& a) {
    if (a.is_literal()) {
      Place p = place_of_type(a.literal.type());
      p.kind = Place::Kind::constant;
      p.step = 0;
      std::array<std::byte, 16>& bytes = program->constants.emplace_back();
      std::memcpy(bytes.data(), concrete(a.literal).data(), itemsize(a.literal.dtype()));
      p.constant = bytes.data();
      return p;
    }
    return *places[static_cast<std::size_t>(a.var)];
  };
  const auto result_place = [&](int var) {
    Place p = place_of_type(g.types[static_cast<std::size_t>(var)]);
    p.step = 1;
    if (output_of[static_cast<std::size_t>(var)] >= 0) {
      p.kind = Place::Kind::output;
      p.index = static_cast<std::uint32_t>(output_of[static_cast<std::size_t>(var)]);
    } else {
      p.kind = Place::Kind::temporary;
      if (free_slots.empty()) {
        p.index = slots++;
      } else {
        p.index = free_slots.back();
        free_slots.pop_back();
      }
    }
    return p;
  };

  for (std::size_t i = 0; i < g.equations.size(); ++i) {
    const Equation& e = g.equations[i];
    const int out = e.outputs[0];
    std::int64_t n = 0;
    const TileRole role = tile_role(e, g, n);
    const Primitive& primitive = *e.primitive;
    if (role == TileRole::alias) {
      places[static_cast<std::size_t>(out)] = operand(e.inputs[0]);
    } else if (role == TileRole::scalar_source) {
      Place p = operand(e.inputs[0]);
      p.step = 0;
      places[static_cast<std::size_t>(out)] = p;
    } else if (role == TileRole::reduction) {
      const auto& reduce = static_cast<const Reduce&>(primitive);
      const DType dtype = g.type_of(e.inputs[0]).dtype;
      if (output_of[static_cast<std::size_t>(out)] < 0)
        throw ValueError("fused_elementwise", "a reduction's result is not an output of its group");
      TileOp op = make_op(TileOp::Kind::reduce);
      op.reduce = reduce.op();
      op.dtype = dtype;
      op.a = operand(e.inputs[0]);
      op.reduction = static_cast<std::uint32_t>(program->reductions.size());
      program->reductions.push_back(Reduction{reduce.op(), dtype,
                                              static_cast<std::uint32_t>(output_of[static_cast<std::size_t>(out)]),
                                              reduce_accumulator_size(dtype)});
      program->ops.push_back(op);
      Place done;
      done.kind = Place::Kind::output;
      done.index = static_cast<std::uint32_t>(output_of[static_cast<std::size_t>(out)]);
      done.step = 0;
      places[static_cast<std::size_t>(out)] = done;
    } else {
      const DType dtype = g.type_of(e.inputs[0]).dtype;
      std::vector<Place> in;
      bool once = true;
      for (const Atom& a : e.inputs) {
        in.push_back(operand(a));
        once = once && in.back().step == 0;
      }
      // An operation on broadcast scalars alone computes one element, held with a step of 0.
      Place result = once ? Place{} : result_place(out);
      if (once) {
        result = place_of_type(g.types[static_cast<std::size_t>(out)]);
        result.kind = Place::Kind::temporary;
        result.step = 0;
        if (free_slots.empty()) {
          result.index = slots++;
        } else {
          result.index = free_slots.back();
          free_slots.pop_back();
        }
      }
      const std::size_t first_op = program->ops.size();
      if (const auto* unary = dynamic_cast<const primitives::Unary*>(&primitive)) {
        TileOp op = make_op(TileOp::Kind::unary);
        op.unary = unary->op();
        op.dtype = dtype;
        op.a = in[0];
        op.result = result;
        program->ops.push_back(op);
      } else if (const auto* binary = dynamic_cast<const primitives::Binary*>(&primitive)) {
        TileOp op = make_op(TileOp::Kind::binary);
        op.binary = binary->op();
        op.dtype = dtype;
        op.a = in[0];
        op.b = in[1];
        op.result = result;
        program->ops.push_back(op);
      } else if (const auto* convert = dynamic_cast<const primitives::ConvertElementType*>(&primitive)) {
        TileOp op = make_op(TileOp::Kind::convert);
        op.dtype = dtype;
        op.to = convert->new_dtype();
        op.a = in[0];
        op.result = result;
        program->ops.push_back(op);
      } else if (dynamic_cast<const primitives::SelectN*>(&primitive)) {
        TileOp op = make_op(TileOp::Kind::select);
        op.a = in[0];
        op.b = in[1];
        op.c = in[2];
        op.result = result;
        program->ops.push_back(op);
      } else if (const auto* power = dynamic_cast<const primitives::IntegerPow*>(&primitive)) {
        // x^|y| by multiplications into the result, then 1/x for negative powers.
        const int y = power->exponent(), magnitude = y < 0 ? -y : y;
        TileOp square = make_op(TileOp::Kind::binary);
        square.binary = BinaryOp::mul;
        square.dtype = dtype;
        if (magnitude == 1) {
          TileOp copy = make_op(TileOp::Kind::copy);
          copy.a = in[0];
          copy.result = result;
          program->ops.push_back(copy);
        } else {
          square.a = in[0];
          square.b = in[0];
          square.result = result;
          program->ops.push_back(square);  // x^2
          if (magnitude == 3) {
            TileOp times_x = square;
            times_x.a = result;
            program->ops.push_back(times_x);  // x^3
          } else if (magnitude == 4) {
            TileOp square_again = square;
            square_again.a = result;
            square_again.b = result;
            program->ops.push_back(square_again);  // x^4
          }
        }
        if (y < 0) {
          TileOp reciprocal = make_op(TileOp::Kind::unary);
          reciprocal.unary = UnaryOp::reciprocal;
          reciprocal.dtype = dtype;
          reciprocal.a = result;
          reciprocal.result = result;
          program->ops.push_back(reciprocal);
        }
      }
      for (std::size_t k = first_op; k < program->ops.size(); ++k) program->ops[k].once = once;
      places[static_cast<std::size_t>(out)] = result;
    }
    // Temporaries whose last reader this was are free for the next equations.
    for (const Atom& a : e.inputs) {
      if (a.is_literal() || last_use[root[static_cast<std::size_t>(a.var)]] != static_cast<int>(i)) continue;
      const Place& p = *places[static_cast<std::size_t>(a.var)];
      if (p.kind == Place::Kind::temporary &&
          std::find(free_slots.begin(), free_slots.end(), p.index) == free_slots.end()) {
        free_slots.push_back(p.index);
      }
    }
  }
  // Outputs not written in place (an input returned, a broadcast scalar, another output's value).
  for (std::size_t k = 0; k < g.outputs.size(); ++k) {
    const Atom& a = g.outputs[k];
    const Place source = operand(a);
    if (source.kind == Place::Kind::output && source.index == k) continue;
    TileOp copy = make_op(TileOp::Kind::copy);
    copy.a = source;
    copy.result = place_of_type(g.type_of(a));
    copy.result.kind = Place::Kind::output;
    copy.result.index = static_cast<std::uint32_t>(k);
    copy.result.step = 1;
    program->ops.push_back(copy);
  }
  program->temporaries = slots;
  // Tiles as long as the temporaries allow, in whole cache lines.
  const std::int64_t fit = static_cast<std::int64_t>(kTemporaryBytes / (8 * std::max<std::size_t>(slots, 1))) / 64 * 64;
  program->tile = std::clamp<std::int64_t>(std::min<std::int64_t>(fit, kMaxTile), 64, kMaxTile);
  program->tile = std::min(program->tile, std::max<std::int64_t>((size + 15) / 16 * 16, 16));
  // Output k may take input i's memory (a donated buffer) when, in each tile, nothing reads input i
  // after output k is written: both are read and written at the same positions of the tile.
  std::vector<std::pair<int, int>> in_place_pairs;
  for (std::size_t k = 0; k < g.outputs.size(); ++k) {
    std::size_t written = program->ops.size();
    for (std::size_t w = 0; w < program->ops.size(); ++w) {
      const Place& r = program->ops[w].result;
      if (r.kind == Place::Kind::output && r.index == k && !program->ops[w].once) {
        written = w;
        break;
      }
    }
    if (written == program->ops.size()) continue;
    for (std::size_t i = 0; i < g.inputs.size(); ++i) {
      bool read_later = false;
      for (std::size_t r = written + 1; r < program->ops.size(); ++r) {
        const TileOp& op = program->ops[r];
        for (const Place* p : {&op.a, &op.b, &op.c}) {
          read_later = read_later || (p->kind == Place::Kind::input && p->index == i);
        }
      }
      if (!read_later) in_place_pairs.emplace_back(static_cast<int>(k), static_cast<int>(i));
    }
  }
  const std::size_t scratch = program->scratch_bytes();
  program->ops.shrink_to_fit();
  program->reductions.shrink_to_fit();
  return Kernel{[program](const KernelCall& call) { program->run(call); }, scratch, false, std::move(in_place_pairs)};
}

}  // namespace jx::cpu
