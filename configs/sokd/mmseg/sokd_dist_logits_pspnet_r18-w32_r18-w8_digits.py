# SoKD + DIST on the demo segmentation task: the SoKD + KD demo config with
# the DIST demo's per-pixel loss instead of KD's.
_base_ = [
    './sokd_kd_logits_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/distill/dist_logits_digits_seg.py'
]

model = dict(distiller=_base_.dist_logits_seg)
# --auto-scale-lr: originals per step, 1 GPU x 16
auto_scale_lr = dict(base_batch_size=16)
