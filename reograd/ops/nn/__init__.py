"""The ops of neural network layers: linear, convolution (im2col), pooling, resampling, normalisation,
dropout, losses (and, as the layers come, recurrent cells, attention, segment reductions for graphs)."""
