#!/bin/bash
# Mutation check: applies each deliberate bug listed in a mutants.txt beside the code it mutates,
# one at a time, to a copy of the source tree; rebuilds incrementally and runs the suites the entry
# names. Every bug must make one of them fail. Prints a table of which suite caught which bug and
# exits 1 if any bug survived (or a list entry no longer matches its file).
#   usage: scripts/mutants.sh [NAME_FILTER]      (substrings of the bug names to run, separated by |; default all)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FILTER=${1:-}
WORK=$(mktemp -d /tmp/gct_mutants_XXXXXX)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/src"
# The tree as it is now, committed or not (build folders and ignored files left out).
(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$WORK/src"
echo "building an unmutated copy in $WORK"
meson setup "$WORK/build" "$WORK/src" --buildtype=release -Dbench=false >"$WORK/setup.log" 2>&1 ||
  { tail -20 "$WORK/setup.log"; exit 1; }
meson compile -C "$WORK/build" >"$WORK/compile.log" 2>&1 || { tail -40 "$WORK/compile.log"; exit 1; }

python3 - "$WORK" "$FILTER" <<'PY'
import os, re, subprocess, sys, time

work, name_filter = sys.argv[1], sys.argv[2]
src, build = os.path.join(work, "src"), os.path.join(work, "build")

def parse(path):
    """Entries of one list: (name, file, suites, old, new)."""
    entries, lines = [], open(path).read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^([\w.-]+): (\S+) :: (.+)$", line)
        if not m:
            i += 1
            continue
        name, rel, suites = m.group(1), m.group(2), m.group(3).split()
        old, new, part = [], [], None
        i += 1
        while i < len(lines) and lines[i].strip() != "":
            if lines[i].startswith("- ") and part is None:
                part = old
                old.append(lines[i][2:])
            elif lines[i].startswith("+ ") and part is old:
                part = new
                new.append(lines[i][2:])
            elif part is not None:
                part.append(lines[i])
            else:
                sys.exit(f"{path}: entry {name}: expected '- TEXT' after the heading")
            i += 1
        if not old or not new:
            sys.exit(f"{path}: entry {name} needs '- TEXT' and '+ TEXT'")
        entries.append((name, os.path.join(os.path.dirname(path), rel), suites, "\n".join(old), "\n".join(new)))
    return entries

lists = []
for top in ("src", "tools"):
    for dirpath, _, files in os.walk(os.path.join(src, top)):
        if "mutants.txt" in files:
            lists.append(os.path.join(dirpath, "mutants.txt"))
entries = [e for path in sorted(lists) for e in parse(path) if any(f in e[0] for f in name_filter.split("|"))]
if not entries:
    sys.exit("no mutants selected")

# Targets by folder and type: a bare name can be ambiguous (the gctrain library and executable, the
# cifar2blob library and executable), and meson refuses to build an ambiguous name.
SHELL_SUITE = ["src/cli/gctrain:executable", "tools/cifar2blob:executable", "tests/make_cifar100:executable"]

def targets(suite):
    if suite == "consumer":
        return None  # builds and installs the whole project
    if suite in ("cli", "model_cli", "hardening", "resume"):
        return SHELL_SUITE
    return [f"tests/{suite}_test:executable"]

def build_targets(suites):
    wanted = [targets(s) for s in suites]
    return [] if any(t is None for t in wanted) else sorted({t for ts in wanted for t in ts})

rows, survived = [], 0
for name, path, suites, old, new in entries:
    rel = os.path.relpath(path, src)
    text = open(path).read()
    if text.count(old) != 1:
        rows.append((name, rel, suites, f"LIST OUT OF DATE: the text occurs {text.count(old)} times"))
        survived += 1
        continue
    start = time.time()
    open(path, "w").write(text.replace(old, new))
    try:
        built = subprocess.run(["meson", "compile", "-C", build] + build_targets(suites),
                               capture_output=True, text=True)
        if built.returncode != 0:
            caught = "compile error (the mutant is not a program, or a target is misnamed: fix the list)"
            survived += 1
        else:
            failed = []
            for suite in suites:
                r = subprocess.run(["meson", "test", "-C", build, "--no-rebuild", suite],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    failed.append(suite)
            caught = ", ".join(failed) if failed else "SURVIVED"
            survived += 0 if failed else 1
    finally:
        open(path, "w").write(text)
    rows.append((name, rel, suites, caught))
    print(f"{name:40s} {caught}  ({time.time() - start:.0f} s)", flush=True)

print("\n| deliberate bug | file | suites run | caught by |\n|---|---|---|---|")
for name, rel, suites, caught in rows:
    print(f"| {name} | {rel} | {' '.join(suites)} | {caught} |")
print(f"\nmutants: {len(rows) - survived} of {len(rows)} caught")
sys.exit(1 if survived else 0)
PY
