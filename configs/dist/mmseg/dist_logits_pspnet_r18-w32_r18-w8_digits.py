# DIST on the decode head's per-pixel logits at their native stride (8), not
# upsampled: every labelled pixel is one row of a (B*H*W, C) matrix; pixels
# with the ignore label (255) are left out. The DIST Cityscapes setting: tau
# 1, beta = gamma = 1, weight 1. Identical to the vanilla-KD demo config but
# for the loss.
_base_ = [
    '../../baselines/mmseg/kd_logits_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/distill/dist_logits_digits_seg.py'
]

model = dict(distiller=_base_.dist_logits_seg)
# --auto-scale-lr: images per step, 1 GPU x 16
auto_scale_lr = dict(base_batch_size=16)
