# DIST, ImageNet-1k, a stronger teacher: ResNet-101 -> ResNet-18, the recipe
# and the loss of the ResNet-34 -> ResNet-18 config (the reference README's
# "stronger teachers" table, resnet_dist.yaml).
# Reference top-1: student 69.76, KD (tau 4) 71.09, DIST 72.08. Teacher:
# mmpretrain zoo ResNet-101, 77.97 (the reference's: torchvision's, 77.37).
_base_ = ['./dist_logits_resnet34_resnet18_8xb32_in1k.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet101_8xb32_in1k_20210831-539c63f8.pth'  # noqa: E501

model = dict(
    teacher=dict(cfg_path='mmpretrain::resnet/resnet101_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
