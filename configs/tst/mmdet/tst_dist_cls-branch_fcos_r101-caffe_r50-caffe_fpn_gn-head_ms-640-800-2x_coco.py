# Our extension of the reference (which distils with KL: the tst_kd_ config).
# TST + DIST, COCO 2x: FCOS R101 -> FCOS R50 (caffe backbones, FPN, GN head,
# multi-scale 640-800). DIST on the classification branch of the 5 FPN
# levels ((B, C, H, W) sigmoid logits per level, tau 1, weight 1) in the
# student step; TST's augmenter with boxes following its geometric ops;
# augmenter phases before epochs 6 and 12 of 24, one pass each. The loader
# yields 2 originals per GPU (2 + 2 augmented for the student, 8 GPUs), fp16.
# Teacher: mmdet zoo fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco, box AP
# 40.8; the student alone (mmdet recipe) 38.5.
_base_ = [
    'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
    '../../_base_/tst/tst_augmenter.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/fcos/fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco/fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco-511424d6.pth'  # noqa: E501
fpn_levels = 5

train_dataloader = dict(batch_size=2)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='DenseTSTDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path=
        'mmdet::fcos/fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    # the reference's Cutout(128): 0.16 of the 800-pixel shorter side
    augmenter=dict(_base_.tst_augmenter, cutout_size=0.16),
    distiller=dict(
        type='ConfigurableDistiller',
        # conv_cls is shared by the FPN levels: one record per level
        student_recorders=dict(
            cls=dict(type='ModuleOutputs', source='bbox_head.conv_cls')),
        teacher_recorders=dict(
            cls=dict(type='ModuleOutputs', source='bbox_head.conv_cls')),
        distill_losses={
            f'loss_dist_fpn{i}':
            dict(
                type='DISTKDLoss',
                activation='sigmoid',
                tau=1,
                loss_weight=1.0)
            for i in range(fpn_levels)
        },
        loss_forward_mappings={
            f'loss_dist_fpn{i}':
            dict(
                preds_S=dict(from_student=True, recorder='cls', record_idx=i),
                preds_T=dict(from_student=False, recorder='cls', record_idx=i))
            for i in range(fpn_levels)
        }))
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

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 8 GPUs x 2 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=16)
