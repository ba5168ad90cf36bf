# DIST, Cityscapes: DeepLabV3-R101 -> PSPNet-R18 (d8); the recipe and the
# distillation (decode + 0.4 x auxiliary head) of the DeepLabV3-R18 config,
# only the student differs (as the reference's train_kd/pspnet_res18.sh).
# Reference mIoU (DIST paper, teacher DeepLabV3-R101 78.07): student 72.55
# -> DIST 76.31. Teacher here: mmseg zoo DeepLabV3-R101 80k, 80.20.
_base_ = [
    './dist_logits_deeplabv3_r101-d8_deeplabv3_r18-d8_8xb2-40k_cityscapes-512x1024.py'
]

model = dict(
    architecture=dict(
        _delete_=True,
        cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
        pretrained=False))
