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

// A group of equations that will run as one fused step. Groups merge as equations join them; a merged
// group forwards to the one it joined (union-find), so merging costs the smaller group's size.
struct Group {
  std::int64_t size = 0;
  std::vector<std::size_t> members;  // equation indices, sorted only when the program is rebuilt
  int parent = kNoGroup;             // the group it was merged into, if any
  // Groups with a member that reads one of this group's values without being part of it; the
  // group cannot run later than such a reader, so it can only grow with it. `blocked` when an
  // equation that joins no group (a matmul, a gather, ...) reads it: no later equation can join.
  std::vector<int> outside_readers;
  bool blocked = false;
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
      if (roles_[i] == TileRole::elementwise || roles_[i] == TileRole::reduction)
        place(i);
      else
        note_reads(i, kNoGroup);
    }
    return rebuild();
  }

 private:
  int find(int g) const {
    while (groups_[static_cast<std::size_t>(g)].parent != kNoGroup) g = groups_[static_cast<std::size_t>(g)].parent;
    return g;
  }
  int group_of(std::size_t equation) const {
    const int g = group_of_equation_[equation];
    return g == kNoGroup ? kNoGroup : find(g);
  }

  // The groups this equation's inputs come from, following aliases and scalar broadcasts back to a
  // computed value.
  void source_groups(std::size_t i, std::vector<int>& groups) const {
    for (const Atom& a : p_.equations[i].inputs) {
      Atom at = a;
      while (!at.is_literal() && producer_[static_cast<std::size_t>(at.var)] >= 0) {
        const auto producer = static_cast<std::size_t>(producer_[static_cast<std::size_t>(at.var)]);
        if (group_of_equation_[producer] != kNoGroup) {
          groups.push_back(group_of(producer));
          break;
        }
        if (roles_[producer] != TileRole::alias && roles_[producer] != TileRole::scalar_source) break;
        at = p_.equations[producer].inputs[0];
      }
    }
  }

  // Records equation i, now in group `own` (or in none), as a reader of the groups whose values it
  // reads directly.
  void note_reads(std::size_t i, int own) {
    for (const Atom& a : p_.equations[i].inputs) {
      if (a.is_literal()) continue;
      const int producer = producer_[static_cast<std::size_t>(a.var)];
      if (producer < 0) continue;
      const int g = group_of(static_cast<std::size_t>(producer));
      if (g == kNoGroup || g == own) continue;
      Group& group = groups_[static_cast<std::size_t>(g)];
      // An equation reads a group's values one after another: repeats are consecutive, and merges
      // remove the rest, so no search over the readers is needed (it made wide programs quadratic).
      if (own == kNoGroup)
        group.blocked = true;
      else if (group.outside_readers.empty() || group.outside_readers.back() != own)
        group.outside_readers.push_back(own);
    }
  }

  // Whether the groups, together with equation i, can run as one step at position i: no equation
  // outside them that comes before i reads one of their values, and i reads no reduction result of
  // theirs. (Every reader recorded so far comes before i.)
  bool can_join(const std::vector<int>& groups, std::size_t i) const {
    const auto in_union = [&](int g) { return std::find(groups.begin(), groups.end(), g) != groups.end(); };
    for (const Atom& a : p_.equations[i].inputs) {
      if (a.is_literal()) continue;
      const int producer = producer_[static_cast<std::size_t>(a.var)];
      if (producer >= 0 && roles_[static_cast<std::size_t>(producer)] == TileRole::reduction &&
          in_union(group_of(static_cast<std::size_t>(producer))))
        return false;
    }
    for (int g : groups) {
      if (groups_[static_cast<std::size_t>(g)].blocked) return false;
    }
    for (int g : groups) {
      const Group& group = groups_[static_cast<std::size_t>(g)];
      for (int reader : group.outside_readers) {
        if (!in_union(find(reader))) return false;
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
    int target = kNoGroup;
    if (joined.empty()) {
      Group fresh;
      fresh.size = sizes_[i];
      groups_.push_back(std::move(fresh));
      target = static_cast<int>(groups_.size() - 1);
    } else {
      // Merge into the largest, moving the smaller groups' members and readers over.
      target = *std::max_element(joined.begin(), joined.end(), [&](int a, int b) {
        return groups_[static_cast<std::size_t>(a)].members.size() <
               groups_[static_cast<std::size_t>(b)].members.size();
      });
      Group& into = groups_[static_cast<std::size_t>(target)];
      for (int g : joined) {
        if (g == target) continue;
        Group& other = groups_[static_cast<std::size_t>(g)];
        into.members.insert(into.members.end(), other.members.begin(), other.members.end());
        into.outside_readers.insert(into.outside_readers.end(), other.outside_readers.begin(),
                                    other.outside_readers.end());
        into.blocked = into.blocked || other.blocked;
        other.members = {};
        other.outside_readers = {};
        other.parent = target;
      }
      // Readers now inside the group are no longer outside it; the rest are kept once each.
      for (int& reader : into.outside_readers) reader = find(reader);
      std::erase_if(into.outside_readers, [&](int reader) { return reader == target; });
      std::sort(into.outside_readers.begin(), into.outside_readers.end());
      into.outside_readers.erase(std::unique(into.outside_readers.begin(), into.outside_readers.end()),
                                 into.outside_readers.end());
    }
    groups_[static_cast<std::size_t>(target)].members.push_back(i);
    group_of_equation_[i] = target;
    note_reads(i, target);
  }

  // The program with each group of two or more computing members replaced by one fused equation.
  Program rebuild() {
    Program out = p_;
    out.equations.clear();
    std::vector<int> fused_at(p_.equations.size(), kNoGroup);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      Group& group = groups_[g];
      if (group.parent != kNoGroup || group.members.size() < 2) continue;
      std::sort(group.members.begin(), group.members.end());
      fused_at[group.members.back()] = static_cast<int>(g);
    }
    std::vector<bool> fused_member(p_.equations.size(), false);
    for (std::size_t i = 0; i < p_.equations.size(); ++i) {
      const int g = group_of(i);
      fused_member[i] = g != kNoGroup && groups_[static_cast<std::size_t>(g)].members.size() >= 2;
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
    // Marks for this group only: stamped with a number no other group uses, so that building each
    // group costs its own size, not the program's.
    ++stamp_;
    if (member_stamp_.size() != p_.equations.size()) {
      member_stamp_.assign(p_.equations.size(), 0);
      pulled_stamp_.assign(p_.equations.size(), 0);
    }
    const auto member = [&](std::size_t equation) { return member_stamp_[equation] == stamp_; };
    for (std::size_t m : group.members) member_stamp_[m] = stamp_;

    // Aliases and scalar broadcasts feeding the group are recomputed inside it (they cost nothing
    // there); their original stays for other readers, or is removed as dead code.
    std::vector<std::size_t> pulled;
    const auto pull = [&](auto& self, const Atom& a) -> void {
      if (a.is_literal()) return;
      const int producer = producer_[static_cast<std::size_t>(a.var)];
      if (producer < 0 || member(static_cast<std::size_t>(producer)) ||
          pulled_stamp_[static_cast<std::size_t>(producer)] == stamp_)
        return;
      const TileRole role = roles_[static_cast<std::size_t>(producer)];
      if (role != TileRole::alias && role != TileRole::scalar_source) return;
      if (role == TileRole::alias && sizes_[static_cast<std::size_t>(producer)] != group.size) return;
      self(self, p_.equations[static_cast<std::size_t>(producer)].inputs[0]);
      pulled_stamp_[static_cast<std::size_t>(producer)] = stamp_;
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
          needed = needed || !member(static_cast<std::size_t>(reader));
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
  std::uint32_t stamp_ = 0;  // fused_equation's marks
  std::vector<std::uint32_t> member_stamp_, pulled_stamp_;
};

}  // namespace

Program fuse_elementwise(const Program& program) { return Fuser(program).run(); }

}  // namespace jx::cpu
