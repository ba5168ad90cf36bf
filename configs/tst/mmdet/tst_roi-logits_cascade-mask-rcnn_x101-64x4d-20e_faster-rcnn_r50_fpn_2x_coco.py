# Our extension of the reference (which distils with KL: the tst_kd_ config).
# TST + DIST, COCO 2x: Cascade Mask R-CNN X101-64x4d 20e -> Faster R-CNN R50
# (FPN). The DIST config of this pair (the teacher, cut to its first stage,
# scores the student's sampled RoIs) with TST's augmenter: boxes follow its
# geometric ops; in the augmenter step the teacher's task losses are its box losses (the student's
# data has no instance masks, so its mask head sits that step out).
# Augmenter phases before epochs 6 and 12 of 24, one pass each. The loader
# yields 2 originals per GPU (2 + 2 augmented for the student, 8 GPUs), fp16.
_base_ = [
    '../../dist/mmdet/'
    'dist_roi-logits_cascade-mask-rcnn_x101-64x4d-20e_faster-rcnn_r50_fpn_2x_coco.py',
    '../../_base_/tst/tst_augmenter.py'
]

train_dataloader = dict(batch_size=2)
# the reference's Cutout(128): 0.16 of the 800-pixel shorter side
model = dict(
    type='TSTStudentRoIsDistill',
    augmenter=dict(_base_.tst_augmenter, cutout_size=0.16))
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    # fp16 with a static loss scale of 512 in both steps, as the reference
    architecture=dict(
        _base_.optim_wrapper, type='AmpOptimWrapper', loss_scale=512.0),
    augmenter=dict(
        _base_.tst_dense_augmenter_optim_wrapper,
        type='AmpOptimWrapper',
        loss_scale=512.0))
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, augmenter=[])
train_cfg = dict(
    type='mmrazor.TSTEpochBasedTrainLoop', augment_epochs=[6, 12], passes=1)
model_wrapper_cfg = _base_.tst_model_wrapper_cfg
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 8 GPUs x 2 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=16)
