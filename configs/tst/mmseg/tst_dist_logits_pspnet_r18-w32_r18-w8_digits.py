# TST + DIST on the demo segmentation digits: the TST + KD config with the
# DIST demo config's per-pixel loss (tau 1, ignore label 255; the label maps
# recorded from the student's decode head are those of each half, augmented
# ones warped with the image).
_base_ = [
    './tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/distill/dist_logits_digits_seg.py'
]

model = dict(distiller=_base_.dist_logits_seg)
# --auto-scale-lr: originals per step, 1 GPU x 8 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=8)
