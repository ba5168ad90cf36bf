# DIST, COCO: Cascade Mask R-CNN X101-32x4d -> Faster R-CNN R50 (FPN), 2x.
# RoI classification logits (R, C+1), softmax; the teacher's RoI head scores
# the student's sampled RoIs (StudentRoIsDistill), each of its 3 cascade
# stages on the same RoIs, one DIST term per stage with weight 1/3;
# tau 1, beta = gamma = 1.
# Reference bbox mAP (DIST README): student 38.4 -> DIST 40.4 (41.8 with
# mimic). Teacher: mmdet zoo Cascade Mask R-CNN X101-32x4d 1x, 44.3 (the
# reference's exact teacher checkpoint is not in the mmdet zoo).
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py']

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/cascade_rcnn/cascade_mask_rcnn_x101_32x4d_fpn_1x_coco/cascade_mask_rcnn_x101_32x4d_fpn_1x_coco_20200201-0f411b1f.pth'  # noqa: E501
cascade_stages = 3

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='StudentRoIsDistill',
    student_rois_source='roi_head.bbox_roi_extractor',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::cascade_rcnn/cascade-mask-rcnn_x101-32x4d_fpn_1x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            roi_logits=dict(
                type='ModuleOutputs', source='roi_head.bbox_head.fc_cls')),
        teacher_recorders={
            f'roi_logits{s}': dict(
                type='ModuleOutputs', source=f'roi_head.bbox_head.{s}.fc_cls')
            for s in range(cascade_stages)
        },
        distill_losses={
            f'loss_dist_stage{s}': dict(
                type='DISTKDLoss', tau=1, loss_weight=1.0 / cascade_stages)
            for s in range(cascade_stages)
        },
        loss_forward_mappings={
            f'loss_dist_stage{s}': dict(
                preds_S=dict(from_student=True, recorder='roi_logits'),
                preds_T=dict(from_student=False, recorder=f'roi_logits{s}'))
            for s in range(cascade_stages)
        }))

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
