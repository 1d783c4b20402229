#!/usr/bin/env bash
# Create .venv (if missing) and install paxoscope with its development tools into it.
# Idempotent: a second run only checks that everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# pip's output is shown only when the install fails (this machine's pip prints harmless warnings).
if ! log=$(.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1); then
    echo "$log" >&2
    echo "setup failed: could not install paxoscope into .venv" >&2
    exit 1
fi
# graphviz's `dot` renders counterexample graphs (--cti-out FILE.svg); Debian packages it.
if ! command -v dot >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    if ! log=$($sudo apt-get install -y -qq graphviz 2>&1); then
        if ! log=$($sudo apt-get update -qq 2>&1 && $sudo apt-get install -y -qq graphviz 2>&1); then
            echo "$log" >&2
            echo "setup failed: could not install graphviz (apt-get install graphviz)" >&2
            exit 1
        fi
    fi
fi
# Debian's chromium: the tests open the HTML explorer in a real headless browser.
if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    if ! log=$($sudo apt-get install -y -qq chromium 2>&1); then
        if ! log=$($sudo apt-get update -qq 2>&1 && $sudo apt-get install -y -qq chromium 2>&1); then
            echo "$log" >&2
            echo "setup failed: could not install chromium (apt-get install chromium)" >&2
            exit 1
        fi
    fi
fi
