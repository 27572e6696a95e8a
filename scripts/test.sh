#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs every test.
# Usage: bash scripts/test.sh        (as root, or with sudo available for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust comes from rustup (Debian's cargo is older than the edition this workspace uses).
if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found: install a stable Rust toolchain (1.85 or newer) with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. System packages (C compilers for the generated code; Python for the TFLite Micro oracle).
APT_PACKAGES=(gcc libc6-dev clang python3 python3-venv)
# The Arm cross toolchain (codegen compile checks, firmware) and the QEMU virtual boards (docs/virtual-board.md).
APT_PACKAGES+=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
APT_PACKAGES+=(make cmake)  # building generated firmware projects (docs/project.md)
# GUI tests (egui_kittest renders offscreen with mesa lavapipe / llvmpipe; no display server needed).
APT_PACKAGES+=(libgl1-mesa-dri libegl1 mesa-vulkan-drivers libvulkan1)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# 2. The Python oracle (TFLite Micro's own interpreter) in a project-local virtual environment.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import tflite_micro, numpy, tflite" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r tests/oracle/requirements.txt
fi
export NNCUBE_TEST_PYTHON="$PWD/.venv/bin/python"

# 3. Guard: the core crate must never depend on GUI crates.
if cargo tree -p nncube-core -e normal 2>/dev/null | grep -Eq '\b(egui|eframe|winit|wgpu)\b'; then
  echo "error: nncube-core depends on a GUI crate (cargo tree -p nncube-core -e normal)" >&2
  exit 1
fi

# 4. Every test.
cargo test --workspace --all-targets
