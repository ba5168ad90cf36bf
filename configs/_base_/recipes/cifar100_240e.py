# The CIFAR-100 recipe of the distillation papers' tables (CRD's, which DIST
# and TST follow): random crop 32 with padding 4 and flip, batch 64, SGD lr
# 0.05 (0.01 for MobileNetV2 and the ShuffleNets), momentum 0.9, weight
# decay 5e-4, 240 epochs, lr x 0.1 at epochs 150, 180 and 210.
_base_ = [
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]

max_epochs = 240
train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2))
