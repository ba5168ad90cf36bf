#!/usr/bin/env bash
# Create or refresh a virtual environment with one of the tested CPU stacks.
#
#   tools/misc/setup_env.sh          the pinned stack in .venv/        (torch 2.14.1)
#   tools/misc/setup_env.sh oldest   the oldest supported in .venv-oldest/ (torch 2.1.2)
#
# mmcv 2.1.0 has no wheel on PyPI for these torches, so it is built from its sdist
# with CPU ops once per torch (about 15 minutes on 2 cores) and the wheel is cached
# outside the repo, keyed by the torch and Python versions; later set-ups reuse it.
set -euo pipefail
cd "$(dirname "$0")/../.."

STACK=${1:-pinned}
case "$STACK" in
  pinned)
    VENV=.venv REQUIREMENTS=requirements/pinned.txt
    TORCH_VERSION=${TORCH_VERSION:-2.14.1} TORCHVISION_VERSION=${TORCHVISION_VERSION:-0.29.1} ;;
  oldest)
    VENV=.venv-oldest REQUIREMENTS=requirements/pinned-oldest.txt
    TORCH_VERSION=2.1.2 TORCHVISION_VERSION=0.16.2 ;;
  *) echo "usage: $0 [pinned|oldest]" >&2; exit 2 ;;
esac
MMCV_VERSION=2.1.0
PYTHON=${PYTHON:-python3.11}
CACHE_DIR=${TSTKD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tstkd_plugin}
STAMP=$VENV/.tstkd-setup-stamp

# The stamp records what the environment was built from; a change refreshes it.
want_stamp=$(cat "$REQUIREMENTS" requirements/runtime.txt setup.py tools/misc/setup_env.sh | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
  echo "[setup] $VENV is up to date"
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip 'setuptools<81' wheel

echo "[setup] $VENV: torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION"
$PIP install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"

py_tag=$($VENV/bin/python -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
wheel_dir="$CACHE_DIR/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$py_tag"
if ! ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
  echo "[setup] building mmcv $MMCV_VERSION with CPU ops (one time, ~15 min) into $wheel_dir"
  build=$(mktemp -d)
  $PIP download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VERSION" -d "$build"
  tar -xzf "$build"/mmcv-$MMCV_VERSION.tar.gz -C "$build"
  # Newer torch headers (2.14 among them) require C++20; mmcv 2.1.0's setup.py
  # asks for C++17. Patch only where this torch's headers say so.
  torch_include=$($VENV/bin/python -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))')
  if grep -qs "C++20 or later compatible compiler is required" "$torch_include/ATen/ATen.h"; then
    sed -i "s/'-std=c++17'/'-std=c++20'/g" "$build/mmcv-$MMCV_VERSION/setup.py"
  fi
  # Python's CFLAGS carry -g: debug info for the torch templates more than
  # halves the build's speed (a typical op: 56 s with it, 24 s without, -O3
  # kept) and nobody debugs the wheel; -g0 after it wins.
  sed -i "s/\(extra_compile_args\['cxx'\] = \['-std=c++[0-9]*'\)\]/\1, '-g0']/" \
    "$build/mmcv-$MMCV_VERSION/setup.py"
  grep -q "'-g0'" "$build/mmcv-$MMCV_VERSION/setup.py"
  $PIP install -q ninja 'setuptools<81'
  mkdir -p "$wheel_dir.partial"
  MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
    $PIP wheel --no-build-isolation --no-deps -w "$wheel_dir.partial" "$build/mmcv-$MMCV_VERSION"
  # Publish atomically so an interrupted build is never taken for a finished one.
  rm -rf "$wheel_dir" && mv "$wheel_dir.partial" "$wheel_dir"
  rm -rf "$build"
fi
# One resolver pass: the cached mmcv wheel, its requirements and the pins.
$PIP install -q "$wheel_dir"/mmcv-*.whl -r "$REQUIREMENTS" \
  "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
# openmim 0.3.9 (for `mim search`, tested) declares openxlab, which pins
# setuptools 60: too old for editable installs (PEP 660 needs 64). mim's
# search does not import it, so openmim goes in without its declared
# dependencies; the ones it imports are in the requirements file.
$PIP install -q --no-deps openmim==0.3.9
# Editable: the tests and tools run the code of this checkout. Without
# --no-deps, so that setup.py's ranges are checked against the stack.
$PIP install -q --no-build-isolation -e .
$VENV/bin/python -c "import tstkd_plugin, mmcv.ops, torch, kornia; print('[setup] ok: tstkd_plugin', tstkd_plugin.__version__, 'torch', torch.__version__, 'kornia', kornia.__version__)"
echo "$want_stamp" > "$STAMP"
