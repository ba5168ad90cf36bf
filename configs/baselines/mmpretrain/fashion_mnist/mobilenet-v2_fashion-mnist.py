# Fashion-MNIST student alone, the second family: CRD's CIFAR MobileNetV2 in
# the ResNet-18 w8 student's recipe.
_base_ = ['./resnet18-w8_fashion-mnist.py']

model = _base_.fashion_mobilenet_v2_student
