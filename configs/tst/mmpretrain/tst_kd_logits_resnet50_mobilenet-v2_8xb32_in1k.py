# TST + KD, ImageNet-1k: ResNet-50 -> MobileNetV2, the TST ImageNet schedule
# (phases before epochs 10 and 25, 5 passes). The TST paper's student is
# MobileNetV1, which mmpretrain does not have; MobileNetV2 (mmpretrain's
# recipe: 8 GPUs x 32, 300 epochs, top-1 71.86 alone) stands in.
# Teacher: mmpretrain zoo ResNet-50, top-1 76.55. The phases keep the
# paper's epochs (10 and 25) within this 300-epoch recipe.
_base_ = ['./tst_kd_logits_resnet34_resnet18_8xb32_in1k.py']

mobilenet = 'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501
max_epochs = 300

model = dict(
    architecture=dict(_delete_=True, cfg_path=mobilenet, pretrained=False),
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
optim_wrapper = dict(
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.045, momentum=0.9,
                       weight_decay=4e-5)))
param_scheduler = dict(
    _delete_=True,
    architecture=dict(type='StepLR', by_epoch=True, step_size=1,
                      gamma=0.98),
    augmenter=[])
train_cfg = dict(max_epochs=max_epochs)
# --auto-scale-lr: originals per step, 8 GPUs x 16 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=128)
