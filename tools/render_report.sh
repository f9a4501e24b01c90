#!/usr/bin/env bash
# Renders a `sage-mpi report` page with headless Chromium (Debian's `chromium`), to look at it as a reader
# would: a full-page PNG screenshot and the printed PDF (A4), with Chromium's console errors, if any, in
# OUT_PREFIX.log. No network: the page must be self-contained.
#
#   tools/render_report.sh REPORT.html [OUT_PREFIX]     (default OUT_PREFIX: REPORT without .html)
#   -> OUT_PREFIX.png (trimmed with ImageMagick when installed), OUT_PREFIX.pdf (and OUT_PREFIX-N.png pages
#      when pdftoppm is installed)
#
# Install Chromium with: apt-get update && apt-get install -y chromium   (pdftoppm: poppler-utils)
set -euo pipefail
report="${1:?usage: tools/render_report.sh REPORT.html [OUT_PREFIX]}"
prefix="${2:-${report%.html}}"
width="${RENDER_WIDTH:-1300}"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "render_report: chromium not found (apt-get install -y chromium)" >&2; exit 1; }
url="file://$(realpath "$report")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" --no-first-run
       --disable-extensions --disable-background-networking --run-all-compositor-stages-before-draw)
# Headless Chromium cannot size a screenshot to the page: a tall window (the space below the page stays white).
height="${RENDER_HEIGHT:-8000}"
: > "$prefix.log"
"$browser" "${flags[@]}" --window-size="$width,$height" --screenshot="$prefix.png" "$url" 2>>"$prefix.log"
"$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$prefix.pdf" "$url" 2>>"$prefix.log"
if command -v pdftoppm >/dev/null; then pdftoppm -r 60 -png "$prefix.pdf" "$prefix"; fi
# The white below the page, cut when ImageMagick is installed (apt-get install -y imagemagick).
if /usr/bin/convert -version 2>/dev/null | grep -q ImageMagick; then /usr/bin/convert "$prefix.png" -trim +repage "$prefix.png"; fi
if grep -E "ERROR:.*(CONSOLE|Uncaught)|net::ERR" "$prefix.log" >/dev/null; then
  echo "render_report: the browser reported errors (see $prefix.log)" >&2; exit 1
fi
echo "render_report: $prefix.png, $prefix.pdf"
