"""Mixed precision and data-parallel training through Hugging Face accelerate.

The estimators' ``accelerator`` parameter trains the skorch net with skorch's
``AccelerateMixin``: ``accelerate.Accelerator`` does the autocast (``"bf16"``, ``"fp16"``) and,
when the script runs in several processes (``accelerate launch``, ``torchrun``), wraps the
module in ``DistributedDataParallel``. This module adds what sequences need on top:

- each process trains on its share of every mini-batch (:class:`ShardedBatchIterator`): the
  processes draw the same shuffled order (same seed), and process ``r`` of ``n`` takes the
  rows ``r, r + n, ...`` of each batch, so the averaged gradient is the one of the whole
  batch and one epoch is one pass over the data, as in a single process;
- evaluation (the validation loss and score of early stopping) runs on the whole data in
  every process: the processes take the same early-stopping decisions and every process ends
  with the same model;
- after the fit the net is turned into a plain :class:`~sklrnn._engine.net.SequenceNet` holding the
  unwrapped module, so that the fitted estimator pickles and predicts as usual; buffers (batch
  norm statistics) are taken from the first process.
"""

from __future__ import annotations

import warnings

import torch

from ..utils._deps import missing_dependency
from .net import LOSS_ONLY, BatchIterator, SequenceNet, build_net
from .skorch_compat import AccelerateCompat, set_training, unwrap_accelerated

MODES = ("no", "fp16", "bf16")


def make_accelerator(mode: str, device: str):
    """An ``accelerate.Accelerator`` for mixed-precision ``mode`` on ``device``."""
    try:
        from accelerate import Accelerator
    except ImportError as exc:
        raise missing_dependency("accelerator=", ("accelerate",), "accelerate") from exc
    from accelerate.state import AcceleratorState

    state = AcceleratorState._shared_state
    if state.get("_mixed_precision", mode) != mode:
        # accelerate keeps one mixed-precision setting per process; a fit with another one
        # resets it (the distributed set-up, if any, is kept)
        AcceleratorState._reset_state(reset_partial_state=False)
    accelerator = Accelerator(mixed_precision=mode, cpu=device == "cpu")
    if mode != "no" and not accelerator.native_amp:
        warnings.warn(
            f'accelerator="{mode}" has no effect on {accelerator.device.type}: accelerate '
            f"supports {mode} mixed precision only on a GPU, so this fit trains in float32. "
            'Use device="cuda" (or "auto" on a machine with a GPU), accelerator="bf16" for '
            'mixed precision on a CPU, or accelerator="no" to train in float32 without this '
            "warning.",
            UserWarning,
            stacklevel=2,
        )
    return accelerator


class ShardedBatchIterator(BatchIterator):
    """Training batches of one process among ``world_size``: rows ``rank::world_size``."""

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        random_state=None,
        augment=None,
        *,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        super().__init__(dataset, batch_size, shuffle, random_state, augment)
        self.rank = rank
        self.world_size = world_size

    def __iter__(self):
        n = len(self.dataset)
        order = self.order()
        order = torch.arange(n) if order is None else order
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            if len(idx) < self.world_size:  # a short last batch: every process gets a row
                idx = idx[torch.arange(self.world_size) % len(idx)]
            features, y = self.dataset.batch(idx[self.rank :: self.world_size])
            yield (features if self.augment is None else self.augment(features)), y


class AcceleratedSequenceNet(AccelerateCompat, SequenceNet):
    """:class:`~sklrnn._engine.net.SequenceNet` trained through ``accelerate``."""

    def infer(self, x, **fit_params):
        if isinstance(x, dict):
            device = self.accelerator.device
            inputs = {k: v.to(device) for k, v in x.items() if k not in LOSS_ONLY}
            return self.module_(**inputs, **fit_params)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(X, dict) and "sample_weight" in X:
            X = dict(X, sample_weight=X["sample_weight"].to(self.accelerator.device))
        return super().get_loss(y_pred, y_true.to(self.accelerator.device), X, training)

    def evaluation_step(self, batch, training=False):
        # every process evaluates the whole data: no gather across processes
        with torch.set_grad_enabled(training), self.accelerator.autocast():
            set_training(self, training)
            return self.infer(batch[0])


def accelerated_net(module, criterion, device: str, mode: str, **params):
    """A skorch net that trains ``module`` through an accelerator of ``mode`` on ``device``."""
    accelerator = make_accelerator(mode, device)
    return build_net(
        module,
        criterion,
        net_class=AcceleratedSequenceNet,
        accelerator=accelerator,
        device=None,  # placement is the accelerator's
        optimizer_device=accelerator.device,
        iterator_train=ShardedBatchIterator,
        iterator_train__rank=accelerator.process_index,
        iterator_train__world_size=accelerator.num_processes,
        **params,
    )


def plain_net(net: AcceleratedSequenceNet) -> SequenceNet:
    """The fitted net, turned in place into a plain :class:`~sklrnn._engine.net.SequenceNet`.

    The module is unwrapped (no ``DistributedDataParallel``, no autocast) and kept in float32
    on the accelerator's device; the accelerator is dropped, so the net pickles.
    """
    accelerator = net.accelerator
    net = unwrap_accelerated(net, SequenceNet)
    if accelerator.num_processes > 1:
        # buffers such as batch-norm statistics are updated by each process on its share of
        # the last batch: every process takes the first process's, so all hold one model
        for buffer in net.module_.buffers():
            torch.distributed.broadcast(buffer.data, src=0)
    device = accelerator.device
    net.device = device.type
    net.module_ = net.module_.to(device).float()
    return net
