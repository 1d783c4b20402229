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
if ! log=$(.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,ray]' 2>&1); then
    echo "$log" >&2
    echo "setup failed: could not install paxoscope into .venv" >&2
    exit 1
fi
# Debian packages the tools need: install PACKAGE when PROGRAM is missing (root, or sudo).
# PROGRAM is a command on PATH or, when it holds a slash, a file that PACKAGE installs.
apt_install() {
    local program=$1 package=$2 sudo="" log
    if [[ $program == */* ]]; then
        [ -e "$program" ] && return 0
    else
        command -v "$program" >/dev/null 2>&1 && return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    if ! log=$($sudo apt-get install -y -qq "$package" 2>&1); then
        if ! log=$($sudo apt-get update -qq 2>&1 && $sudo apt-get install -y -qq "$package" 2>&1); then
            echo "$log" >&2
            echo "setup failed: could not install $package (apt-get install $package)" >&2
            exit 1
        fi
    fi
}
apt_install dot graphviz        # renders counterexample graphs and message-sequence charts
apt_install chromium chromium   # the tests open the HTML explorer in a real headless browser
apt_install javac default-jdk-headless  # compiles tests/compat's Java client
# Apache ZooKeeper: zkCli.sh and the jars for tests/compat, the ensemble benchmarks/zk_compare.py
# runs against (zkCli.sh is not on PATH: it lives under /usr/share/zookeeper/bin)
apt_install /usr/share/zookeeper/bin/zkCli.sh zookeeper
