#!/usr/bin/env bash
# Regenerates the GUI screenshots of docs/user-guide.md (offscreen rendering, no display needed).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p nncube
bin="${CARGO_TARGET_DIR:-target}/debug/nncube"
for tab in report graph memory validate board; do
  "$bin" gui --tab "$tab" --screenshot "docs/images/gui-$tab.png"
done
