"""``reograd.train``: the fit loop with callbacks, metrics and regularizers.

    from reograd.train import fit, EarlyStopping, ModelCheckpoint
    history = fit(model, train_loader, epochs=20, val_data=val_loader, metrics=["accuracy"],
                  callbacks=[EarlyStopping(patience=3), ModelCheckpoint("best.pt", save_best_only=True)])
    history.plot("convergence.png")
"""
from . import callbacks, metrics, regularization  # noqa: F401
from .callbacks import (Callback, CallbackList, EarlyStopping, History, LambdaCallback, LRSchedulerCallback,
                        ModelCheckpoint, ProgressBar, TerminateOnNaN, atomic_save)
from .fit import Trainer, evaluate, fit
from .health import Diagnosis, HealthMonitor, TrainingHealthWarning
from .lr_find import LRFinderResult, lr_find
from .metrics import Mean, accuracy, confusion_matrix, f1_score, precision, recall, top_k_accuracy
from .regularization import elastic_net_penalty, l1_penalty, l2_penalty, max_norm_

__all__ = ["fit", "evaluate", "Trainer", "Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
           "LRSchedulerCallback", "ProgressBar", "TerminateOnNaN", "LambdaCallback", "atomic_save", "accuracy",
           "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1_score", "Mean", "l1_penalty",
           "l2_penalty", "elastic_net_penalty", "max_norm_"]
__all__ += ["HealthMonitor", "TrainingHealthWarning", "Diagnosis", "lr_find", "LRFinderResult"]
