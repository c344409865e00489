#!/usr/bin/env bash
# Regenerate requirements-lock.txt: install the project's dev environment into a fresh virtual
# environment (torch 2.13.0 first) and pin every package it holds.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q torch==2.13.0
"$venv/bin/pip" install -q -e ".[dev]"
{
  echo "# The tested lock of the blobnn course environment (Python 3.11+), made by tools/lock.sh."
  echo "# Use it as constraints: pip install -e \".[dev]\" -c requirements-lock.txt"
  "$venv/bin/pip" freeze --exclude-editable | grep -viE '^(blobnn|pip|setuptools|wheel)[= @]' | sed -E 's/^torch==([0-9.]+)\+cpu$/torch==\1/'
} > requirements-lock.txt
rm -rf "$(dirname "$venv")"
wc -l requirements-lock.txt
