# Fashion-MNIST student alone: the digits demo student (CIFAR-stem ResNet-18
# w8, 8 epochs) on the first 2,000 official training images, scored on the
# official test set.
_base_ = [
    '../resnet18-w8_digits.py', '../../../_base_/datasets/fashion_mnist_cls.py'
]

data_preprocessor = _base_.fashion_data_preprocessor
train_dataloader = dict(dataset=_base_.fashion_train_dataset)
val_dataloader = dict(dataset=_base_.fashion_test_dataset)
test_dataloader = val_dataloader
