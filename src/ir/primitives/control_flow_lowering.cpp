// Lowering of cond, while and scan to planned kernels: their programs are compiled once, and every
// iteration runs in memory the enclosing plan reserved (the kernel's scratch), so a loop of any length
// allocates nothing. Loop-carried values alternate between two places — a scratch buffer and the
// kernel's own outputs — so that no iteration copies its carry and the last one lands in the output.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/cpu/kernels.h"
#include "ir/primitives/control_flow.h"

namespace jx::primitives {
namespace {

std::size_t round_up(std::size_t bytes) { return (bytes + 63) / 64 * 64; }

// Scratch memory handed out in 64-byte aligned pieces.
struct ScratchLayout {
  std::size_t total = 0;
  std::size_t add(std::size_t bytes) {
    const std::size_t offset = total;
    total = round_up(total + bytes);
    return offset;
  }
};

void copy_values(std::byte* const* to, const std::byte* const* from, std::span<const std::size_t> bytes) {
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    if (bytes[k] > 0 && to[k] != from[k]) std::memcpy(to[k], from[k], bytes[k]);
  }
}

std::vector<std::size_t> byte_sizes(std::span<const ArrayType> types) {
  std::vector<std::size_t> bytes;
  for (const ArrayType& t : types) bytes.push_back(t.num_bytes());
  return bytes;
}

}  // namespace

Kernel Cond::lower(const LoweringContext& context) const {
  std::vector<std::shared_ptr<const CompiledProgram>> branches;
  std::size_t scratch = 0;
  for (const ProgramRef& branch : this->branches()) {
    branches.push_back(context.compile(*branch));
    scratch = std::max(scratch, branches.back()->scratch_bytes());
  }
  const DType index_dtype = context.inputs[0].dtype;
  return Kernel{[branches = std::move(branches), index_dtype](const KernelCall& call) {
                  std::int64_t index = 0;
                  cpu::convert_run(index_dtype, DType::int64, call.inputs[0], &index, 1);
                  index = std::clamp<std::int64_t>(index, 0, static_cast<std::int64_t>(branches.size()) - 1);
                  branches[static_cast<std::size_t>(index)]->run(call.inputs + 1, call.outputs, call.scratch);
                },
                scratch};
}

Kernel While::lower(const LoweringContext& context) const {
  const auto cc = static_cast<std::size_t>(cond_consts_), bc = static_cast<std::size_t>(body_consts_);
  const std::size_t n = context.outputs.size();
  std::shared_ptr<const CompiledProgram> cond_program = context.compile(cond());
  std::shared_ptr<const CompiledProgram> body_program = context.compile(body());
  const std::vector<std::size_t> carry_bytes = byte_sizes(context.outputs);

  // Scratch: the programs' own, the second home of the carry, the predicate, and operand tables.
  ScratchLayout layout;
  const std::size_t cond_scratch = layout.add(cond_program->scratch_bytes());
  const std::size_t body_scratch = layout.add(body_program->scratch_bytes());
  std::vector<std::size_t> carry_offsets;
  for (std::size_t bytes : carry_bytes) carry_offsets.push_back(layout.add(bytes));
  const std::size_t predicate = layout.add(1);
  const std::size_t cond_inputs = layout.add((cc + n) * sizeof(void*));
  const std::size_t body_inputs = layout.add((bc + n) * sizeof(void*));
  const std::size_t places = layout.add(2 * n * sizeof(void*));

  return Kernel{[=](const KernelCall& call) {
                  std::byte* const s = call.scratch;
                  auto** cond_in = reinterpret_cast<const std::byte**>(s + cond_inputs);
                  auto** body_in = reinterpret_cast<const std::byte**>(s + body_inputs);
                  auto** spare = reinterpret_cast<std::byte**>(s + places);  // the carry's scratch home
                  for (std::size_t k = 0; k < n; ++k) spare[k] = s + carry_offsets[k];
                  std::copy_n(call.inputs, cc, cond_in);
                  std::copy_n(call.inputs + cc, bc, body_in);
                  const std::byte* const* current = call.inputs + cc + bc;  // the initial carry
                  std::byte* const* next = spare;
                  for (;;) {
                    std::copy_n(current, n, cond_in + cc);
                    std::byte* predicate_out = s + predicate;
                    cond_program->run(cond_in, &predicate_out, s + cond_scratch);
                    if (!*reinterpret_cast<const bool*>(predicate_out)) break;
                    std::copy_n(current, n, body_in + bc);
                    body_program->run(body_in, next, s + body_scratch);
                    current = next;
                    next = next == spare ? call.outputs : spare;
                  }
                  copy_values(call.outputs, current, carry_bytes);
                },
                layout.total};
}

Kernel Scan::lower(const LoweringContext& context) const {
  const auto nc = static_cast<std::size_t>(num_consts_), ncarry = static_cast<std::size_t>(num_carry_);
  const std::size_t nx = context.inputs.size() - nc - ncarry;
  const std::size_t ny = context.outputs.size() - ncarry;
  std::shared_ptr<const CompiledProgram> body_program = context.compile(body());
  const std::vector<std::size_t> carry_bytes = byte_sizes(context.outputs.subspan(0, ncarry));
  // Bytes of one slice of each scanned input and of each stacked output.
  std::vector<std::size_t> x_slice, y_slice;
  for (std::size_t k = 0; k < nx; ++k) {
    x_slice.push_back(length_ == 0 ? 0
                                   : context.inputs[nc + ncarry + k].num_bytes() / static_cast<std::size_t>(length_));
  }
  for (std::size_t k = 0; k < ny; ++k) {
    y_slice.push_back(length_ == 0 ? 0 : context.outputs[ncarry + k].num_bytes() / static_cast<std::size_t>(length_));
  }

  ScratchLayout layout;
  const std::size_t body_scratch = layout.add(body_program->scratch_bytes());
  std::vector<std::size_t> carry_offsets;
  for (std::size_t bytes : carry_bytes) carry_offsets.push_back(layout.add(bytes));
  const std::size_t body_inputs = layout.add((nc + ncarry + nx) * sizeof(void*));
  const std::size_t body_outputs = layout.add((ncarry + ny) * sizeof(void*));
  const std::size_t places = layout.add(ncarry * sizeof(void*));

  return Kernel{[=, length = length_, reverse = reverse_](const KernelCall& call) {
                  std::byte* const s = call.scratch;
                  auto** in = reinterpret_cast<const std::byte**>(s + body_inputs);
                  auto** out = reinterpret_cast<std::byte**>(s + body_outputs);
                  auto** spare = reinterpret_cast<std::byte**>(s + places);
                  for (std::size_t k = 0; k < ncarry; ++k) spare[k] = s + carry_offsets[k];
                  std::copy_n(call.inputs, nc, in);
                  const std::byte* const* current = call.inputs + nc;
                  // The carry alternates between its scratch home and the outputs, ending in the outputs.
                  std::byte* const* next = length % 2 == 1 ? call.outputs : spare;
                  for (std::int64_t step = 0; step < length; ++step) {
                    const auto i = static_cast<std::size_t>(reverse ? length - 1 - step : step);
                    std::copy_n(current, ncarry, in + nc);
                    for (std::size_t k = 0; k < nx; ++k)
                      in[nc + ncarry + k] = call.inputs[nc + ncarry + k] + i * x_slice[k];
                    std::copy_n(next, ncarry, out);
                    for (std::size_t k = 0; k < ny; ++k) out[ncarry + k] = call.outputs[ncarry + k] + i * y_slice[k];
                    body_program->run(in, out, s + body_scratch);
                    current = next;
                    next = next == spare ? call.outputs : spare;
                  }
                  copy_values(call.outputs, current, carry_bytes);
                },
                layout.total};
}

}  // namespace jx::primitives
