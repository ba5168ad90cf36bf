# SoKD + DIST on the demo detection task: the SoKD + KD demo config with the
# DIST demo's loss on the classification branch instead of KD's.
_base_ = [
    './sokd_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
    '../../_base_/distill/dist_cls-branch_digits_det.py'
]

model = dict(distiller=_base_.dist_cls_branch)
