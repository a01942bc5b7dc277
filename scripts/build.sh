#!/bin/bash
# Configures (once) and builds gctrain in ./build (release, tuned for this machine).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then meson setup build --buildtype=release >/dev/null; fi
meson compile -C build >/dev/null
