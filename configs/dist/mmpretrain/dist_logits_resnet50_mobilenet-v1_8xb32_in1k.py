# DIST, ImageNet-1k: ResNet-50 -> MobileNetV1, the recipe and the loss of the
# ResNet-34 -> ResNet-18 config (the reference trains both pairs with
# resnet_dist.yaml): 100 epochs, 8 x 32, SGD lr 0.1 nesterov, no weight
# decay on norm layers and biases; DIST tau 1, weight 2, CE 1.
# Reference top-1 (DIST README): student 70.13 -> DIST 73.24. Teacher:
# mmpretrain zoo ResNet-50, 76.55 (the reference's: torchvision's, 76.16).
_base_ = ['./dist_logits_resnet34_resnet18_8xb32_in1k.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    architecture=dict(
        _delete_=True,
        cfg_path='tstkd_plugin::baselines/mmpretrain/'
        'mobilenet-v1_8xb32_in1k.py',
        pretrained=False),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
