// src/ir/primitives/control_flow.h — primitives whose parameters are programs: cond, while, scan.
//
// A tracer cannot drive a C++ `if` or `for`, so data-dependent control flow is staged as a primitive
// holding the branch or loop-body programs. Those programs are closed: whatever they captured from
// enclosing traces was turned into explicit leading inputs (closure conversion), so the primitive's
// operands are everything its bodies read.
#pragma once

#include <memory>
#include <tuple>
#include <vector>

#include "jx/ir/primitive.h"
#include "jx/ir/program.h"

namespace jx::primitives {

using ProgramRef = std::shared_ptr<const Program>;

// A list of programs as a primitive parameter: printed as jaxprs, compared structurally.
struct Programs {
  std::vector<ProgramRef> programs;
  friend bool operator==(const Programs& a, const Programs& b);
};

// cond(index, operands...): runs programs[clamp(index)] on the operands. All branches take and return
// the same types.
class Cond final : public PrimitiveBase<Cond> {
 public:
  explicit Cond(std::vector<ProgramRef> branches) : branches_{std::move(branches)} {}
  const std::vector<ProgramRef>& branches() const { return branches_.programs; }
  std::string_view name() const override { return "cond"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  bool jvp_computes_primals() const override { return true; }
  std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                   std::span<const Array> tangents) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  Kernel lower(const LoweringContext& context) const override;
  bool has_side_effects() const override;
  auto params() const { return std::tuple{Param{"branches", branches_}}; }
  void visit_programs(const std::function<void(const Program&)>& visit) const override {
    for (const ProgramRef& p : branches_.programs) visit(*p);
  }

 private:
  Programs branches_;
};

// while(cond_consts..., body_consts..., carry...): while cond(cond_consts, carry): carry = body(...).
class While final : public PrimitiveBase<While> {
 public:
  While(ProgramRef cond, ProgramRef body, std::int64_t cond_consts, std::int64_t body_consts)
      : programs_{{std::move(cond), std::move(body)}}, cond_consts_(cond_consts), body_consts_(body_consts) {}
  const Program& cond() const { return *programs_.programs[0]; }
  const Program& body() const { return *programs_.programs[1]; }
  std::int64_t cond_consts() const { return cond_consts_; }
  std::int64_t body_consts() const { return body_consts_; }
  std::string_view name() const override { return "while"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  bool jvp_computes_primals() const override { return true; }
  std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                   std::span<const Array> tangents) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  Kernel lower(const LoweringContext& context) const override;
  bool has_side_effects() const override;
  auto params() const {
    return std::tuple{Param{"cond_and_body", programs_}, Param{"cond_nconsts", cond_consts_},
                      Param{"body_nconsts", body_consts_}};
  }
  void visit_programs(const std::function<void(const Program&)>& visit) const override {
    visit(cond());
    visit(body());
  }

 private:
  Programs programs_;
  std::int64_t cond_consts_, body_consts_;
};

// scan(consts..., carry..., xs...): for i in [0, length) (reversed if asked):
//   carry, y_i = body(consts, carry, xs[i]); outputs are the final carry and the stacked ys.
class Scan final : public PrimitiveBase<Scan> {
 public:
  Scan(ProgramRef body, std::int64_t length, bool reverse, std::int64_t num_consts, std::int64_t num_carry,
       std::int64_t unroll)
      : body_{{std::move(body)}},
        length_(length),
        reverse_(reverse),
        num_consts_(num_consts),
        num_carry_(num_carry),
        unroll_(unroll) {}
  const Program& body() const { return *body_.programs[0]; }
  const ProgramRef& body_ref() const { return body_.programs[0]; }
  std::int64_t length() const { return length_; }
  bool reverse() const { return reverse_; }
  std::int64_t num_consts() const { return num_consts_; }
  std::int64_t num_carry() const { return num_carry_; }
  std::int64_t unroll() const { return unroll_; }
  std::string_view name() const override { return "scan"; }
  void visit_programs(const std::function<void(const Program&)>& visit) const override { visit(body()); }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  bool jvp_computes_primals() const override { return true; }
  std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                   std::span<const Array> tangents) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  Kernel lower(const LoweringContext& context) const override;
  bool has_side_effects() const override;
  auto params() const {
    return std::tuple{Param{"body", body_},           Param{"length", length_},
                      Param{"reverse", reverse_},     Param{"num_consts", num_consts_},
                      Param{"num_carry", num_carry_}, Param{"unroll", unroll_}};
  }

 private:
  Programs body_;
  std::int64_t length_;
  bool reverse_;
  std::int64_t num_consts_, num_carry_, unroll_;
};

// Whether a program has effects (debug printing, callbacks), which its holder then has too.
bool has_effects(const Program& program);

// Found by argument-dependent lookup from PrimitiveBase.
void print_param_value(std::ostream& os, const Programs& v);
std::size_t hash_param_value(const Programs& v);

}  // namespace jx::primitives
