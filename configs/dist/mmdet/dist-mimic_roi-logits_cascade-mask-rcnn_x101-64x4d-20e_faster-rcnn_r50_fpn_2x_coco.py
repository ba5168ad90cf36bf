# DIST + mimic, COCO: the Cascade Mask R-CNN X101-64x4d 20e -> Faster R-CNN
# R50 DIST config plus an MSE between each student FPN level, through a 1x1
# conv adapter, and the teacher's, weight 1 (the reference's
# dist+mimic_cascade_mask_rcnn_x101-fpn_x50_coco.py).
# Reference bbox mAP (DIST README): 41.8.
_base_ = [
    './dist_roi-logits_cascade-mask-rcnn_x101-64x4d-20e_faster-rcnn_r50_fpn_2x_coco.py',
    '../../_base_/distill/mimic_fpn.py',
]
model = dict(distiller=_base_.mimic_fpn)
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
