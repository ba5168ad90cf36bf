# DIST, COCO: RetinaNet X101-64x4d -> RetinaNet R50 (FPN), 2x schedule. On
# each of the 5 FPN levels the classification branch (B, A*C, H, W) is a
# (B*H*W, A*C) matrix with sigmoid activations; one DIST term per level,
# summed; tau 1, beta = gamma = 1, weight 1.
# Reference bbox mAP (DIST README): student 37.4 -> DIST 39.8 (40.1 with
# mimic). Teacher: mmdet zoo RetinaNet X101-64x4d 1x, 41.0.
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_2x_coco.py']

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_x101_64x4d_fpn_1x_coco/retinanet_x101_64x4d_fpn_1x_coco_20200130-366f5af1.pth'  # noqa: E501
fpn_levels = 5

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls')),
        teacher_recorders=dict(
            cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls')),
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

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
