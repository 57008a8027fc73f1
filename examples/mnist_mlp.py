"""MNIST with a multilayer perceptron: the flagship demo (``reograd demo``) as a script.

The notes (seeds/004, "Scikit-Learn: Multilayer Perceptron") train scikit-learn's MLPClassifier with
50 hidden units for 10 epochs and reach 97.0% test accuracy. Here a 784-512-256-10 ReLU network
with dropout 0.2, trained with Adam (lr 1e-3, cosine decay per batch, batch 128) on 55,000 images
(5,000 held out for validation), passes 98% within 8 epochs, and the convergence plot (training and
validation loss per epoch) is saved as a PNG.

    python examples/mnist_mlp.py                      # MNIST from --root, $REOGRAD_DATA, the cache, or a download
    python examples/mnist_mlp.py --epochs 10 --hidden 1024 512 --plot mnist.png
    python examples/mnist_mlp.py --quick              # 1 epoch on 10,000 images: a smoke test

The same in the fewest lines, with the pieces this script uses (see reograd/demos.py)::

    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
    opt = reograd.optim.Adam(model.parameters(), lr=1e-3)
    history = reograd.train.fit(model, train_loader, epochs=8, optimizer=opt, val_data=val_loader,
                                metrics=["accuracy"])
    history.plot("mnist_convergence.png")
"""
import sys

from reograd.demos import mnist_demo

if __name__ == "__main__":
    sys.exit(mnist_demo())
