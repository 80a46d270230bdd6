#!/usr/bin/env python3
"""Checks that each folder of libjx compiles as one translation unit (src/CMakeLists.txt says why).

libjx is a unity build: up to eight sources of a folder are compiled together. Names local to a file
(anonymous namespaces) must then be unique within its folder, whatever sources end up grouped when one
is added or removed. This compiles every folder's sources as one unit (syntax only, with the build's
flags, so warnings are errors too), in both orders (a local name shadows another file's only when that
file comes first), and prints what collides.

    python3 tools/check_unity_folders.py build/default
"""
import collections
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor


def main() -> int:
    build = sys.argv[1] if len(sys.argv) > 1 else "build/default"
    commands = json.load(open(os.path.join(build, "compile_commands.json")))
    unity = [c for c in commands if "/jx.dir/Unity/" in c["file"]]
    if not unity:
        print(f"{build}: no unity sources of libjx in compile_commands.json", file=sys.stderr)
        return 2
    folders = collections.defaultdict(list)
    for entry in unity:
        for source in re.findall(r'#include "([^"]+)"', open(entry["file"]).read()):
            folders[os.path.dirname(source)].append(source)
    arguments = shlex.split(unity[0]["command"])
    arguments = arguments[: arguments.index("-o")]  # the compiler and flags, without output and input
    if "ccache" in os.path.basename(arguments[0]):
        arguments = arguments[1:]
    with tempfile.TemporaryDirectory() as scratch:

        def check(job):
            folder, reverse = job
            unit = os.path.join(scratch, re.sub(r"\W", "_", folder) + ("_reversed" if reverse else "") + ".cpp")
            with open(unit, "w") as out:
                out.writelines(f'#include "{source}"\n' for source in sorted(folders[folder], reverse=reverse))
            run = subprocess.run(arguments + ["-fsyntax-only", unit], capture_output=True, text=True)
            return folder + (" (reversed)" if reverse else ""), run.returncode, run.stderr

        jobs = [(folder, reverse) for folder in sorted(folders) for reverse in (False, True)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(check, jobs))
    failed = [r for r in results if r[1] != 0]
    for folder, _, errors in failed:
        print(f"== {folder}: its sources do not compile as one unit\n{errors}")
    print(f"{len(results) - len(failed)} of {len(results)} folders of libjx (each in both orders) compile as one unit")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
