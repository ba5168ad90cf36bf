# The Fashion-MNIST teacher: the digits demo teacher (CIFAR-stem ResNet-18
# w32, 16 epochs, its RandAugment and Cutout) on the first 2,000 official
# training images, scored on the official test set. TST's augmenter needs a
# teacher that is still right on augmented images.
_base_ = [
    '../resnet18-w32_digits.py',
    '../../../_base_/datasets/fashion_mnist_cls.py'
]

# Fashion-MNIST's crops and flips, then the digits teacher's RandAugment and
# Cutout (its pipeline between loading/cropping and packing)
train_pipeline = _base_.fashion_train_pipeline[:-1] + \
    _base_.train_pipeline[2:-1] + [dict(type='PackInputs')]

data_preprocessor = _base_.fashion_data_preprocessor
train_dataloader = dict(
    dataset=dict(_base_.fashion_train_dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=_base_.fashion_test_dataset)
test_dataloader = val_dataloader
