# Demo detection student trained alone: the teacher's RetinaNet with a
# ResNet-18 of width 8; the same data and schedule as the KD student.
_base_ = ['./retinanet_r18-w32_fpn_digits.py']
model = dict(
    backbone=dict(base_channels=8), neck=dict(in_channels=[16, 32, 64]))
