"""The ops of neural network layers: linear, convolution (im2col), pooling, resampling, normalisation,
dropout, losses, recurrent layers and cells, segment reductions for graphs (``segment``) (and, as the
layers come, attention)."""
