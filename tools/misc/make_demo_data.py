# Copyright (c) tstkd_plugin contributors.
"""Write the demo datasets from scikit-learn's bundled handwritten digits.

The 1,797 digits (real 8x8 scans, values 0..16) are split once, per class, into
a train and a val pool that share no source image; every dataset below draws
its train split only from the train pool and its val split only from the val
pool. Three datasets are written, each in a format an mm library reads
natively:

- ``cls/``: mmpretrain ``CustomDataset`` (``meta/{train,val}.txt`` with
  ``<relative path> <label>`` lines), RGB images of ``--cls-size`` pixels.
- ``det/``: COCO detection (``annotations/instances_{train,val}.json`` and
  ``{train,val}/*.png``), several digits pasted at random scales and places on
  each canvas, one box and class per digit; read by mmdet's ``CocoDataset``.
- ``seg/``: the Cityscapes layout
  (``leftImg8bit/{split}/<city>/*_leftImg8bit.png``
  and ``gtFine/{split}/<city>/*_gtFine_labelTrainIds.png``); trainId 0 is the
  background, ``1 + d`` the digit ``d`` and 255 (ignored) the soft rim of each
  stroke; read by mmseg's ``CityscapesDataset`` with its first 11 classes.

The output is a pure function of ``--seed``: running the tool twice gives the
same bytes.

Example:
    python tools/misc/make_demo_data.py --out data/demo
"""
import argparse
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image

NUM_CLASSES = 10
SEG_CITY = 'digitcity'
IGNORE_INDEX = 255


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/demo', help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--val-fraction',
        type=float,
        default=0.2,
        help='share of each class held out as the val pool')
    parser.add_argument('--cls-size', type=int, default=32)
    parser.add_argument('--det-size', type=int, default=128)
    parser.add_argument(
        '--seg-size', type=int, nargs=2, default=(64, 128), metavar=('H', 'W'))
    parser.add_argument(
        '--limit',
        type=int,
        default=None,
        help='use only the first N digits of each pool (quick tests)')
    return parser.parse_args()


def load_digits() -> Tuple[np.ndarray, np.ndarray]:
    """Digits as float images in [0, 1] and their labels."""
    from sklearn.datasets import load_digits as sk_load_digits
    digits = sk_load_digits()
    return digits.images.astype(np.float32) / 16.0, digits.target.astype(int)


def split_pools(labels: np.ndarray, val_fraction: float,
                rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Split source indices per class into disjoint train and val pools."""
    train, val = [], []
    for c in range(NUM_CLASSES):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_val = int(round(len(idx) * val_fraction))
        val.extend(idx[:n_val].tolist())
        train.extend(idx[n_val:].tolist())
    return dict(
        train=rng.permutation(np.array(train)),
        val=rng.permutation(np.array(val)))


def resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bicubic resize of a [0, 1] float image, clipped back to [0, 1]."""
    pil = Image.fromarray(img.astype(np.float32), mode='F')
    out = np.asarray(pil.resize((width, height), Image.BICUBIC))
    return np.clip(out, 0.0, 1.0)


def to_rgb_uint8(gray: np.ndarray, color: np.ndarray) -> np.ndarray:
    return np.clip(gray[..., None] * color[None, None] * 255.0, 0,
                   255).round().astype(np.uint8)


def save_png(array: np.ndarray, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path, optimize=False)


def write_classification(out: str, images: np.ndarray, labels: np.ndarray,
                         pools: Dict[str, np.ndarray], size: int) -> None:
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    white = np.ones(3, dtype=np.float32)
    for split, pool in pools.items():
        lines = []
        for src in pool:
            rel = f'{labels[src]}/digit_{src:04d}.png'
            save_png(
                to_rgb_uint8(resize(images[src], size, size), white),
                osp.join(out, split, rel))
            lines.append(f'{rel} {labels[src]}')
        with open(osp.join(out, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    with open(osp.join(out, 'meta', 'classes.txt'), 'w') as f:
        f.write('\n'.join(str(c) for c in range(NUM_CLASSES)) + '\n')


def place_digits(canvas_hw: Tuple[int, int], sources: List[int],
                 images: np.ndarray, rng: np.random.Generator, min_side: int,
                 max_side: int) -> List[Tuple[int, np.ndarray, int, int]]:
    """Choose a scale and a free place for each digit (no overlaps).

    Returns:
        list: ``(source index, resized digit, top, left)`` per placed digit.
    """
    height, width = canvas_hw
    occupied = np.zeros(canvas_hw, dtype=bool)
    placed = []
    for src in sources:
        for _ in range(50):
            side = int(rng.integers(min_side, max_side + 1))
            top = int(rng.integers(0, height - side + 1))
            left = int(rng.integers(0, width - side + 1))
            if not occupied[top:top + side, left:left + side].any():
                occupied[top:top + side, left:left + side] = True
                placed.append((src, resize(images[src], side,
                                           side), top, left))
                break
    return placed


def group_sources(pool: np.ndarray, rng: np.random.Generator, low: int,
                  high: int) -> List[List[int]]:
    """Cut a pool into consecutive groups of ``low..high`` digits."""
    groups, start = [], 0
    while start < len(pool):
        n = int(rng.integers(low, high + 1))
        groups.append(pool[start:start + n].tolist())
        start += n
    return groups


def random_colors(n: int, rng: np.random.Generator) -> np.ndarray:
    """Bright stroke colours: each channel in [0.35, 1]."""
    return rng.uniform(0.35, 1.0, size=(n, 3)).astype(np.float32)


def background(hw: Tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A dark, slightly noisy background, so the black is not a giveaway."""
    return rng.uniform(0.0, 0.12, size=(*hw, 3)).astype(np.float32)


def write_detection(out: str, images: np.ndarray, labels: np.ndarray,
                    pools: Dict[str, np.ndarray], size: int,
                    rng: np.random.Generator) -> None:
    categories = [dict(id=c + 1, name=str(c)) for c in range(NUM_CLASSES)]
    os.makedirs(osp.join(out, 'annotations'), exist_ok=True)
    ann_id = 1
    for split, pool in pools.items():
        coco = dict(images=[], annotations=[], categories=categories)
        for img_id, group in enumerate(group_sources(pool, rng, 2, 4), 1):
            canvas = background((size, size), rng)
            placed = place_digits((size, size), group, images, rng, size // 6,
                                  size * 3 // 8)
            colors = random_colors(len(placed), rng)
            for (src, digit, top, left), color in zip(placed, colors):
                side = digit.shape[0]
                region = canvas[top:top + side, left:left + side]
                np.maximum(region, digit[..., None] * color, out=region)
                ys, xs = np.nonzero(digit > 0.2)
                x0, y0 = left + xs.min(), top + ys.min()
                w, h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
                coco['annotations'].append(
                    dict(
                        id=ann_id,
                        image_id=img_id,
                        category_id=int(labels[src]) + 1,
                        bbox=[int(x0), int(y0),
                              int(w), int(h)],
                        area=int(w * h),
                        iscrowd=0,
                        source_index=int(src)))
                ann_id += 1
            file_name = f'{img_id:05d}.png'
            save_png((canvas * 255).round().astype(np.uint8),
                     osp.join(out, split, file_name))
            coco['images'].append(
                dict(id=img_id, file_name=file_name, width=size, height=size))
        with open(
                osp.join(out, 'annotations', f'instances_{split}.json'),
                'w') as f:
            json.dump(coco, f)


def write_segmentation(out: str, images: np.ndarray, labels: np.ndarray,
                       pools: Dict[str, np.ndarray], hw: Tuple[int, int],
                       rng: np.random.Generator) -> None:
    height, width = hw
    for split, pool in pools.items():
        sources_of = {}
        for frame, group in enumerate(group_sources(pool, rng, 2, 4)):
            canvas = background(hw, rng)
            label = np.zeros(hw, dtype=np.uint8)
            placed = place_digits(hw, group, images, rng, height // 3,
                                  height * 3 // 4)
            colors = random_colors(len(placed), rng)
            for (src, digit, top, left), color in zip(placed, colors):
                side = digit.shape[0]
                region = canvas[top:top + side, left:left + side]
                np.maximum(region, digit[..., None] * color, out=region)
                lab = label[top:top + side, left:left + side]
                # The soft rim of a stroke is neither digit nor background.
                lab[digit > 0.15] = IGNORE_INDEX
                lab[digit > 0.5] = labels[src] + 1
            stem = f'{SEG_CITY}_000000_{frame:06d}'
            save_png((canvas * 255).round().astype(np.uint8),
                     osp.join(out, 'leftImg8bit', split, SEG_CITY,
                              f'{stem}_leftImg8bit.png'))
            save_png(
                label,
                osp.join(out, 'gtFine', split, SEG_CITY,
                         f'{stem}_gtFine_labelTrainIds.png'))
            sources_of[stem] = [int(p[0]) for p in placed]
        with open(osp.join(out, f'sources_{split}.json'), 'w') as f:
            json.dump(sources_of, f)


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    images, labels = load_digits()
    pools = split_pools(labels, args.val_fraction, rng)
    if args.limit:
        pools = {k: v[:args.limit] for k, v in pools.items()}
    if osp.isdir(args.out):
        shutil.rmtree(args.out)
    # One generator per dataset, so each one does not depend on the others.
    seeds = np.random.SeedSequence(args.seed).spawn(2)
    write_classification(
        osp.join(args.out, 'cls'), images, labels, pools, args.cls_size)
    write_detection(
        osp.join(args.out, 'det'), images, labels, pools, args.det_size,
        np.random.default_rng(seeds[0]))
    write_segmentation(
        osp.join(args.out, 'seg'), images, labels, pools, tuple(args.seg_size),
        np.random.default_rng(seeds[1]))
    with open(osp.join(args.out, 'pools.json'), 'w') as f:
        json.dump({k: v.tolist() for k, v in pools.items()}, f)
    print(f'demo data written to {args.out}: '
          f'{len(pools["train"])} train / {len(pools["val"])} val digits')


if __name__ == '__main__':
    main()
