#!/usr/bin/env bash
# The docs site, offline: render it as nbdev_docs would (nbdev's processing, then smalldocs instead of
# Quarto) and open every page in headless Chromium to check it (tools/check_site.py says what).
# Run by .ci/run once the virtual environment exists at .venv, with .venv/bin on PATH.
# Installs Debian's chromium and libjs-katex (KaTeX, to check the maths offline) when missing;
# uses sudo when not root. Screenshots go to ${CI_OUT:-.ci/out}/site/.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONUNBUFFERED=1
OUT=${CI_OUT:-$PWD/.ci/out}
[ -d .venv/bin ] && export PATH="$PWD/.venv/bin:$PATH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
# BLOBNN_CHROMIUM names another browser (e.g. playwright's, on GitHub): then Debian's is not needed
[ -n "${BLOBNN_CHROMIUM:-}" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/javascript/katex/katex.min.js ] || missing+=(libjs-katex)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python tools/render_docs.py --force --quiet
python tools/check_site.py --shots "$OUT/site"
