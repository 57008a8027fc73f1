"""EarlyStopping on scripted validation losses, ModelCheckpoint's atomic saves, History and its plot,
ProgressBar's fallback printer."""
import io
import os

import numpy as np
import pytest

import reograd
from reograd import nn
from reograd.train import (Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint, ProgressBar,
                           TerminateOnNaN, atomic_save, fit)


class _FakeTrainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = None
        self.stop_training = False
        self.epochs = 100
        self.steps_per_epoch = 1


def _mark(model, value):
    """Set every parameter to `value`, so the weights tell which epoch they come from."""
    with reograd.no_grad():
        for p in model.parameters():
            p.fill_(float(value))


def _drive(cb, model, losses, key="val_loss"):
    """Run `cb` over a scripted sequence of epoch values, as the fit loop would; returns epochs run."""
    tr = _FakeTrainer(model)
    cb.on_train_begin(tr)
    ran = 0
    for epoch, v in enumerate(losses):
        _mark(model, epoch)  # "training" epoch `epoch` gives weights == epoch
        ran += 1
        cb.on_epoch_end(tr, epoch, {key: v, "loss": 1.0})
        if tr.stop_training:
            break
    cb.on_train_end(tr, {})
    return ran, tr


def test_early_stopping_stops_after_patience_and_restores_best():
    model = nn.Linear(2, 2)
    # best at epoch 2 (0.5); epochs 3, 4, 5 do not improve -> with patience 3 stop at epoch 5
    losses = [1.0, 0.8, 0.5, 0.6, 0.55, 0.7, 0.1, 0.1]
    es = EarlyStopping(monitor="val_loss", patience=3)
    ran, tr = _drive(es, model, losses)
    assert ran == 6 and es.stopped_epoch == 5 and tr.stop_training
    assert es.best == 0.5 and es.best_epoch == 2
    assert np.all(model.weight.detach().numpy() == 2.0)      # theta* restored
    assert np.all(model.bias.detach().numpy() == 2.0)


def test_early_stopping_notes_loop_semantics():
    # the notes' loop: "epochs_no_improve == patience" -> stop; an equal value is not an improvement
    losses = [0.9, 0.9, 0.9, 0.3]
    es = EarlyStopping(patience=2, restore_best_weights=False)
    model = nn.Linear(1, 1)
    ran, _ = _drive(es, model, losses)
    assert ran == 3 and es.best_epoch == 0
    assert np.all(model.weight.detach().numpy() == 2.0)       # not restored


def test_early_stopping_min_delta_mode_max_and_no_stop():
    model = nn.Linear(1, 1)
    # improvements smaller than min_delta do not count
    es = EarlyStopping(patience=2, min_delta=0.1)
    ran, _ = _drive(es, model, [1.0, 0.95, 0.92, 0.5])
    assert ran == 3 and es.best_epoch == 0
    # mode auto -> max for accuracies
    es = EarlyStopping(monitor="val_accuracy", patience=1)
    assert es.mode == "max"
    ran, _ = _drive(es, model, [0.5, 0.7, 0.6, 0.9], key="val_accuracy")
    assert ran == 3 and es.best == 0.7 and es.stopped_epoch == 2
    # never stops, but still restores the best weights when epochs run out (the notes' theta*)
    es = EarlyStopping(patience=5)
    ran, _ = _drive(es, model, [3.0, 1.0, 2.0])
    assert ran == 3 and es.stopped_epoch is None
    assert np.all(model.weight.detach().numpy() == 1.0)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="sideways")


def test_early_stopping_missing_monitor_warns():
    es = EarlyStopping(monitor="val_loss", patience=1)
    with pytest.warns(RuntimeWarning, match="val_loss"):
        ran, _ = _drive(es, nn.Linear(1, 1), [1.0, 2.0, 3.0], key="loss_only")
    assert ran == 3


def test_early_stopping_inside_fit():
    reograd.manual_seed(0)
    x, y = reograd.randn(16, 2), reograd.randint(0, 2, (16,))
    model = nn.Linear(2, 2)
    scripted = iter([1.0, 0.4, 0.6, 0.7, 0.8, 0.9])
    inject = LambdaCallback(on_epoch_end=lambda tr, e, logs: logs.__setitem__("val_loss", next(scripted)))
    snapshots = []
    snap = LambdaCallback(on_epoch_end=lambda tr, e, logs: snapshots.append(model.weight.detach().clone()))
    es = EarlyStopping(patience=2)
    hist = fit(model, [(x, y)], epochs=20, optimizer=reograd.optim.SGD(model.parameters(), lr=0.5),
               callbacks=[inject, snap, es], verbose=0)
    assert hist.epoch == [0, 1, 2, 3] and hist.val_loss == [1.0, 0.4, 0.6, 0.7]
    np.testing.assert_array_equal(model.weight.detach().numpy(), snapshots[1].numpy())


def _state_equal(a, b):
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k].detach().numpy()), np.asarray(b[k].detach().numpy()))


def test_model_checkpoint_save_best_only_and_loads(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "ckpt" / "best.pt"
    mc = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    tr = _FakeTrainer(model)
    mc.on_train_begin(tr)
    for epoch, v in enumerate([0.9, 0.5, 0.7]):
        _mark(model, epoch)
        mc.on_epoch_end(tr, epoch, {"val_loss": v})
    assert mc.best == 0.5 and mc.best_path == str(path)
    state = reograd.load(str(path))
    assert np.all(state["weight"].numpy() == 1.0)    # epoch 1's weights, not epoch 2's
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(state)
    assert np.all(fresh.weight.detach().numpy() == 1.0)
    assert [p for p in os.listdir(path.parent)] == ["best.pt"]   # no temporary files left


def test_model_checkpoint_formats_path_and_full_state(tmp_path):
    reograd.manual_seed(0)
    x, y = reograd.randn(8, 3), reograd.randint(0, 2, (8,))
    model = nn.Linear(3, 2)
    opt = reograd.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    pattern = str(tmp_path / "m-{epoch:02d}-{loss:.2f}.pt")
    mc = ModelCheckpoint(pattern, save_weights_only=False)
    fit(model, [(x, y)], epochs=2, optimizer=opt, callbacks=[mc], verbose=0)
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and files[0].startswith("m-01-") and files[1].startswith("m-02-")
    ck = reograd.load(mc.last_path, weights_only=False)
    assert ck["epoch"] == 2
    _state_equal(ck["model_state_dict"], model.state_dict())
    assert "state" in ck["optimizer_state_dict"]
    with pytest.raises(ValueError, match="filepath"):
        ModelCheckpoint(str(tmp_path / "{nope}.pt")).on_epoch_end(_FakeTrainer(model), 0, {"loss": 1.0})


def test_atomic_save_leaves_old_file_intact_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "model.pt"
    target.write_bytes(b"GOOD")

    def broken_save(obj, f):
        f.write(b"PARTIAL")
        raise RuntimeError("disk full")

    monkeypatch.setattr(reograd, "save", broken_save)
    with pytest.raises(RuntimeError, match="disk full"):
        atomic_save({"a": 1}, target)
    assert target.read_bytes() == b"GOOD"
    assert os.listdir(tmp_path) == ["model.pt"]

    def good_save(obj, f):
        f.write(b"NEW")

    monkeypatch.setattr(reograd, "save", good_save)
    atomic_save({"a": 1}, target)
    assert target.read_bytes() == b"NEW" and os.listdir(tmp_path) == ["model.pt"]


def _filled_history():
    h = History()
    for e, (l, vl, a, va) in enumerate([(1.0, 1.1, 0.5, 0.45), (0.6, 0.7, 0.8, 0.75), (0.4, 0.6, 0.9, 0.8)]):
        h.on_epoch_end(None, e, {"loss": l, "val_loss": vl, "accuracy": a, "val_accuracy": va, "lr": 0.1})
    return h


def test_history_records_epochs():
    h = _filled_history()
    assert len(h) == 3 and h.epoch == [0, 1, 2]
    assert h.train_loss == [1.0, 0.6, 0.4] and h.val_loss == [1.1, 0.7, 0.6]
    assert h["val_accuracy"] == [0.45, 0.75, 0.8] and "lr" in h


def test_history_plot_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = _filled_history().plot(tmp_path / "sub" / "conv.png")
    assert out == str(tmp_path / "sub" / "conv.png")
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(out) > 1000


def test_history_plot_without_matplotlib_is_clear(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mpl(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        _filled_history().plot(tmp_path / "x.png")


def test_progress_bar_fallback_prints_one_line_per_epoch():
    reograd.manual_seed(0)
    x, y = reograd.randn(8, 2), reograd.randint(0, 2, (8,))
    buf = io.StringIO()
    fit(nn.Linear(2, 2), [(x, y)] * 3, epochs=2, val_data=[(x, y)], metrics=["accuracy"],
        callbacks=[ProgressBar(file=buf, use_tqdm=False)])
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2 - loss ") and "val_loss" in lines[0] and "val_accuracy" in lines[1]


def test_progress_bar_tqdm_writes_postfix():
    pytest.importorskip("tqdm")
    reograd.manual_seed(0)
    x, y = reograd.randn(8, 2), reograd.randint(0, 2, (8,))
    buf = io.StringIO()
    fit(nn.Linear(2, 2), [(x, y)] * 3, epochs=1, metrics=["accuracy"], callbacks=[ProgressBar(file=buf)])
    out = buf.getvalue()
    assert "epoch 1/1" in out and "3/3" in out and "accuracy=" in out


def test_terminate_on_nan():
    x, y = reograd.randn(4, 2), reograd.randint(0, 2, (4,))
    model = nn.Linear(2, 2)
    calls = []

    class Count(Callback):
        def on_batch_end(self, trainer, batch, logs):
            calls.append(batch)

    nan_loss = lambda out, t: (out * float("nan")).sum()  # noqa: E731
    hist = fit(model, [(x, y)] * 5, epochs=3, loss_fn=nan_loss, callbacks=[TerminateOnNaN(), Count()], verbose=0)
    assert calls == [0] and len(hist) == 1
