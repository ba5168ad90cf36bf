# TST + DIST on the demo detection digits: the TST + KD config with the DIST
# demo config's loss on each FPN level of the classification branch.
_base_ = [
    './tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
    '../../_base_/distill/dist_cls-branch_digits_det.py'
]

model = dict(distiller=_base_.dist_cls_branch)
# --auto-scale-lr: originals per step, 1 GPU x 4 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=4)
