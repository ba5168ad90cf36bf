# Demo segmentation student trained alone: the teacher's PSPNet with a
# dilated ResNet-18 of width 8; the same data and schedule as the KD student.
_base_ = ['./pspnet_r18-w32-d8_digits.py']
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=64, channels=32),
    auxiliary_head=dict(in_channels=32, channels=16))
