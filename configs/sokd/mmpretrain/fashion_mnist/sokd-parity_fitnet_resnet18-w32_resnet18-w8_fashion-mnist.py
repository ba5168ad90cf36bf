# SoKD on FitNet on Fashion-MNIST: ResNet-18 w32 -> ResNet-18 w8, the digits demo config
# (sokd-parity_fitnet_resnet18-w32_resnet18-w8_digits.py) on the first 2,000 official training images, scored
# on the official test set.
_base_ = [
    '../sokd-parity_fitnet_resnet18-w32_resnet18-w8_digits.py',
    '../../../_base_/datasets/fashion_mnist_cls.py'
]

data_preprocessor = _base_.fashion_data_preprocessor
train_dataloader = dict(dataset=_base_.fashion_train_dataset)
val_dataloader = dict(dataset=_base_.fashion_test_dataset)
test_dataloader = val_dataloader
model = _base_.fashion_distill_model
val_cfg = _base_.fashion_distill_val_cfg
