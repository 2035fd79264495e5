"""Optimisers by name, the choices of the estimators' ``optimizer`` parameter."""

from __future__ import annotations

import torch

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

#: torch's first release with fused Adam / AdamW kernels for the CPU
_FUSED_CPU_TORCH = (2, 4)


def optimizer_options(optimizer, device) -> dict:
    """Keyword arguments sklrnn gives the optimizer class ``optimizer`` on ``device``.

    Adam and AdamW on a CPU take their fused kernel (one pass over all parameters per step
    instead of a loop of small tensor operations): the same update up to float rounding, and
    the default classifier fits the UCR development set about 5 % faster (84 s against 88 s of
    CPU, one thread; ``benchmarks/results/ucr.md``). Subclasses, other optimisers and other
    devices (CUDA picks its own implementation; ``None``, an accelerator's placement) get
    nothing.

    Examples
    --------
    >>> optimizer_options(torch.optim.SGD, "cpu"), optimizer_options(torch.optim.Adam, None)
    ({}, {})
    """
    fused_cpu = tuple(int(p) for p in torch.__version__.split(".")[:2]) >= _FUSED_CPU_TORCH
    adam = optimizer in (torch.optim.Adam, torch.optim.AdamW)
    if adam and device is not None and torch.device(device).type == "cpu" and fused_cpu:
        return {"fused": True}
    return {}
