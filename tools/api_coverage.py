#!/usr/bin/env python3
"""How much of JAX's public API (and Optax's and Haiku's) jx has, counted so that the count cannot lie.

A JAX name counts as present only when a compiled test (tests/**/*_test.cpp) uses jx's spelling of
it: a qualified name, called or used as a type, such as `jnp::median(` or `nn::Linear` (namespace
aliases resolved: the file's own, and those of a test header's namespace the file opens with `using
namespace`), or for the methods of jax.Array a member access such as `.sum(`. Comments and string literals are stripped
first, so a name mentioned in prose does not count. A name declared in a header but never tested
does not count either.

The lists of JAX's names are committed (tools/api_names/*.txt, one module per file) and were
extracted from JAX's own sources, so the denominator is JAX's, not ours. The same holds for the
top-level namespaces of Optax (-> jx::optim) and Haiku (-> jx::nn), read from their own repositories:

  tools/api_coverage.py extract --jax PATH_TO_JAX_GIT_REPO   # rewrite tools/api_names/ (rarely)
  tools/api_coverage.py extract --optax PATH --haiku PATH    # rewrite optax.txt and haiku.txt only
  tools/api_coverage.py write                                  # rewrite docs/api-coverage.md
  tools/api_coverage.py check                                  # fail if docs/api-coverage.md is stale

The spellings that are not the default mapping (`jax.numpy.sum` -> `jx::numpy::sum`) and the names
that are not counted (dtype objects, classes, primitives, Python-only objects) are listed, each with
its reason, in tools/api_names/spellings.txt.
"""
import argparse
import ast
import difflib
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMES = ROOT / "tools" / "api_names"
TABLE = ROOT / "docs" / "api-coverage.md"

# module -> (source file in its library's repository, jx namespace). jax.Array's members are read from
# its type stub.
MODULES = {
    "jax.numpy": ("jax/numpy/__init__.py", "jx::numpy"),
    "jax.numpy.linalg": ("jax/numpy/linalg.py", "jx::numpy::linalg"),
    "jax.numpy.fft": ("jax/numpy/fft.py", "jx::numpy::fft"),
    "jax.lax": ("jax/lax/__init__.py", "jx::lax"),
    "jax.lax.linalg": ("jax/lax/linalg.py", "jx::lax::linalg"),
    "jax.random": ("jax/random.py", "jx::random"),
    "jax.nn": ("jax/nn/__init__.py", "jx::nn"),
    "jax.nn.initializers": ("jax/nn/initializers.py", "jx::nn::initializers"),
    "jax.scipy.special": ("jax/scipy/special.py", "jx::scipy::special"),
    "jax.scipy.linalg": ("jax/scipy/linalg.py", "jx::scipy::linalg"),
    "jax.scipy.stats": ("jax/scipy/stats/__init__.py", "jx::scipy::stats"),
    "jax.Array": ("jax/_src/basearray.pyi", None),
    "optax": ("optax/__init__.py", "jx::optim"),
    "haiku": ("haiku/__init__.py", "jx::nn"),
}

# The repository each library's sources are read from (a module's library is its first component).
REPOSITORIES = {"jax": "jax-ml/jax", "optax": "google-deepmind/optax", "haiku": "google-deepmind/dm-haiku"}

# Explicit re-exports, as JAX writes them ("import x as x" / "x as x" inside from-imports).
EXPORT = re.compile(r"\b([A-Za-z_]\w*) as \1\b")


def git_show(repo, path):
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True,
                          text=True).stdout


def exported(source):
    names = []
    for name in EXPORT.findall(source):
        if not name.startswith("_") and name not in names:
            names.append(name)
    return names


def array_members(stub):
    """The public members of class Array in jax/_src/basearray.pyi."""
    body = stub.split("\nclass Array", 1)[1]
    body = re.split(r"\n\S", body, 1)[0]  # up to the next top-level statement
    names = []
    for name in re.findall(r"^\s+def (\w+)", body, re.M):
        if not name.startswith("_") and name not in names:
            names.append(name)
    return names


def bound_names(source):
    """The public names a Python module binds at its top level (imports and assignments), in order, then
    those only listed in __all__ (Optax's deprecated names, resolved on access by __getattr__)."""
    names, listed = [], []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [alias.asname or alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    listed = [element.value for element in node.value.elts]
                elif isinstance(target, ast.Name):
                    names.append(target.id)
    return [name for name in dict.fromkeys(names + listed) if not name.startswith("_")]


def extract(repos):
    """Rewrite the name lists of the libraries in repos (library -> path of its git repository)."""
    NAMES.mkdir(exist_ok=True)
    for module, (path, _) in MODULES.items():
        library = module.split(".")[0]
        if library not in repos:
            continue
        repo = repos[library]
        revision = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short=7", "HEAD"], check=True,
                                  capture_output=True, text=True).stdout.strip()
        source = git_show(repo, path)
        if library != "jax":
            names = bound_names(source)
        elif module == "jax.Array":
            names = array_members(source)
        elif module == "jax.scipy.stats":
            names = []
            for entry in exported(source):
                try:
                    functions = exported(git_show(repo, f"jax/scipy/stats/{entry}.py"))
                except subprocess.CalledProcessError:  # a function (mode, sem, ...), not a distribution
                    names.append(entry)
                    continue
                names.extend(f"{entry}.{function}" for function in functions)
        else:
            names = exported(source)
        header = f"# {module}: the public names of {REPOSITORIES[library]} at {revision} ({path})\n"
        (NAMES / f"{module}.txt").write_text(header + "".join(f"{n}\n" for n in names))


def read_names(module):
    lines = (NAMES / f"{module}.txt").read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def read_spellings():
    """module.name -> ('skip', reason) or ('spell', [jx spellings]) from spellings.txt."""
    rules = {}
    for line in (NAMES / "spellings.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, rest = line.partition(" ")
        kind, _, value = rest.strip().partition(" ")
        if kind == "skip":
            rules[key] = ("skip", value.strip())
        elif kind == "as":
            rules[key] = ("spell", value.split())
        else:
            raise SystemExit(f"spellings.txt: '{line}': expected '<name> skip <reason>' or '<name> as <spelling>...'")
    return rules


def strip_comments_and_strings(text):
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|R"(\w*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
    return pattern.sub(" ", text)


NAMESPACE_ALIAS = re.compile(r"namespace\s+(\w+)\s*=\s*([\w:]+)\s*;")


def header_aliases():
    """The namespace aliases each test header declares, by the namespace the header opens: a test that
    says `using namespace N;` sees them (tests/optim/optax_oracle.h's `optim = jx::optim`)."""
    found = {}
    for path in sorted((ROOT / "tests").rglob("*.h")):
        text = strip_comments_and_strings(path.read_text())
        for namespace in re.findall(r"^namespace\s+([\w:]+)\s*\{", text, re.M):
            found.setdefault(namespace, []).extend(NAMESPACE_ALIAS.findall(text))
    return found


def uses_in_tests():
    """Every fully qualified jx name used in a test (aliases resolved), and every member called."""
    qualified, members = set(), set()
    from_headers = header_aliases()
    for path in sorted((ROOT / "tests").rglob("*_test.cpp")):
        text = strip_comments_and_strings(path.read_text())
        aliases = {"jx": "jx"}
        declared = [pair for namespace in re.findall(r"using\s+namespace\s+([\w:]+)\s*;", text)
                    for pair in from_headers.get(namespace, [])]
        for alias, target in declared + NAMESPACE_ALIAS.findall(text):
            first, _, rest = target.partition("::")
            resolved = aliases.get(first, first) + ("::" + rest if rest else "")
            aliases[alias] = resolved
        for name in re.findall(r"using\s+([\w:]+::\w+)\s*;", text):
            first, _, rest = name.partition("::")
            qualified.add(aliases.get(first, first) + "::" + rest)
        for chain in re.findall(r"\b(?:\w+::)+~?\w+", text):
            first, _, rest = chain.partition("::")
            if first in aliases:
                qualified.add(aliases[first] + "::" + rest)
        members.update(re.findall(r"(?:\.|->)\s*(\w+)\s*[(<]", text))
    return qualified, members


DTYPE_OBJECTS = set("""bfloat16 bool_ cdouble csingle complex128 complex64 complex_ double float16 float32 float64 float_
    int1 int2 int4 int8 int16 int32 int64 int_ single uint uint1 uint2 uint4 uint8 uint16 uint32 uint64""".split())
SCALAR_TYPE_CLASSES = set("""character complexfloating flexible floating generic inexact integer number object_
    signedinteger unsignedinteger""".split())
SUBMODULES = {"fft", "linalg", "initializers"}
def rule_skip(module, name):
    """Why a name is not counted, by rule (spellings.txt lists the single exceptions)."""
    if name in SUBMODULES:
        return "a submodule, counted on its own"
    if module == "optax" and name.endswith("State"):
        return "a transformation's state NamedTuple (jx's states are optim::OptState trees)"
    if module.startswith("jax.") and name[0].isupper():  # Optax's and Haiku's classes are their API
        return "a class, enum or type alias"
    if name.endswith("_p"):
        return "a primitive object (jx's primitives are C++ classes in src/ir)"
    if module == "jax.numpy" and (name in DTYPE_OBJECTS or name.startswith(("float8_", "float6_", "float4_"))):
        return "a dtype object (jx::float32, ... in jx/core/dtype.h)"
    if module == "jax.numpy" and name in SCALAR_TYPE_CLASSES:
        return "a class of NumPy's scalar type hierarchy"
    return None


def spellings_of(module, name, rules):
    rule = rules.get(f"{module}.{name}")
    if rule and rule[0] == "spell":
        return rule[1], True
    if module == "jax.Array":
        return [f".{name}"], False
    namespace = MODULES[module][1]
    return [f"{namespace}::{name.replace('.', '::')}"], False


JX_ARRAY_MEMBERS = set()


def jx_array_members():
    """The member functions class jx::Array declares (include/jx/core/array.h), so that a call such as
    `.max(` on another class (x.at(i).max(v)) never counts as jax.Array's method."""
    text = strip_comments_and_strings((ROOT / "include/jx/core/array.h").read_text())
    body = text.split("\nclass Array {", 1)[1].split("\n};", 1)[0]
    names = set(re.findall(r"(\w+)\s*\(", body))
    names.update(re.findall(r"JX_ARRAY_REDUCTION\((\w+)\)", body))
    return names


def present(spelling, qualified, members):
    if spelling.startswith("."):
        return spelling[1:] in members and spelling[1:] in JX_ARRAY_MEMBERS
    return spelling in qualified


def count():
    global JX_ARRAY_MEMBERS
    JX_ARRAY_MEMBERS = jx_array_members()
    rules = read_spellings()
    qualified, members = uses_in_tests()
    report = {}
    for module in MODULES:
        rows = []
        for name in read_names(module):
            rule = rules.get(f"{module}.{name}")
            if rule and rule[0] == "skip":
                rows.append((name, "skipped", rule[1]))
                continue
            if not rule and (reason := rule_skip(module, name)):
                rows.append((name, "skipped", reason))
                continue
            spellings, other = spellings_of(module, name, rules)
            found = [s for s in spellings if present(s, qualified, members)]
            if found:
                rows.append((name, "present", ("≈ " if other else "") + found[0]))
            else:
                rows.append((name, "missing", " or ".join(spellings)))
        report[module] = rows
    return report


def render(report):
    out = ["# jx's coverage of JAX's public API (and of Optax's and Haiku's top-level namespaces)",
           "",
           "Generated by `tools/api_coverage.py write`; do not edit (CI checks that it is current). A JAX name is",
           "**present** only when a compiled test (`tests/**/*_test.cpp`) uses jx's spelling of it: the qualified",
           "name (`jnp.median` → `jx::numpy::median`, namespace aliases resolved) or, for `jax.Array`, the member",
           "(`x.sum()`). Comments and strings do not count. The names are JAX's, Optax's and Haiku's own",
           "(`tools/api_names/`, read from their sources; `optax` → `jx::optim`, `haiku` → `jx::nn`); the",
           "other spellings (≈) and the names not counted, each with its reason, are in",
           "`tools/api_names/spellings.txt`.",
           "",
           "| module | counted | present | coverage |",
           "|---|---:|---:|---:|"]
    total_counted = total_present = 0
    for module, rows in report.items():
        counted = sum(1 for _, state, _ in rows if state != "skipped")
        found = sum(1 for _, state, _ in rows if state == "present")
        total_counted += counted
        total_present += found
        share = f"{100 * found / counted:.0f}%" if counted else "–"
        out.append(f"| {module} | {counted} | {found} | {share} |")
    out.append(f"| **all** | **{total_counted}** | **{total_present}** | "
               f"**{100 * total_present / total_counted:.0f}%** |")
    for module, rows in report.items():
        out += ["", f"## {module}", ""]
        for state, title in (("missing", "Missing"), ("present", "Present"), ("skipped", "Not counted")):
            chosen = [(name, detail) for name, s, detail in rows if s == state]
            if not chosen:
                continue
            out.append(f"**{title}** ({len(chosen)}):")
            out.append("")
            if state == "missing":
                out.append(", ".join(f"`{name}`" for name, _ in chosen))
            else:
                out += [f"- `{name}`: {detail}" for name, detail in chosen]
            out.append("")
        while out[-1] == "":
            out.pop()
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    extract_parser = sub.add_parser("extract", help="rewrite tools/api_names/ from the libraries' git repositories")
    for library, name in REPOSITORIES.items():
        extract_parser.add_argument(f"--{library}", type=pathlib.Path, help=f"a git repository of {name}")
    sub.add_parser("write", help="rewrite docs/api-coverage.md")
    sub.add_parser("check", help="fail if docs/api-coverage.md is not what write would produce")
    args = parser.parse_args()
    if args.command == "extract":
        repos = {library: getattr(args, library) for library in REPOSITORIES if getattr(args, library)}
        if not repos:
            parser.error("extract: give at least one of " + ", ".join(f"--{library}" for library in REPOSITORIES))
        extract(repos)
        return 0
    table = render(count())
    if args.command == "write":
        TABLE.write_text(table)
        return 0
    current = TABLE.read_text() if TABLE.exists() else ""
    if current != table:
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), table.splitlines(True),
                                                   "docs/api-coverage.md", "generated"))
        print("docs/api-coverage.md is stale: run tools/api_coverage.py write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
