# SoKD, COCO 2x: Faster R-CNN R101-FPN -> R50-FPN with SoKD on the five FPN
# levels (256 channels; one adapter, policy and DAM shared by the levels) and
# no logit loss: the reference's detection setting (a DAM branch on Faster
# R-CNN FPN features). The policy is searched in the first 2 of 24 epochs
# (first order; reference Adam), then frozen and still sampled. A logit host
# is added like in the other tasks, in distiller.distill_losses.
# Teacher: mmdet zoo Faster R-CNN R101 2x, bbox mAP 39.8; student alone
# (mmdet's 2x recipe) 38.4. SoKD's COCO numbers are not retrievable here.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501
fpn_levels = 5

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SoKDDistill',
    search_epochs=2,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='SoKDDistiller',
        student_recorders=dict(
            sokd_fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(
            sokd_fpn=dict(type='ModuleOutputs', source='neck')),
        connectors=dict(
            sokd_fpn_adapter=dict(
                type='ConvModuleConnector',
                in_channel=256,
                out_channel=256,
                kernel_size=1,
                norm_cfg=dict(type='BN'),
                act_cfg=dict(type='ReLU'))),
        sokd_pairs=dict(
            fpn=dict(
                student_recorder='sokd_fpn',
                teacher_recorder='sokd_fpn',
                connector='sokd_fpn_adapter',
                channels=256,
                data_idx=list(range(fpn_levels)))),
        feature_augment=_base_.sokd_feature_augment,
        dam=dict(
            type='DistinctiveAreaDetector', feat_channels=64, num_peaks=8),
        loss_feat=dict(type='MaskedMSELoss', loss_weight=1.0)))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
