#include "backends/cpu/fusion.h"

#include <algorithm>
#include <memory>
#include <unordered_map>
#include <vector>

#include "backends/cpu/tile_kernel.h"
#include "ir/passes.h"
#include "ir/primitives/fused.h"

namespace jx::cpu {
namespace {

constexpr int kNoGroup = -1;

struct Group {
  std::int64_t size = 0;
  std::vector<std::size_t> members;  // equation indices, increasing
  bool alive = true;
  std::size_t first() const { return members.front(); }
  std::size_t last() const { return members.back(); }
};

class Fuser {
 public:
  explicit Fuser(const Program& program)
      : p_(program), roles_(program.equations.size()), sizes_(program.equations.size()) {
    group_of_equation_.assign(p_.equations.size(), kNoGroup);
    producer_.assign(p_.types.size(), -1);
    for (std::size_t i = 0; i < p_.equations.size(); ++i) {
      roles_[i] = tile_role(p_.equations[i], p_, sizes_[i]);
      for (int v : p_.equations[i].outputs) producer_[static_cast<std::size_t>(v)] = static_cast<int>(i);
    }
  }

  Program run() {
    for (std::size_t i = 0; i < p_.equations.size(); ++i) {
      if (roles_[i] == TileRole::elementwise || roles_[i] == TileRole::reduction) place(i);
    }
    return rebuild();
  }

 private:
  int group_producing(const Atom& a) const {
    if (a.is_literal()) return kNoGroup;
    const int producer = producer_[static_cast<std::size_t>(a.var)];
    return producer < 0 ? kNoGroup : group_of_equation_[static_cast<std::size_t>(producer)];
  }

  // The groups this equation's inputs come from, following aliases and scalar broadcasts back to a
  // computed value.
  void source_groups(std::size_t i, std::vector<int>& groups) const {
    for (const Atom& a : p_.equations[i].inputs) {
      Atom at = a;
      while (!at.is_literal() && producer_[static_cast<std::size_t>(at.var)] >= 0) {
        const auto producer = static_cast<std::size_t>(producer_[static_cast<std::size_t>(at.var)]);
        if (group_of_equation_[producer] != kNoGroup) {
          groups.push_back(group_of_equation_[producer]);
          break;
        }
        if (roles_[producer] != TileRole::alias && roles_[producer] != TileRole::scalar_source) break;
        at = p_.equations[producer].inputs[0];
      }
    }
  }

  // Whether the groups, together with equation i, can run as one step at position i: no equation
  // outside them between their first member and i reads one of their values, and i reads no reduction
  // result of theirs.
  bool can_join(const std::vector<int>& groups, std::size_t i) const {
    std::vector<bool> in_union(p_.equations.size(), false);
    std::size_t first = i;
    for (int g : groups) {
      for (std::size_t m : groups_[static_cast<std::size_t>(g)].members) in_union[m] = true;
      first = std::min(first, groups_[static_cast<std::size_t>(g)].first());
    }
    for (const Atom& a : p_.equations[i].inputs) {
      if (a.is_literal()) continue;
      const int producer = producer_[static_cast<std::size_t>(a.var)];
      if (producer >= 0 && in_union[static_cast<std::size_t>(producer)] &&
          roles_[static_cast<std::size_t>(producer)] == TileRole::reduction) {
        return false;
      }
    }
    for (std::size_t j = first + 1; j < i; ++j) {
      if (in_union[j]) continue;
      for (const Atom& a : p_.equations[j].inputs) {
        if (a.is_literal()) continue;
        const int producer = producer_[static_cast<std::size_t>(a.var)];
        if (producer >= 0 && in_union[static_cast<std::size_t>(producer)]) return false;
      }
    }
    return true;
  }

  void place(std::size_t i) {
    std::vector<int> candidates;
    source_groups(i, candidates);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::erase_if(candidates, [&](int g) { return groups_[static_cast<std::size_t>(g)].size != sizes_[i]; });
    // Join as many of the groups it reads as can run together with it.
    std::vector<int> joined;
    for (int g : candidates) {
      joined.push_back(g);
      if (!can_join(joined, i)) joined.pop_back();
    }
    if (joined.empty()) {
      groups_.push_back(Group{sizes_[i], {i}});
      group_of_equation_[i] = static_cast<int>(groups_.size() - 1);
      return;
    }
    Group& target = groups_[static_cast<std::size_t>(joined[0])];
    for (std::size_t k = 1; k < joined.size(); ++k) {
      Group& other = groups_[static_cast<std::size_t>(joined[k])];
      for (std::size_t m : other.members) group_of_equation_[m] = joined[0];
      target.members.insert(target.members.end(), other.members.begin(), other.members.end());
      other.members.clear();
      other.alive = false;
    }
    target.members.push_back(i);
    std::sort(target.members.begin(), target.members.end());
    group_of_equation_[i] = joined[0];
  }

  // The program with each group of two or more computing members replaced by one fused equation.
  Program rebuild() {
    Program out = p_;
    out.equations.clear();
    std::vector<int> fused_at(p_.equations.size(), kNoGroup);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      if (groups_[g].alive && groups_[g].members.size() >= 2) fused_at[groups_[g].last()] = static_cast<int>(g);
    }
    std::vector<bool> fused_member(p_.equations.size(), false);
    for (std::size_t i = 0; i < p_.equations.size(); ++i) {
      const int g = group_of_equation_[i];
      fused_member[i] = g != kNoGroup && groups_[static_cast<std::size_t>(g)].alive &&
                        groups_[static_cast<std::size_t>(g)].members.size() >= 2;
    }
    // Who reads each value outside its group (equations and the program's outputs).
    std::vector<std::vector<int>> readers(p_.types.size());
    for (std::size_t j = 0; j < p_.equations.size(); ++j) {
      for (const Atom& a : p_.equations[j].inputs) {
        if (!a.is_literal()) readers[static_cast<std::size_t>(a.var)].push_back(static_cast<int>(j));
      }
    }
    std::vector<bool> program_output(p_.types.size(), false);
    for (const Atom& a : p_.outputs) {
      if (!a.is_literal()) program_output[static_cast<std::size_t>(a.var)] = true;
    }
    for (std::size_t i = 0; i < p_.equations.size(); ++i) {
      if (fused_at[i] != kNoGroup) {
        out.equations.push_back(
            fused_equation(groups_[static_cast<std::size_t>(fused_at[i])], readers, program_output));
      } else if (!fused_member[i]) {
        out.equations.push_back(p_.equations[i]);
      }
    }
    // Broadcasts and reshapes copied into groups may have no other reader left.
    passes::eliminate_dead_code(out);
    return out;
  }

  Equation fused_equation(const Group& group, const std::vector<std::vector<int>>& readers,
                          const std::vector<bool>& program_output) {
    Program sub;
    std::unordered_map<int, int> renamed;  // variable of the program -> variable of the group
    std::vector<Atom> external;            // the fused equation's inputs
    std::vector<bool> member(p_.equations.size(), false);
    for (std::size_t m : group.members) member[m] = true;

    // Aliases and scalar broadcasts feeding the group are recomputed inside it (they cost nothing
    // there); their original stays for other readers, or is removed as dead code.
    std::vector<std::size_t> pulled;
    std::vector<bool> pulled_in(p_.equations.size(), false);
    const auto pull = [&](auto& self, const Atom& a) -> void {
      if (a.is_literal()) return;
      const int producer = producer_[static_cast<std::size_t>(a.var)];
      if (producer < 0 || member[static_cast<std::size_t>(producer)] || pulled_in[static_cast<std::size_t>(producer)])
        return;
      const TileRole role = roles_[static_cast<std::size_t>(producer)];
      if (role != TileRole::alias && role != TileRole::scalar_source) return;
      if (role == TileRole::alias && sizes_[static_cast<std::size_t>(producer)] != group.size) return;
      self(self, p_.equations[static_cast<std::size_t>(producer)].inputs[0]);
      pulled_in[static_cast<std::size_t>(producer)] = true;
      pulled.push_back(static_cast<std::size_t>(producer));
    };
    for (std::size_t m : group.members) {
      for (const Atom& a : p_.equations[m].inputs) pull(pull, a);
    }
    std::sort(pulled.begin(), pulled.end());

    const auto to_group = [&](const Atom& a) -> Atom {
      if (a.is_literal()) return a;
      auto it = renamed.find(a.var);
      if (it != renamed.end()) return Atom::variable(it->second);
      // A value from outside the group: a new input.
      const int var = sub.new_var(p_.types[static_cast<std::size_t>(a.var)]);
      sub.inputs.push_back(var);
      external.push_back(a);
      renamed.emplace(a.var, var);
      return Atom::variable(var);
    };
    std::vector<std::size_t> order = pulled;
    order.insert(order.end(), group.members.begin(), group.members.end());
    std::sort(order.begin(), order.end());
    for (std::size_t index : order) {
      const Equation& e = p_.equations[index];
      Equation copy{e.primitive, {}, {}, e.where};
      for (const Atom& a : e.inputs) copy.inputs.push_back(to_group(a));
      for (int v : e.outputs) {
        const int var = sub.new_var(p_.types[static_cast<std::size_t>(v)]);
        renamed[v] = var;
        copy.outputs.push_back(var);
      }
      sub.equations.push_back(std::move(copy));
    }
    // Outputs: the members' values read outside the group or returned by the program.
    std::vector<int> outputs;
    for (std::size_t m : group.members) {
      for (int v : p_.equations[m].outputs) {
        bool needed = program_output[static_cast<std::size_t>(v)];
        for (int reader : readers[static_cast<std::size_t>(v)])
          needed = needed || !member[static_cast<std::size_t>(reader)];
        if (needed) {
          outputs.push_back(v);
          sub.outputs.push_back(Atom::variable(renamed.at(v)));
        }
      }
    }
    return Equation{std::make_shared<primitives::FusedElementwise>(std::make_shared<const Program>(std::move(sub))),
                    std::move(external), std::move(outputs), std::nullopt};
  }

  const Program& p_;
  std::vector<TileRole> roles_;
  std::vector<std::int64_t> sizes_;
  std::vector<int> producer_;  // equation defining each variable, or -1
  std::vector<int> group_of_equation_;
  std::vector<Group> groups_;
};

}  // namespace

Program fuse_elementwise(const Program& program) { return Fuser(program).run(); }

}  // namespace jx::cpu
