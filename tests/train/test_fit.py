"""The fit loop on tiny synthetic problems (XOR, Gaussian blobs) with fixed seeds."""
import numpy as np
import pytest

import reograd
from reograd import nn
from reograd.train import Callback, LambdaCallback, LRSchedulerCallback, Trainer, evaluate, fit, l2_penalty, max_norm_
from reograd.utils.data import DataLoader, TensorDataset


def blobs(n_per=60, seed=0):
    """Three well separated Gaussian blobs in 2-D, made with reograd tensors."""
    g = reograd.Generator().manual_seed(seed)
    centers = reograd.tensor([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])
    x = reograd.cat([centers[i] + 0.7 * reograd.randn(n_per, 2, generator=g) for i in range(3)])
    y = reograd.arange(3).repeat_interleave(n_per)
    return x, y


XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0, 1, 1, 0]


def test_fit_learns_xor():
    reograd.manual_seed(0)
    x, y = reograd.tensor(XOR_X), reograd.tensor(XOR_Y)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    hist = fit(model, [(x, y)], epochs=150, optimizer=reograd.optim.Adam(model.parameters(), lr=0.05),
               metrics=["accuracy"], verbose=0)
    assert len(hist) == 150 and hist["accuracy"][-1] == 1.0
    assert hist["loss"][-1] < 0.05 < hist["loss"][0]
    assert hist.trainer.model is model


def test_fit_blobs_with_dataloader_reaches_accuracy():
    reograd.manual_seed(0)
    x, y = blobs()
    xv, yv = blobs(n_per=30, seed=1)
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    val = DataLoader(TensorDataset(xv, yv), batch_size=45)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = reograd.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    hist = fit(model, train, epochs=8, optimizer=opt, loss_fn=nn.CrossEntropyLoss(), val_data=val,
               metrics=["accuracy", "f1"], verbose=0)
    assert set(hist.history) >= {"loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1", "lr", "time"}
    assert hist["val_accuracy"][-1] >= 0.95
    assert hist["val_f1"][-1] >= 0.95
    assert hist.val_loss[-1] < hist.val_loss[0]
    # evaluate agrees with the last epoch's validation results (same weights, eval mode)
    res = evaluate(model, val, metrics=["accuracy"])
    assert res["accuracy"] == pytest.approx(hist["val_accuracy"][-1])
    assert res["loss"] == pytest.approx(hist["val_loss"][-1], rel=1e-5)


def test_trainer_modes_predict_and_hooks():
    reograd.manual_seed(0)
    x, y = blobs(n_per=10)
    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    calls = {"reg": 0, "con": 0, "batches": 0}

    def reg(m):
        calls["reg"] += 1
        return 1e-3 * l2_penalty(m)

    def con(m):
        calls["con"] += 1
        max_norm_(m, 1.0)

    seen_modes = []
    cb = LambdaCallback(on_batch_begin=lambda tr, b: seen_modes.append(tr.model.training),
                        on_batch_end=lambda tr, b, logs: calls.__setitem__("batches", calls["batches"] + 1))
    tr = Trainer(model, reograd.optim.Adam(model.parameters(), lr=1e-2), regularizer=reg, constraint=con,
                 callbacks=[cb], max_grad_norm=1.0, verbose=0)
    tr.fit([(x[:15], y[:15]), (x[15:], y[15:])], val_data=[(x, y)], epochs=3)
    assert calls == {"reg": 6, "con": 6, "batches": 6}
    assert all(seen_modes)                       # training batches run in train() mode
    assert model.training                         # evaluate restores the mode
    norms = model[0].weight.detach().numpy()
    assert np.all(np.linalg.norm(norms, axis=1) <= 1.0 + 1e-5)   # the constraint was applied
    out = tr.predict([(x, y)])
    assert tuple(out.shape) == (30, 3) and not out.requires_grad


def test_callback_can_stop_training_and_scheduler_steps():
    reograd.manual_seed(0)
    x, y = blobs(n_per=5)
    model = nn.Linear(2, 3)
    opt = reograd.optim.SGD(model.parameters(), lr=1.0)
    sched = reograd.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    class StopAt(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 2:
                trainer.stop_training = True

    hist = fit(model, [(x, y)], epochs=10, optimizer=opt, scheduler=sched, callbacks=[StopAt()], verbose=0)
    assert hist.epoch == [0, 1, 2]
    assert hist["lr"] == [1.0, 0.5, 0.25]


def test_plateau_scheduler_gets_the_monitored_value():
    reograd.manual_seed(0)
    x, y = blobs(n_per=5)
    model = nn.Linear(2, 3)
    opt = reograd.optim.SGD(model.parameters(), lr=0.1)
    sched = reograd.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=1)
    flat = LambdaCallback(on_epoch_end=lambda tr, e, logs: logs.__setitem__("score", 1.0))  # never improves
    hist = fit(model, [(x, y)], epochs=6, optimizer=opt, val_data=[(x, y)], verbose=0,
               callbacks=[flat, LRSchedulerCallback(sched, monitor="score")])
    # torch semantics: best at epoch 0, bad epochs 1, 2 -> reduce after epoch 2; again after epoch 4
    assert hist["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.01, 0.01, 0.001])


def test_multi_input_batches_and_lbfgs():
    reograd.manual_seed(0)

    class Add(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(1, 1)
            self.b = nn.Linear(1, 1)

        def forward(self, u, v):
            return self.a(u) + self.b(v)

    u, v = reograd.randn(32, 1), reograd.randn(32, 1)
    target = 2 * u - 3 * v + 1
    model = Add()
    opt = reograd.optim.LBFGS(model.parameters(), lr=1.0)
    hist = fit(model, [(u, v, target)], epochs=5, optimizer=opt, loss_fn=nn.MSELoss(), verbose=0)
    assert hist["loss"][-1] < 1e-4


def test_bad_batch_is_a_clear_error():
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="inputs, target"):
        fit(model, [reograd.randn(4, 2)], epochs=1, verbose=0)
