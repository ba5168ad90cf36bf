# Fashion-MNIST's official split (60,000 train / 10,000 test, 28x28 grey, 10
# classes) read from its four IDX files by LocalFashionMNIST (by default from
# Debian's dataset-fashion-mnist). The grey channel is repeated to RGB for the
# demo networks' stems and TST's colour ops. The fashion-mnist configs take
# these by name (_base_.fashion_*) over their digits configs: the networks,
# losses and schedules of the demo, other data.
fashion_data_root = '/usr/share/datasets/fashion-mnist'
# the first 2,000 training images (186 to 216 per class): every method of two
# student families over 3 seeds fits in an hour on 2 cores; None reads all
fashion_train_images = 2000

# mean / std of the 60,000 training images
fashion_data_preprocessor = dict(
    num_classes=10, mean=[72.94] * 3, std=[90.02] * 3, to_rgb=False)

# clothes are left-right symmetric: flips as well as crops
fashion_train_pipeline = [
    dict(type='RandomCrop', crop_size=28, padding=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
fashion_test_pipeline = [dict(type='PackInputs')]

fashion_train_dataset = dict(
    _delete_=True,
    _scope_='mmpretrain',
    type='LocalFashionMNIST',
    data_root=fashion_data_root,
    split='train',
    channels=3,
    indices=fashion_train_images,
    pipeline=fashion_train_pipeline)
fashion_test_dataset = dict(
    _delete_=True,
    _scope_='mmpretrain',
    type='LocalFashionMNIST',
    data_root=fashion_data_root,
    split='test',
    channels=3,
    pipeline=fashion_test_pipeline)

# the distilled students: the data's normalisation, the Fashion-MNIST
# teacher; the teacher is scored by its own run, not again in each student's
fashion_distill_model = dict(
    data_preprocessor=fashion_data_preprocessor,
    teacher=dict(cfg_path='tstkd_plugin::baselines/mmpretrain/fashion_mnist/'
                 'resnet18-w32_fashion-mnist.py'))
fashion_distill_val_cfg = dict(
    _delete_=True, type='DistillValLoop', validate_teacher='never')

# the second student family: CRD's CIFAR MobileNetV2 (width 0.5, 0.7M
# parameters), its stage-2 output (12 channels, 14x14: the teacher's layer2
# size) the feature hosts' hint
fashion_mobilenet_v2_student = dict(
    backbone=dict(_delete_=True, type='MobileNetV2CIFAR'),
    head=dict(in_channels=1280))
fashion_mobilenet_v2_hint = dict(
    student_recorders=dict(hint=dict(source='backbone.features.5')),
    connectors=dict(hint_regressor=dict(in_channel=12)))
