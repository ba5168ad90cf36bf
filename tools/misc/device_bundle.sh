#!/usr/bin/env bash
# What the device machine needs and lacks, in one ignored folder of the
# checkout (default .device_bundle/), to carry with a device call:
#   wheels/         mmengine, mmpretrain, mmdet, mmseg, mmrazor, kornia and
#                   the small pure-Python dependencies, for CPython 3.12
#                   manylinux x86_64 (the device image's Python; it has
#                   torch, numpy 2, opencv, matplotlib, scipy, rich)
#   mmcv/           mmcv 2.1.0: the wheel of MMCV_WHEEL_DIR if given (e.g.
#                   one built with CUDA ops for that image), else its sdist,
#                   built there without ops in seconds
#   fashion-mnist/  the four IDX files (Debian's dataset-fashion-mnist)
# Then, on the device, from the checkout's root (carry .device_bundle):
#   python tools/misc/gpu_evidence.py --bundle .device_bundle --out $OUT
# Usage: bash tools/misc/device_bundle.sh [OUT] (MMCV_WHEEL_DIR=... optional)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-.device_bundle}
# pip of the pinned stack: mmcv's setup.py needs torch and pkg_resources to
# be downloaded as an sdist (as tools/misc/setup_env.sh does)
PY=${PYTHON:-.venv/bin/python}
FASHION=/usr/share/datasets/fashion-mnist
# the versions of requirements/pinned.txt; the small ones as the first GPU
# run installed them (18 MB together)
WHEELS=(
  mmengine==0.10.7 mmpretrain==1.2.0 mmdet==3.3.0 mmsegmentation==1.2.2
  mmrazor==1.0.0 kornia==0.9.0 kornia_rs==0.2.0 addict==2.4.0 ftfy==6.3.1
  importlib_metadata==10.2.0 lazy-importer==0.1.0 mat4py==0.6.0
  model-index==0.1.11 modelindex==0.0.2 ordered-set==4.1.0
  platformdirs==4.14.9 prettytable==3.19.0 pycocotools==2.0.11
  shapely==2.2.0 termcolor==3.3.0 terminaltables==3.1.10 wcwidth==0.9.4
  yapf==0.43.0 zipp==4.1.2 setuptools==80.9.0 Markdown==3.11.3 click==8.5.1
  tabulate==0.10.0 joblib==1.6.0 threadpoolctl==3.8.0
)
rm -rf "$OUT"
mkdir -p "$OUT/wheels" "$OUT/mmcv" "$OUT/fashion-mnist"
"$PY" -m pip download -q --no-deps --only-binary=:all: \
  --python-version 3.12 --implementation cp --abi cp312 --abi abi3 \
  --abi none --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
  --platform any -d "$OUT/wheels" "${WHEELS[@]}"
if [ -n "${MMCV_WHEEL_DIR:-}" ]; then
  cp "$MMCV_WHEEL_DIR"/mmcv-2.1.0-*cp312*.whl "$OUT/mmcv/"
else
  "$PY" -m pip download -q --no-deps --no-build-isolation --no-binary=:all: \
    -d "$OUT/mmcv" mmcv==2.1.0
fi
if [ ! -d "$FASHION" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist >/dev/null
fi
if [ -d "$FASHION" ]; then
  cp "$FASHION"/*-ubyte* "$OUT/fashion-mnist/"
else
  echo "device_bundle: $FASHION missing (Debian's dataset-fashion-mnist):" \
    "the Fashion-MNIST stage will say so" >&2
fi
ls "$OUT"/wheels "$OUT"/mmcv "$OUT"/fashion-mnist
SIZE_KB=$(du -sk "$OUT" | cut -f1)
echo "device_bundle: $OUT holds $((SIZE_KB / 1024)) MiB ($SIZE_KB KiB);" \
  "with the checkout it must stay under the device's 64 MiB"
if [ "$SIZE_KB" -gt $((58 * 1024)) ]; then
  echo "device_bundle: over 58 MiB: leaves too little for the checkout" >&2
  exit 1
fi
