# SoKD on FitNet on Fashion-MNIST: ResNet-18 w32 -> MobileNetV2 (CIFAR, width 0.5), the
# ResNet-18 w8 config with the other student family.
_base_ = ['./sokd-parity_fitnet_resnet18-w32_resnet18-w8_fashion-mnist.py']

model = dict(
    architecture=_base_.fashion_mobilenet_v2_student,
    distiller=_base_.fashion_mobilenet_v2_hint)
