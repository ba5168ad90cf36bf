# TST + vanilla KD on the demo digits: ResNet-18 w32 -> ResNet-18 w8. The
# KD demo config with a learnable augmenter trained against the student in
# two phases (before epochs 2 and 5, 2 passes each; the paper: CIFAR-100
# epochs 30 and 90, 30 passes). The loader yields B/2 = 16 originals; the
# student sees [augmented; original] = 32 images per step.
_base_ = [
    '../../baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/tst/tst_augmenter.py'
]

train_dataloader = dict(batch_size=16)
model = dict(type='TSTDistill', augmenter=_base_.tst_augmenter)

# one optimizer each: the student's as in the KD config, the augmenter's as
# in the reference (SGD lr 0.01, momentum 0.9, no weight decay, grad norm 20)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4)),
    augmenter=_base_.tst_augmenter_optim_wrapper)
param_scheduler = dict(
    _delete_=True,
    architecture=dict(
        type='CosineAnnealingLR', by_epoch=True, T_max=_base_.max_epochs),
    augmenter=[])
train_cfg = dict(
    _base_.tst_demo_train_loop,
    _delete_=True,
    max_epochs=_base_.train_cfg.max_epochs,
    val_interval=_base_.train_cfg.val_interval)

model_wrapper_cfg = _base_.tst_model_wrapper_cfg
# --auto-scale-lr: originals per step, 1 GPU x 16 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=16)
