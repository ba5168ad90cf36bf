# Demo classification data: tools/misc/make_demo_data.py writes it from
# scikit-learn's handwritten digits (real 8x8 scans upscaled to 32x32 RGB) as
# an mmpretrain CustomDataset. It overrides the CIFAR-10 data of mmpretrain's
# own cifar10_bs16 base.
_base_ = 'mmpretrain::_base_/datasets/cifar10_bs16.py'

data_root = 'data/demo/cls'
classes = ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')

data_preprocessor = dict(
    num_classes=10,
    # mean/std of the demo training images (tools/misc/make_demo_data.py)
    mean=[79.0, 79.0, 79.0],
    std=[89.0, 89.0, 89.0],
    to_rgb=False)

# No flips: a mirrored digit is another symbol.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        _scope_='mmpretrain',
        type='CustomDataset',
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train',
        classes=classes,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        _scope_='mmpretrain',
        type='CustomDataset',
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='val',
        classes=classes,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
