#!/usr/bin/env bash
# The docs site, rendered and then opened page by page in headless Chromium (tools/check_site.py says
# what it checks). Two renders, one list of checks:
#   bash .ci/docs.sh            offline: nbdev's processing, then smalldocs instead of Quarto, into _site/
#                               (tools/render_docs.py); maths is KaTeX, answered from Debian's libjs-katex.
#                               .ci/run runs this one (Quarto cannot be installed everywhere).
#   bash .ci/docs.sh quarto     the site that deploys: `nbdev_docs` (nbdev + Quarto, which must be on PATH:
#                               on GitHub, quarto-dev/quarto-actions/setup) into _docs/; maths is MathJax 3,
#                               answered from the npm package mathjax@3, installed into .cache/mathjax
#                               (gitignored) when missing. The deploy workflow publishes _docs/ only if this passes.
# Uses the virtual environment at .venv; creates it (torch, then the project with the lock) when it is
# missing, as .ci/run does. Installs Debian's chromium and libjs-katex when missing (sudo when not root);
# BLOBNN_CHROMIUM=playwright uses Playwright's Chromium instead (GitHub's Ubuntu runners), installed here.
# Each render is checked twice: as it is, then a copy with one planted fault per kind of check, which
# must all be found (check_site.py --self-test). Screenshots go to ${CI_OUT:-.ci/out}/site/ (smalldocs)
# or site-quarto/ (Quarto), and those of the faulty copy to site-self-test/ or site-quarto-self-test/.
# Accessibility: axe-core's WCAG 2 A/AA rules run on every page of either render (check_site.py --axe), with npm's
# axe-core@4 installed into .cache/axe (gitignored) when missing (or BLOBNN_AXE=<a copy>); BLOBNN_AXE_CHECK=off skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export MPLBACKEND=Agg PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
OUT=${CI_OUT:-$ROOT/.ci/out}
RENDER=${1:-smalldocs}
case "$RENDER" in smalldocs|quarto) ;; *) echo "usage: bash .ci/docs.sh [smalldocs|quarto]; got '$RENDER'"; exit 2;; esac
AXE_CHECK=${BLOBNN_AXE_CHECK:-on}
case "$AXE_CHECK" in on) AXE=(--axe) ;; off) AXE=() ;; *) echo "BLOBNN_AXE_CHECK is on or off; got '$AXE_CHECK'"; exit 2;; esac
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import nbdev, playwright' 2>/dev/null; then
  echo "=== no usable .venv: torch==2.13.0 (CPU), then the project with its lock ==="
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q ${BLOBNN_TORCH_INDEX:+--index-url "$BLOBNN_TORCH_INDEX"} torch==2.13.0
  PIP_CONSTRAINT="$ROOT/requirements-lock.txt" .venv/bin/pip install -q -e ".[dev]"
fi
export PATH="$ROOT/.venv/bin:$PATH"

missing=()
if [ "${BLOBNN_CHROMIUM:-}" = playwright ]; then
  python -m playwright install --with-deps chromium
elif [ -z "${BLOBNN_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)   # Debian's Chromium (no browser download)
fi
[ "$RENDER" = quarto ] || [ -f /usr/share/javascript/katex/katex.min.js ] || missing+=(libjs-katex)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ${#AXE[@]} -gt 0 ] && [ -z "${BLOBNN_AXE:-}" ] && [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || { echo "npm is missing: it installs axe-core (axe-core@4) for the accessibility check"; exit 1; }
  echo "installing axe-core (npm axe-core@4) into .cache/axe"
  npm install --no-audit --no-fund --prefix .cache/axe axe-core@4
fi

# check SITE SHOTS: the site, then a copy with planted faults that the checks must all find (--self-test)
check() {
  local rc=0
  python tools/check_site.py --site "$1" --shots "$OUT/$2" ${AXE[@]+"${AXE[@]}"} || rc=1
  python tools/check_site.py --site "$1" --shots "$OUT/$2-self-test" --self-test ${AXE[@]+"${AXE[@]}"} || rc=1
  return $rc
}

if [ "$RENDER" = smalldocs ]; then
  python tools/render_docs.py --force --quiet
  check _site site
  exit
fi

# Quarto: the render that deploys
command -v quarto >/dev/null || { echo "Quarto is not on PATH (nbdev_docs would try to download it): install" \
  "Quarto 1.7.34 (on GitHub: quarto-dev/quarto-actions/setup), or run 'bash .ci/docs.sh' for the offline render"; exit 1; }
if [ -z "${BLOBNN_MATHJAX:-}" ] && [ ! -f .cache/mathjax/node_modules/mathjax/es5/tex-chtml-full.js ]; then
  command -v npm >/dev/null || { echo "npm is missing: it installs MathJax 3 (mathjax@3) to check the maths offline"; exit 1; }
  echo "installing MathJax 3 (npm mathjax@3) into .cache/mathjax"
  npm install --no-audit --no-fund --prefix .cache/mathjax mathjax@3
fi
echo "quarto $(quarto --version)"
QUARTO_PYTHON="$ROOT/.venv/bin/python" nbdev_docs
test -f _docs/index.html || { echo "nbdev_docs wrote no _docs/index.html"; exit 1; }
check _docs site-quarto
