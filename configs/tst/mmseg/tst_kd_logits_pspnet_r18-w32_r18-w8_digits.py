# TST + vanilla KD on the demo segmentation digits: PSPNet R18-d8 w32 -> w8.
# The KD demo config with a learnable augmenter trained against the student;
# label maps follow its geometric ops (DenseTSTDistill). Iteration-based
# phases: before iterations 250, 500 and 750 of 1000, one pass each (the
# Cityscapes 80k schedule: three phases, one pass). The loader yields B/2 = 8
# originals; the student sees [augmented; original] = 16 canvases per step.
_base_ = [
    '../../baselines/mmseg/kd_logits_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/tst/tst_augmenter.py'
]

train_dataloader = dict(batch_size=8)
model = dict(type='DenseTSTDistill', augmenter=_base_.tst_augmenter)

optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    augmenter=_base_.tst_dense_augmenter_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, augmenter=[])
train_cfg = dict(
    type='mmrazor.TSTIterBasedTrainLoop',
    augment_iters=[250, 500, 750],
    passes=1)
model_wrapper_cfg = _base_.tst_model_wrapper_cfg
# --auto-scale-lr: originals per step, 1 GPU x 8 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=8)
