# DIST, COCO: Cascade Mask R-CNN X101-64x4d 20e -> Faster R-CNN R50 (FPN),
# mmdet 2x (8 GPUs x 2, lr 0.02, as the reference's schedule_2x). The
# reference's teacher (MasKD mmrazor/configs/distill/dist/
# dist_cascade_mask_rcnn_x101-fpn_x50_coco.py), cut to its first stage: the
# teacher's stage-0 RoI head scores the student's sampled RoIs
# (StudentRoIsDistill, teacher_stages=[0]; stages 1-2 and the mask head are
# loaded, so that the checkpoint loads strictly, but never run). DIST on the
# RoI classification logits (R, C+1), softmax, tau 1, beta = gamma = 1,
# weight 1.
# Reference bbox mAP (DIST README): student 38.4 -> DIST 40.4 (41.8 with
# mimic). Teacher: mmdet zoo Cascade Mask R-CNN X101-64x4d 20e, 45.6 (the
# reference's checkpoint).
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py']

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/cascade_rcnn/cascade_mask_rcnn_x101_64x4d_fpn_20e_coco/cascade_mask_rcnn_x101_64x4d_fpn_20e_coco_20200512_161033-bdb5126a.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='StudentRoIsDistill',
    student_rois_source='roi_head.bbox_roi_extractor',
    teacher_stages=[0],
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::cascade_rcnn/'
        'cascade-mask-rcnn_x101-64x4d_fpn_20e_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            roi_logits=dict(
                type='ModuleOutputs', source='roi_head.bbox_head.fc_cls')),
        teacher_recorders=dict(
            roi_logits=dict(
                type='ModuleOutputs', source='roi_head.bbox_head.0.fc_cls')),
        distill_losses=dict(
            loss_dist_stage0=dict(type='DISTKDLoss', tau=1, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_dist_stage0=dict(
                preds_S=dict(from_student=True, recorder='roi_logits'),
                preds_T=dict(from_student=False, recorder='roi_logits')))))

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
