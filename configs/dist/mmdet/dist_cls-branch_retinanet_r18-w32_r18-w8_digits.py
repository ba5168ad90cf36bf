# DIST on RetinaNet's dense classification branch: on each FPN level the
# (B, A*C, H, W) logits are a (B*H*W, A*C) matrix with sigmoid activations,
# one loss per level, summed (the DIST detection setting: tau 1, beta = gamma
# = 1, weight 1). Identical to the vanilla-KD demo config but for the loss.
_base_ = [
    '../../baselines/mmdet/kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
    '../../_base_/distill/dist_cls-branch_digits_det.py'
]

model = dict(distiller=_base_.dist_cls_branch)
