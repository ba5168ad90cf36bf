# Demo segmentation teacher: PSPNet with a dilated ResNet-18 (V1c) of width
# 32, trained from scratch on the demo digit canvases (64x128). From scratch,
# AdamW learns the digits' identity within the demo budget; SGD (lr 0.02 to
# 0.05, up to 2000 iterations at 128x256) only separated strokes from the
# background (mIoU ~10).
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
    '../../_base_/datasets/digits_seg.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py',
]
# BN, not SyncBN: SyncBN needs GPUs when training on several processes.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    mean=[26.0, 26.0, 26.0], std=[36.0, 36.0, 36.0], size=(64, 128))
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        depth=18, stem_channels=32, base_channels=32, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=256, channels=64, num_classes=11, norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=128, channels=32, num_classes=11, norm_cfg=norm_cfg))

max_iters = 1500
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
# short CPU runs
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
randomness = dict(seed=0)
