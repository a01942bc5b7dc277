#!/bin/bash
# gctrain as a library in someone else's project (tests/consumer), both ways a project takes it:
#   1. as a Meson subproject (subprojects/gctrain -> this source tree): dependency('gctrain') must
#      resolve through meson.override_dependency, build only the engine, and configure without a
#      warning; the consumer builds with -Werror on C++17 and trains.
#   1b. the same through subprojects/gctrain.wrap ([wrap-git] of this repository's last commit,
#      with [provide]), as a project that fetches gctrain would have it;
#   2. installed (meson install into a temporary prefix of this build): a program compiled with
#      `g++ ... $(pkg-config --cflags --libs gctrain)` and nothing else trains.
# Usage: consumer_test.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo "--- 1. subproject"
cp -r "$src/tests/consumer" "$work/app"
mkdir "$work/app/subprojects"
ln -s "$src" "$work/app/subprojects/gctrain"
meson setup "$work/app-build" "$work/app" >"$work/setup.txt" 2>&1 || { cat "$work/setup.txt"; fail "meson setup of the consumer"; }
if grep -n "WARNING\|DEPRECATION" "$work/setup.txt"; then fail "configuring gctrain as a subproject warns"; fi
grep -q "Dependency gctrain found: YES .* (overridden)" "$work/setup.txt" || { cat "$work/setup.txt"; fail "dependency('gctrain') did not come from the subproject's override"; }
meson compile -C "$work/app-build" >"$work/compile.txt" 2>&1 || { tail -40 "$work/compile.txt"; fail "building the consumer with gctrain as a subproject"; }
if grep -n "warning:" "$work/compile.txt"; then fail "building gctrain as a subproject prints warnings"; fi
# Only the engine: no host library, no programs, no tests of gctrain's own.
for unwanted in gctrain_host cifar2blob trainer_test; do
  if find "$work/app-build/subprojects" -name "*$unwanted*" | grep -q .; then fail "the subproject built $unwanted"; fi
done
if grep -q -- "-march=" "$work/app-build/compile_commands.json"; then fail "a -march flag reached the subproject build"; fi
"$work/app-build/consumer" || fail "the consumer built against the subproject did not train"

echo "--- 1b. subproject through a wrap file (git, from this repository's last commit)"
if git -C "$src" rev-parse --verify -q HEAD >/dev/null; then
  cp -r "$src/tests/consumer" "$work/wrapped"
  mkdir "$work/wrapped/subprojects"
  cat >"$work/wrapped/subprojects/gctrain.wrap" <<WRAP
[wrap-git]
url = $src
revision = $(git -C "$src" rev-parse HEAD)
depth = 1

[provide]
dependency_names = gctrain
WRAP
  meson setup "$work/wrapped-build" "$work/wrapped" >"$work/wrap-setup.txt" 2>&1 ||
    { cat "$work/wrap-setup.txt"; fail "meson setup with subprojects/gctrain.wrap"; }
  if grep -n "WARNING\|DEPRECATION" "$work/wrap-setup.txt"; then fail "configuring gctrain from a wrap warns"; fi
  meson compile -C "$work/wrapped-build" >"$work/wrap-compile.txt" 2>&1 ||
    { tail -40 "$work/wrap-compile.txt"; fail "building the consumer with gctrain from a wrap"; }
  "$work/wrapped-build/consumer" || fail "the consumer built from the wrap did not train"
else
  echo "(not a git checkout: skipped)"
fi

echo "--- 2. installed, through pkg-config"
DESTDIR="$work/root" meson install -C "$build" --no-rebuild --quiet >"$work/install.txt" 2>&1 ||
  { cat "$work/install.txt"; fail "meson install"; }
pc=$(find "$work/root" -name gctrain.pc | head -1)
[ -n "$pc" ] || fail "meson install wrote no gctrain.pc"
for h in trainer config status plan_bound; do
  find "$work/root" -path "*/include/gctrain/$h.hpp" | grep -q . || fail "gctrain/$h.hpp not installed"
done
if find "$work/root" -path "*/include/*" -name "*.hpp" | grep -q "/host/\|_internal"; then fail "private headers installed"; fi
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$work/root"
flags=$(pkg-config --cflags --libs gctrain) || fail "pkg-config does not know gctrain"
echo "pkg-config: $flags"
c++ -std=c++17 -Wall -Wextra -Werror "$src/tests/consumer/consumer.cpp" -o "$work/consumer-installed" $flags ||
  fail "compiling against the installed gctrain"
# A shared libgctrain (-Ddefault_library=shared) is found where it was installed.
LD_LIBRARY_PATH=$(dirname "$(dirname "$pc")") "$work/consumer-installed" || fail "the consumer built against the installed gctrain did not train"
echo "PASS"
