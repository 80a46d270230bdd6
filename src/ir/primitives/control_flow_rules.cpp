// Differentiation and batching of cond, while and scan, by transforming their bodies as programs.
//
// Forward and reverse mode share one rule (jvp_with_primals): each body is split into a forward part,
// which also returns the residuals, and a linear part, which computes tangents from residuals and
// input tangents (JAX's partial evaluation). Under reverse mode only the linear part is staged, and its
// transpose runs the transposed body; the forward part runs once, with the primal computation.
#include <fmt/format.h>

#include <numeric>

#include "ir/primitives/control_flow.h"
#include "ir/primitives/program_rules.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"
#include "transforms/program_transforms.h"

namespace jx::primitives {

using detail::append_zeros;

// --- cond -------------------------------------------------------------------------------------

std::pair<ArrayList, ArrayList> Cond::jvp_with_primals(std::span<const Array> primals,
                                                       std::span<const Array> tangents) const {
  const Array& index = primals[0];
  const std::span<const Array> operands = primals.subspan(1), operand_tangents = tangents.subspan(1);
  const std::vector<bool> with_tangent = differentiable(operands, operand_tangents);
  std::vector<detail::SplitProgram> splits;
  for (const ProgramRef& branch : branches()) splits.push_back(detail::linearize_program(*branch, with_tangent));
  const std::size_t num_outputs = branches()[0]->outputs.size();
  // Every forward branch returns every branch's residuals (zeros for the others'); every linear branch
  // takes them all.
  std::vector<std::vector<ArrayType>> residual_types;
  for (const detail::SplitProgram& s : splits) {
    const std::vector<ArrayType> out = s.forward.output_types();
    residual_types.emplace_back(out.begin() + static_cast<std::ptrdiff_t>(num_outputs), out.end());
  }
  std::vector<ProgramRef> forward, linear;
  std::size_t offset = 0;
  for (std::size_t b = 0; b < splits.size(); ++b) {
    Program f = splits[b].forward;
    std::vector<Atom> outputs(f.outputs.begin(), f.outputs.begin() + static_cast<std::ptrdiff_t>(num_outputs));
    for (std::size_t c = 0; c < splits.size(); ++c) {
      for (std::size_t k = 0; k < residual_types[c].size(); ++k) {
        outputs.push_back(c == b ? f.outputs[num_outputs + k] : append_zeros(f, residual_types[c][k]));
      }
    }
    f.outputs = std::move(outputs);
    forward.push_back(share(std::move(f)));
    std::vector<ArrayType> before, after;
    for (std::size_t c = 0; c < splits.size(); ++c) {
      if (c < b) before.insert(before.end(), residual_types[c].begin(), residual_types[c].end());
      if (c > b) after.insert(after.end(), residual_types[c].begin(), residual_types[c].end());
    }
    Program l = insert_unused_inputs(splits[b].linear, splits[b].num_residuals, after);
    linear.push_back(share(insert_unused_inputs(std::move(l), 0, before)));
    offset += splits[b].num_residuals;
  }
  ArrayList forward_inputs{index};
  forward_inputs.insert(forward_inputs.end(), operands.begin(), operands.end());
  const ArrayList forward_outputs = jx::bind(Cond(forward), forward_inputs);
  const ArrayList outputs = range(forward_outputs, 0, num_outputs);
  const ArrayList residuals = range(forward_outputs, num_outputs, forward_outputs.size() - num_outputs);
  ArrayList linear_inputs = join(
      {{index}, residuals, instantiated(selected(operand_tangents, with_tangent), selected(operands, with_tangent))});
  const ArrayList float_tangents = jx::bind(Cond(linear), linear_inputs);
  return {outputs, spread_tangents(outputs, float_tangents)};
}

ArrayList Cond::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                          std::span<const ArrayType> types) const {
  const std::span<const Array> operands = inputs.subspan(1);
  std::vector<bool> known;
  for (const Array& x : operands) known.push_back(x.valid());
  std::vector<ProgramRef> transposed;
  for (const ProgramRef& branch : branches()) transposed.push_back(share(detail::transpose_program(*branch, known)));
  ArrayList call{inputs[0]};
  for (const Array& x : operands) {
    if (x.valid()) call.push_back(x);
  }
  const std::vector<ArrayType> outputs = branches()[0]->output_types();
  for (std::size_t k = 0; k < cotangents.size(); ++k)
    call.push_back(rules::instantiate(cotangents[k], ArrayType{outputs[k].shape, outputs[k].dtype}));
  const ArrayList linear_cotangents = jx::bind(Cond(transposed), call);
  ArrayList result{Array()};
  std::size_t next = 0;
  for (const Array& x : operands) result.push_back(x.valid() ? Array() : linear_cotangents[next++]);
  (void)types;
  return result;
}

BatchResult Cond::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const std::span<const Array> operands = inputs.subspan(1);
  std::vector<bool> batched;
  ArrayList values;
  for (std::size_t i = 0; i < operands.size(); ++i) {
    batched.push_back(axes[i + 1] != kNotMapped);
    values.push_back(rules::batch_to_front(operands[i], axes[i + 1]));
  }
  std::vector<ProgramRef> programs;
  for (const ProgramRef& branch : branches()) programs.push_back(share(detail::batch_program(*branch, batched, size)));
  if (axes[0] == kNotMapped) {
    ArrayList call{inputs[0]};
    call.insert(call.end(), values.begin(), values.end());
    const ArrayList out = jx::bind(Cond(programs), call);
    return {out, std::vector<int>(out.size(), 0)};
  }
  // A batched index: every example may take a different branch, so run them all and select.
  const Array index = lax::clamp(lax::convert_element_type(0, DType::int32), rules::batch_to_front(inputs[0], axes[0]),
                                 lax::convert_element_type(static_cast<int>(programs.size()) - 1, DType::int32));
  ArrayList result = eval_program(*programs[0], values);
  for (std::size_t b = 1; b < programs.size(); ++b) {
    const ArrayList out = eval_program(*programs[b], values);
    for (std::size_t k = 0; k < out.size(); ++k) {
      const Array pick = lax::broadcast_in_dim(
          lax::eq(index, lax::convert_element_type(static_cast<int>(b), DType::int32)), out[k].shape(), {0});
      result[k] = lax::select(pick, out[k], result[k]);
    }
  }
  return {result, std::vector<int>(result.size(), 0)};
}

// --- while ------------------------------------------------------------------------------------

namespace {
[[noreturn]] void while_not_transposable() {
  throw TypeError(
      "while_loop",
      "reverse-mode differentiation does not work for lax::while_loop, nor for lax::fori_loop with traced "
      "bounds (the number of iterations is not known ahead). Use lax::scan, or lax::fori_loop with static bounds.");
}
}  // namespace

std::pair<ArrayList, ArrayList> While::jvp_with_primals(std::span<const Array> primals,
                                                        std::span<const Array> tangents) const {
  if (detail::in_reverse_mode()) while_not_transposable();
  const auto cc = static_cast<std::size_t>(cond_consts_), bc = static_cast<std::size_t>(body_consts_);
  const std::size_t n = primals.size() - cc - bc;
  const ArrayList body_consts = range(primals, cc, bc), carry = range(primals, cc + bc, n);
  // Tangents for the body's constants that have them, and for every floating carry (a carry's tangent
  // may become non-zero after an iteration, so all are carried).
  std::vector<bool> with_tangent = differentiable(body_consts, tangents.subspan(cc, bc));
  std::vector<bool> carry_float;
  for (const Array& c : carry) carry_float.push_back(is_inexact(c.dtype()));
  with_tangent.insert(with_tangent.end(), carry_float.begin(), carry_float.end());
  const Program jvp_body = detail::jvp_program(body(), with_tangent);
  // jvp_program orders inputs (consts, carry, const tangents, carry tangents); the loop wants
  // (consts, const tangents, carry, carry tangents).
  const std::size_t num_const_tangents = static_cast<std::size_t>(
      std::count(with_tangent.begin(), with_tangent.begin() + static_cast<std::ptrdiff_t>(bc), true));
  const std::size_t num_carry_tangents =
      static_cast<std::size_t>(std::count(carry_float.begin(), carry_float.end(), true));
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < bc; ++i) order.push_back(i);
  for (std::size_t i = 0; i < num_const_tangents; ++i) order.push_back(bc + n + i);
  for (std::size_t i = 0; i < n; ++i) order.push_back(bc + i);
  for (std::size_t i = 0; i < num_carry_tangents; ++i) order.push_back(bc + n + num_const_tangents + i);
  Program new_body = permute_inputs(jvp_body, order);
  Program new_cond = insert_unused_inputs(cond(), cc + n, strong_types(selected(carry, carry_float)));
  const ArrayList inputs = join(
      {range(primals, 0, cc), body_consts,
       instantiated(
           selected(tangents.subspan(cc, bc),
                    std::vector<bool>(with_tangent.begin(), with_tangent.begin() + static_cast<std::ptrdiff_t>(bc))),
           selected(body_consts,
                    std::vector<bool>(with_tangent.begin(), with_tangent.begin() + static_cast<std::ptrdiff_t>(bc)))),
       carry, instantiated(selected(tangents.subspan(cc + bc), carry_float), selected(carry, carry_float))});
  const ArrayList outputs = jx::bind(While(share(std::move(new_cond)), share(std::move(new_body)), cond_consts_,
                                           body_consts_ + static_cast<std::int64_t>(num_const_tangents)),
                                     inputs);
  const ArrayList values = range(outputs, 0, n);
  return {values, spread_tangents(values, range(outputs, n, num_carry_tangents))};
}

ArrayList While::transpose(std::span<const Array>, std::span<const Array>, std::span<const ArrayType>) const {
  while_not_transposable();
}

BatchResult While::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const auto cc = static_cast<std::size_t>(cond_consts_), bc = static_cast<std::size_t>(body_consts_);
  const std::size_t n = inputs.size() - cc - bc;
  // Every carry is batched; each example's loop stops on its own: the body only updates the examples
  // whose predicate still holds, and the loop runs while any does.
  ArrayList values;
  std::vector<bool> batched;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const bool is_carry = i >= cc + bc;
    batched.push_back(is_carry || axes[i] != kNotMapped);
    values.push_back(is_carry ? rules::batched_at_front(inputs[i], axes[i], size)
                              : rules::batch_to_front(inputs[i], axes[i]));
  }
  std::vector<bool> cond_flags(batched.begin(), batched.begin() + static_cast<std::ptrdiff_t>(cc));
  std::vector<bool> body_flags(batched.begin() + static_cast<std::ptrdiff_t>(cc),
                               batched.begin() + static_cast<std::ptrdiff_t>(cc + bc));
  cond_flags.insert(cond_flags.end(), n, true);
  body_flags.insert(body_flags.end(), n, true);
  const ProgramRef batched_cond = share(detail::batch_program(cond(), cond_flags, size));
  const ProgramRef batched_body = share(detail::batch_program(body(), body_flags, size));
  std::vector<ArrayType> cond_types = batched_cond->input_types();
  std::vector<ArrayType> body_types(cond_types.begin(), cond_types.begin() + static_cast<std::ptrdiff_t>(cc));
  const std::vector<ArrayType> batched_body_types = batched_body->input_types();
  body_types.insert(body_types.end(), batched_body_types.begin(), batched_body_types.end());
  const Program new_cond = detail::trace_program(
      [&](std::span<const Array> in) {
        const Array predicate = eval_program(*batched_cond, in)[0];
        return ArrayList{lax::reduce_or(predicate, {0})};
      },
      cond_types, "batched cond of while_loop");
  const Program new_body = detail::trace_program(
      [&](std::span<const Array> in) {
        const ArrayList carry = range(in, cc + bc, n);
        ArrayList cond_inputs = range(in, 0, cc);
        cond_inputs.insert(cond_inputs.end(), carry.begin(), carry.end());
        const Array predicate = eval_program(*batched_cond, cond_inputs)[0];
        const ArrayList updated = eval_program(*batched_body, in.subspan(cc));
        ArrayList result;
        for (std::size_t k = 0; k < n; ++k) {
          result.push_back(lax::select(lax::broadcast_in_dim(predicate, carry[k].shape(), {0}), updated[k], carry[k]));
        }
        return result;
      },
      body_types, "batched body of while_loop");
  ArrayList call = range(values, 0, cc);
  call.insert(call.end(), values.begin(), values.end());
  const ArrayList outputs =
      jx::bind(While(share(new_cond), share(new_body), cond_consts_, cond_consts_ + body_consts_), call);
  return {outputs, std::vector<int>(outputs.size(), 0)};
}

// --- scan -------------------------------------------------------------------------------------

std::pair<ArrayList, ArrayList> Scan::jvp_with_primals(std::span<const Array> primals,
                                                       std::span<const Array> tangents) const {
  const auto nc = static_cast<std::size_t>(num_consts_), ncarry = static_cast<std::size_t>(num_carry_);
  const std::size_t nx = primals.size() - nc - ncarry;
  const ArrayList consts = range(primals, 0, nc), carry = range(primals, nc, ncarry),
                  xs = range(primals, nc + ncarry, nx);
  // Tangents: constants and scanned inputs that have them, and every floating carry.
  std::vector<bool> const_flags = differentiable(consts, tangents.subspan(0, nc));
  std::vector<bool> carry_flags;
  for (const Array& c : carry) carry_flags.push_back(is_inexact(c.dtype()));
  std::vector<bool> x_flags = differentiable(xs, tangents.subspan(nc + ncarry, nx));
  std::vector<bool> with_tangent = const_flags;
  with_tangent.insert(with_tangent.end(), carry_flags.begin(), carry_flags.end());
  with_tangent.insert(with_tangent.end(), x_flags.begin(), x_flags.end());
  const detail::SplitProgram split = detail::linearize_program(body(), with_tangent);
  // Forward scan: the body's residuals are stacked as extra outputs.
  const ArrayList forward_outputs =
      jx::bind(Scan(share(split.forward), length_, reverse_, num_consts_, num_carry_, unroll_), primals);
  const std::size_t num_outputs = body().outputs.size();
  const ArrayList outputs = range(forward_outputs, 0, num_outputs);
  const ArrayList residuals = range(forward_outputs, num_outputs, split.num_residuals);
  // Linear scan over the tangents. The linear body takes (residuals, const tangents, carry tangents,
  // x tangents); a scan wants (consts, carry, xs) = (const tangents, carry tangents, residuals, x tangents).
  const std::size_t r = split.num_residuals;
  const auto count = [](const std::vector<bool>& flags) {
    return static_cast<std::size_t>(std::count(flags.begin(), flags.end(), true));
  };
  const std::size_t tc = count(const_flags), tcarry = count(carry_flags), tx = count(x_flags);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < tc; ++i) order.push_back(r + i);
  for (std::size_t i = 0; i < tcarry; ++i) order.push_back(r + tc + i);
  for (std::size_t i = 0; i < r; ++i) order.push_back(i);
  for (std::size_t i = 0; i < tx; ++i) order.push_back(r + tc + tcarry + i);
  const Program linear = permute_inputs(split.linear, order);
  const ArrayList linear_inputs =
      join({instantiated(selected(tangents.subspan(0, nc), const_flags), selected(consts, const_flags)),
            instantiated(selected(tangents.subspan(nc, ncarry), carry_flags), selected(carry, carry_flags)), residuals,
            instantiated(selected(tangents.subspan(nc + ncarry, nx), x_flags), selected(xs, x_flags))});
  const ArrayList float_tangents = jx::bind(
      Scan(share(linear), length_, reverse_, static_cast<std::int64_t>(tc), static_cast<std::int64_t>(tcarry), unroll_),
      linear_inputs);
  return {outputs, spread_tangents(outputs, float_tangents)};
}

ArrayList Scan::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                          std::span<const ArrayType> types) const {
  const auto nc = static_cast<std::size_t>(num_consts_), ncarry = static_cast<std::size_t>(num_carry_);
  const std::size_t nx = inputs.size() - nc - ncarry;
  std::vector<bool> known;
  for (const Array& x : inputs) known.push_back(x.valid());
  // The carry is linear even where its initial value is a known constant (an instantiated zero
  // tangent): the body is linear in it, and a known initial value simply gets no cotangent.
  for (std::size_t i = nc; i < nc + ncarry; ++i) known[i] = false;
  // The transposed body runs backwards: it carries (accumulated cotangents of the linear constants,
  // carry cotangents) and scans over (known xs, output cotangents), returning the cotangents of the
  // linear xs as its ys.
  const Program body_transposed = detail::transpose_program(body(), known);
  std::vector<std::size_t> known_consts, linear_consts, known_xs, linear_xs;
  for (std::size_t i = 0; i < nc; ++i) (known[i] ? known_consts : linear_consts).push_back(i);
  for (std::size_t i = 0; i < nx; ++i) (known[nc + ncarry + i] ? known_xs : linear_xs).push_back(nc + ncarry + i);
  const std::size_t nkc = known_consts.size(), nlc = linear_consts.size(), nkx = known_xs.size();
  const std::vector<ArrayType> body_outputs = body().output_types();
  std::vector<ArrayType> scan_types;
  for (std::size_t i : known_consts) scan_types.push_back(types[i]);
  for (std::size_t i : linear_consts) scan_types.push_back(ArrayType{types[i].shape, types[i].dtype});
  for (std::size_t i = nc; i < nc + ncarry; ++i) scan_types.push_back(ArrayType{types[i].shape, types[i].dtype});
  for (std::size_t i : known_xs) {
    ArrayType slice = types[i];
    slice.shape.erase(0);
    scan_types.push_back(slice);
  }
  for (std::size_t k = ncarry; k < body_outputs.size(); ++k)
    scan_types.push_back(ArrayType{body_outputs[k].shape, body_outputs[k].dtype});
  const Program step = detail::trace_program(
      [&](std::span<const Array> in) {
        // in: known consts, accumulated const cotangents, carry cotangents, known x slices, y cotangents.
        ArrayList call = range(in, 0, nkc);
        const ArrayList known_x = range(in, nkc + nlc + ncarry, nkx);
        call.insert(call.end(), known_x.begin(), known_x.end());
        const ArrayList carry_ct = range(in, nkc + nlc, ncarry);
        call.insert(call.end(), carry_ct.begin(), carry_ct.end());
        const ArrayList y_ct = range(in, nkc + nlc + ncarry + nkx, in.size() - (nkc + nlc + ncarry + nkx));
        call.insert(call.end(), y_ct.begin(), y_ct.end());
        const ArrayList ct = eval_program(body_transposed, call);  // linear consts, carry, linear xs
        ArrayList result;
        for (std::size_t j = 0; j < nlc; ++j) result.push_back(lax::add(in[nkc + j], ct[j]));
        for (std::size_t j = nlc; j < ct.size(); ++j) result.push_back(ct[j]);
        return result;
      },
      scan_types, "transposed body of scan");
  ArrayList call;
  for (std::size_t i : known_consts) call.push_back(inputs[i]);
  for (std::size_t i : linear_consts) call.push_back(rules::zeros(ArrayType{types[i].shape, types[i].dtype}));
  for (std::size_t k = 0; k < ncarry; ++k)
    call.push_back(rules::instantiate(cotangents[k], ArrayType{types[nc + k].shape, types[nc + k].dtype}));
  for (std::size_t i : known_xs) call.push_back(inputs[i]);
  const std::vector<ArrayType> out_types = infer(types);
  for (std::size_t k = ncarry; k < cotangents.size(); ++k) {
    call.push_back(rules::instantiate(cotangents[k], ArrayType{out_types[k].shape, out_types[k].dtype}));
  }
  const ArrayList ct = jx::bind(Scan(share(step), length_, !reverse_, static_cast<std::int64_t>(nkc),
                                     static_cast<std::int64_t>(nlc + ncarry), unroll_),
                                call);
  ArrayList result(inputs.size());
  for (std::size_t j = 0; j < nlc; ++j) result[linear_consts[j]] = ct[j];
  for (std::size_t k = 0; k < ncarry; ++k) {
    if (!inputs[nc + k].valid()) result[nc + k] = ct[nlc + k];
  }
  for (std::size_t j = 0; j < linear_xs.size(); ++j) result[linear_xs[j]] = ct[nlc + ncarry + j];
  return result;
}

BatchResult Scan::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const auto nc = static_cast<std::size_t>(num_consts_), ncarry = static_cast<std::size_t>(num_carry_);
  // Constants keep their batchedness; carries are all batched; scanned inputs have their batch axis
  // right after the scanned one, so each slice is batched on its leading axis.
  ArrayList values;
  std::vector<bool> flags;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i < nc) {
      flags.push_back(axes[i] != kNotMapped);
      values.push_back(rules::batch_to_front(inputs[i], axes[i]));
    } else if (i < nc + ncarry) {
      flags.push_back(true);
      values.push_back(rules::batched_at_front(inputs[i], axes[i], size));
    } else {
      flags.push_back(axes[i] != kNotMapped);
      Array x = rules::batch_to_front(inputs[i], axes[i]);
      if (axes[i] != kNotMapped) {
        std::vector<int> swap(static_cast<std::size_t>(x.ndim()));
        std::iota(swap.begin(), swap.end(), 0);
        std::swap(swap[0], swap[1]);
        x = lax::transpose(x, swap);
      }
      values.push_back(x);
    }
  }
  const ArrayList outputs = jx::bind(
      Scan(share(detail::batch_program(body(), flags, size)), length_, reverse_, num_consts_, num_carry_, unroll_),
      values);
  std::vector<int> out_axes(outputs.size(), 1);
  for (std::size_t k = 0; k < ncarry; ++k) out_axes[k] = 0;
  return {outputs, out_axes};
}

}  // namespace jx::primitives
