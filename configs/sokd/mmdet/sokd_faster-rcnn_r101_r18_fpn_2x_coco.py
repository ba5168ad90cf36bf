# SoKD, COCO 2x: Faster R-CNN R101-FPN -> R18-FPN (ImageNet-pretrained
# torchvision ResNet-18, FPN on its 64/128/256/512 channels); otherwise the
# R101 -> R50 config. SoKD's COCO numbers are not retrievable here.
_base_ = ['./sokd_faster-rcnn_r101_r50_fpn_2x_coco.py']

model = dict(
    architecture=dict(
        backbone=dict(
            depth=18,
            init_cfg=dict(
                type='Pretrained', checkpoint='torchvision://resnet18')),
        neck=dict(in_channels=[64, 128, 256, 512])))
