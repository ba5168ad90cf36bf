# Copyright (c) tstkd_plugin contributors.
"""The demo data: disjoint splits, determinism, readable by the mm datasets."""
import glob
import hashlib
import json
import os.path as osp

import numpy as np
from PIL import Image

from conftest import run_python


def _digest(root: str) -> str:
    h = hashlib.sha256()
    for path in sorted(glob.glob(osp.join(root, '**', '*'), recursive=True)):
        if osp.isfile(path):
            h.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def test_splits_share_no_source_image(demo_data):
    with open(osp.join(demo_data, 'pools.json')) as f:
        pools = json.load(f)
    assert len(pools['train']) == len(pools['val']) == 120
    assert not set(pools['train']) & set(pools['val'])
    # every dataset's split draws only from its own pool
    for split in ('train', 'val'):
        with open(
                osp.join(demo_data, 'det', 'annotations',
                         f'instances_{split}.json')) as f:
            det_sources = {
                a['source_index']
                for a in json.load(f)['annotations']
            }
        with open(osp.join(demo_data, 'seg', f'sources_{split}.json')) as f:
            seg_sources = {s for v in json.load(f).values() for s in v}
        with open(osp.join(demo_data, 'cls', 'meta', f'{split}.txt')) as f:
            cls_sources = {int(line.split('_')[1][:4]) for line in f}
        for sources in (det_sources, seg_sources, cls_sources):
            assert sources and sources <= set(pools[split])


def test_generation_is_deterministic(tmp_path):
    outs = []
    for name in ('a', 'b'):
        out = str(tmp_path / name)
        result = run_python(
            ['tools/misc/make_demo_data.py', '--out', out, '--limit', '30'])
        assert result.returncode == 0, result.stderr
        outs.append(_digest(out))
    assert outs[0] == outs[1]


def test_mmpretrain_reads_classification(demo_data):
    from mmpretrain.datasets import CustomDataset
    ds = CustomDataset(
        data_root=osp.join(demo_data, 'cls'),
        ann_file='meta/train.txt',
        data_prefix='train',
        classes=[str(c) for c in range(10)],
        pipeline=[dict(type='LoadImageFromFile')])
    assert len(ds) == 120
    sample = ds[0]
    assert sample['img'].shape == (32, 32, 3)
    assert 0 <= sample['gt_label'] < 10
    assert len(set(ds.get_gt_labels().tolist())) == 10


def test_mmdet_reads_and_scores_detection(demo_data):
    from mmdet.datasets import CocoDataset
    from mmdet.evaluation import CocoMetric
    root = osp.join(demo_data, 'det')
    ds = CocoDataset(
        data_root=root,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        metainfo=dict(classes=tuple(str(c) for c in range(10))),
        test_mode=True,
        pipeline=[])
    assert len(ds) > 10
    info = ds.get_data_info(0)
    assert 2 <= len(info['instances']) <= 4
    for inst in info['instances']:
        x0, y0, x1, y1 = inst['bbox']
        assert 0 <= x0 < x1 <= 128 and 0 <= y0 < y1 <= 128
    # predicting the ground truth scores mAP 1.0: boxes and ids line up
    metric = CocoMetric(
        ann_file=osp.join(root, 'annotations', 'instances_val.json'))
    metric.dataset_meta = ds.metainfo
    import torch
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        boxes = torch.tensor([inst['bbox'] for inst in info['instances']],
                             dtype=torch.float32)
        labels = torch.tensor(
            [inst['bbox_label'] for inst in info['instances']])
        metric.process({}, [
            dict(
                img_id=info['img_id'],
                ori_shape=(128, 128),
                pred_instances=dict(
                    bboxes=boxes,
                    labels=labels,
                    scores=torch.ones(len(labels))))
        ])
    result = metric.evaluate(len(ds))
    assert result['coco/bbox_mAP'] > 0.99


def test_mmseg_reads_segmentation(demo_data):
    from mmseg.datasets import CityscapesDataset
    classes = CityscapesDataset.METAINFO['classes'][:11]
    ds = CityscapesDataset(
        data_root=osp.join(demo_data, 'seg'),
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        metainfo=dict(classes=classes),
        pipeline=[])
    assert len(ds) > 10
    info = ds.get_data_info(0)
    label = np.asarray(Image.open(info['seg_map_path']))
    image = np.asarray(Image.open(info['img_path']))
    assert label.shape == image.shape[:2] == (64, 128)
    values = set(np.unique(label).tolist())
    assert 0 in values and 255 in values and values - {0, 255}
    assert values <= set(range(11)) | {255}
    # the first 11 Cityscapes ids map to themselves
    assert all(ds.label_map[i] == i for i in range(11)) \
        if ds.label_map else True
