#!/usr/bin/env bash
# Regenerates the GUI screenshots of docs/user-guide.md (offscreen rendering, no display needed).
# The Validate and Board tabs are shown after running their job on the virtual board qemu-netduinoplus2
# (needs arm-none-eabi-gcc and qemu-system-arm); the Board tab's project is generated in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
cargo build -q -p nncube
bin="$(realpath "${CARGO_TARGET_DIR:-target}/debug/nncube")"
vww="$repo/../shared/models/mlperf-tiny/vww_96_int8.tflite"
for tab in report graph memory; do
  "$bin" gui --tab "$tab" --screenshot "docs/images/gui-$tab.png"
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$vww" "$tmp/"
for tab in validate board; do
  (cd "$tmp" && "$bin" gui vww_96_int8.tflite --tab "$tab" --board qemu-netduinoplus2 --run \
    --screenshot "$repo/docs/images/gui-$tab.png")
done
