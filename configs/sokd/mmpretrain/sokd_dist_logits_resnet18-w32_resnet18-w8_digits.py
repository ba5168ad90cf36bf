# SoKD + DIST on the demo digits: the SoKD + KD demo config with DIST's loss
# on the logits instead of KD's (the DIST demo's setting).
_base_ = [
    './sokd_kd_logits_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/distill/dist_logits_digits_cls.py'
]

model = dict(distiller=_base_.dist_logits_cls)
