#!/usr/bin/env bash
# Runs the main job on a fresh Debian machine: installs the GUI's runtime libraries, builds nncube, and opens the
# desktop configurator on the embedded default model. Extra arguments go to nncube (e.g. a model or project file).
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust comes from rustup (Debian's cargo is older than the edition this workspace uses).
if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found: install a stable Rust toolchain (1.85 or newer) with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
# The linker Rust uses (cc + the C library), then the window system and rendering (wgpu: Vulkan via mesa, or
# GL/EGL); no other -dev packages are needed to build.
PACKAGES=(gcc libc6-dev libgl1-mesa-dri libegl1 mesa-vulkan-drivers libvulkan1 libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxi6 libxrandr2)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cargo build --release -p nncube
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "nncube: no display (DISPLAY/WAYLAND_DISPLAY unset): printing the analyze report of the default model instead." >&2
  echo "nncube: run this from a desktop session, or under xvfb-run, to get the window." >&2
  exec target/release/nncube analyze assets/models/default.tflite
fi
exec target/release/nncube gui "$@"
