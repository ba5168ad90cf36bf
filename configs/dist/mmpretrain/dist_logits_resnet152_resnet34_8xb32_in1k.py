# DIST, ImageNet-1k, a stronger teacher: ResNet-152 -> ResNet-34, the recipe
# and the loss of the ResNet-34 -> ResNet-18 config (the reference README's
# "stronger teachers" table, resnet_dist.yaml).
# Reference top-1: student 73.31, KD (tau 4) 74.87, DIST 75.42. Teacher:
# mmpretrain zoo ResNet-152, 78.48 (the reference's: torchvision's, 78.31).
_base_ = ['./dist_logits_resnet34_resnet18_8xb32_in1k.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet152_8xb32_in1k_20210901-4d7582fa.pth'  # noqa: E501

model = dict(
    architecture=dict(
        _delete_=True,
        cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
        pretrained=False),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet152_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
