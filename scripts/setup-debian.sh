#!/bin/bash
# Installs what gctrain needs to build and test on Debian 12 (bookworm) or later.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  g++ meson ninja-build cmake pkg-config \
  libeigen3-dev doctest-dev libcli11-dev libfmt-dev libarchive-dev zlib1g-dev \
  libboost-math-dev nlohmann-json3-dev >/dev/null
