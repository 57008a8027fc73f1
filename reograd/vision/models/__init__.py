"""The model zoo, as ``torchvision.models``: LeNet-5, AlexNet, VGG, ResNet, MobileNetV2 with torchvision's
module names and ``state_dict`` keys (``weights=`` takes a local torchvision weight file), small CPU-size
variants, and ``summary`` (a torchinfo-like table of any Module)."""
from .alexnet import AlexNet, alexnet, alexnet_small
from .lenet import LeNet5, lenet5
from .mobilenet import Conv2dNormActivation, InvertedResidual, MobileNetV2, mobilenet_v2
from .resnet import (BasicBlock, Bottleneck, ResNet, conv1x1, conv3x3, plain_small, resnet18, resnet34, resnet50,
                     resnet101, resnet152, resnet_small)
from .summary import LayerSummary, ModelSummary, summary
from .vgg import VGG, cfgs, make_layers, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

__all__ = ["LeNet5", "lenet5", "AlexNet", "alexnet", "alexnet_small", "VGG", "cfgs", "make_layers", "vgg11",
           "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "BasicBlock", "Bottleneck",
           "ResNet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnet_small", "plain_small",
           "conv3x3", "conv1x1", "MobileNetV2", "InvertedResidual", "Conv2dNormActivation", "mobilenet_v2", "summary",
           "ModelSummary", "LayerSummary"]
