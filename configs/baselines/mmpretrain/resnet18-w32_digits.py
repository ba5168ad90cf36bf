# Demo teacher: the digits recipe (CIFAR-stem ResNet-18, width 32) trained
# 16 epochs with mmpretrain's RandAugment and Cutout. TST's augmenter draws
# from the same family of ops and its objective needs a teacher that is still
# right on augmented digits: trained without them it was confidently wrong
# (mean CE 3.2-3.9 on augmented images, above ln 10 = chance), and the
# augmenter learnt to weaken the augmentation instead of finding what the
# student gets wrong. All methods share this teacher.
_base_ = ['../../_base_/recipes/resnet18-cifar_digits.py']

max_epochs = 16
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=0)),
    dict(type='Cutout', shape=8, prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
param_scheduler = dict(T_max=max_epochs)
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
