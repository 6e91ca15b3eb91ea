#!/usr/bin/env bash
# The web page in a real browser: Debian's chromium driven by chromium-driver over WebDriver
# (Python selenium in the test venv) against a running `sismatch demo`; screenshots of every
# page go to target/browser/.
#
#   bash tests/python/browser.sh [PYTEST ARGS...]    (or `make test-browser`, which installs
#                                                     chromium and chromium-driver when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."

source tests/python/setup.sh

# No __pycache__ or .pytest_cache in the work tree.
PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest -p no:cacheprovider -v "$here/test_browser.py" "$@"
echo "screenshots: ${SISMATCH_SCREENSHOTS:-target/browser}/"
