#!/usr/bin/env bash
# Installs what sage-mpi needs to build and test on Debian/Ubuntu, and only what is missing:
# OpenMPI, htslib, OpenBLAS (development files), pkg-config, bcftools/tabix/samtools for the genome tests and
# tmux for the live-progress test.
# As root it runs apt-get; otherwise it uses sudo if available, or prints the command to run.
# The Swift toolchain (6.0 or newer) is not a Debian package: install it from swift.org if `swift` is missing.
set -euo pipefail

packages=(libopenmpi-dev openmpi-bin libhts-dev libopenblas-dev pkg-config tabix bcftools samtools tmux)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: not a Debian-like system; install OpenMPI, htslib, OpenBLAS (dev) and pkg-config yourself: ${missing[*]}" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: no 'swift' on PATH: install the Swift 6 toolchain for your distribution from swift.org and add its usr/bin to PATH" >&2
  exit 1
fi
for pc in ompi-c htslib openblas; do
  pkg-config --exists "$pc" || { echo "install-deps: pkg-config cannot find '$pc' (set PKG_CONFIG_PATH for a non-system install)" >&2; exit 1; }
done
