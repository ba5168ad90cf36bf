# Demo segmentation data: tools/misc/make_demo_data.py pastes 2-4 real handwritten
# digits (sklearn, 21-48 px) on 64x128 canvases and writes them in the Cityscapes
# layout (leftImg8bit/, gtFine/*_labelTrainIds.png), read by mmseg's
# CityscapesDataset and scored by IoUMetric. It overrides the Cityscapes data
# of mmseg's own cityscapes base.
_base_ = 'mmseg::_base_/datasets/cityscapes.py'
#
# The labels reuse Cityscapes' first 11 trainIds: 0 is the background and
# 1 + d the digit d (255 marks the soft rim of strokes, ignored). The dataset
# keeps Cityscapes' names for those 11 classes, because CityscapesDataset only
# accepts a subset of its own class names.
data_root = 'data/demo/seg/'
metainfo = dict(
    classes=('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
             'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky'))
num_classes = 11
crop_size = (64, 128)

# No flips: a mirrored digit is another symbol.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(128, 64),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader
