# Demo student trained alone: the digits recipe with a CIFAR-stem ResNet-18
# of width 8 (1/16 of the teacher's compute), the same data and schedule as
# the KD student.
_base_ = ['../../_base_/recipes/resnet18-cifar_digits.py']
model = dict(
    backbone=dict(stem_channels=8, base_channels=8), head=dict(in_channels=64))
