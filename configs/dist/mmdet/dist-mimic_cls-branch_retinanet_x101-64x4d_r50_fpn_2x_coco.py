# DIST + mimic, COCO: the RetinaNet X101-64x4d -> R50 DIST config plus an MSE
# between each student FPN level, through a 1x1 conv adapter, and the
# teacher's (the reference's "+mimic" variant).
# Reference bbox mAP (DIST README): 40.1.
_base_ = [
    './dist_cls-branch_retinanet_x101-64x4d_r50_fpn_2x_coco.py',
    '../../_base_/distill/mimic_fpn.py',
]
model = dict(distiller=_base_.mimic_fpn)
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
