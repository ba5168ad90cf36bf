# TST + vanilla KD on the demo detection digits: RetinaNet R18 w32 -> w8. The
# KD demo config with a learnable augmenter trained against the student;
# boxes follow the augmenter's geometric ops (DenseTSTDistill). Augmenter
# phases before epochs 3 and 6 of 12, one pass each (COCO 2x: epochs 6 and
# 12 of 24). The loader yields B/2 = 4 originals; the student sees
# [augmented; original] = 8 images per step, as the KD student.
_base_ = [
    '../../baselines/mmdet/kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
    '../../_base_/tst/tst_augmenter.py'
]

train_dataloader = dict(batch_size=4)
model = dict(type='DenseTSTDistill', augmenter=_base_.tst_augmenter)

optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    augmenter=_base_.tst_dense_augmenter_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, augmenter=[])
train_cfg = dict(
    type='mmrazor.TSTEpochBasedTrainLoop', augment_epochs=[3, 6], passes=1)
model_wrapper_cfg = _base_.tst_model_wrapper_cfg
# --auto-scale-lr: originals per step, 1 GPU x 4 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=4)
