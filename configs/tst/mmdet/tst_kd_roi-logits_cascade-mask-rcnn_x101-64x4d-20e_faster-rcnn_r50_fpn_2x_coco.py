# TST + KD, COCO 2x: Cascade Mask R-CNN X101-64x4d 20e -> Faster R-CNN R50
# (FPN), the reference's recipe (github:shaoshitong/TST,
# SDAKD_FOR_DETECTION_AND_SEGMENTATION/mmrazor/configs/distill/osd/
# osd_cascade_mask_rcnn_x101-fpn_x50_coco.py): the teacher, cut to its
# first stage, scores the student's RoIs; KD = KL divergence, tau 1, weight
# 1, on those RoIs' `fc_cls` logits; in the augmenter step the teacher's
# term is its RPN losses only (the reference's teacher has no RoI losses
# there); 2 originals + 2 augmented per GPU x 8, fp16 (loss scale 512),
# augmenter phases before epochs 6 and 12 of 24, one pass each.
# Reported by the TST paper for this pair: not restated here.
_base_ = [
    './tst_roi-logits_cascade-mask-rcnn_x101-64x4d-20e_faster-rcnn_r50_fpn_'
    '2x_coco.py'
]

model = dict(
    teacher_loss_keys=['rpn'],
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_kd_stage0=dict(type='KLDivergence', tau=1, loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_kd_stage0=dict(
                preds_S=dict(from_student=True, recorder='roi_logits'),
                preds_T=dict(from_student=False, recorder='roi_logits')))))
