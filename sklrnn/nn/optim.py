"""Optimisers by name, the choices of the estimators' ``optimizer`` parameter."""

from __future__ import annotations

import torch

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

#: whether this torch has fused Adam / AdamW kernels for the CPU (2.4 and later)
_FUSED_CPU = tuple(int(p) for p in torch.__version__.split(".")[:2]) >= (2, 4)


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
    adam = optimizer in (torch.optim.Adam, torch.optim.AdamW)
    if adam and device is not None and torch.device(device).type == "cpu" and _FUSED_CPU:
        return {"fused": True}
    return {}


#: param-group entries that choose how an optimizer computes its update, not what the update is
_IMPLEMENTATION = ("fused", "foreach")


def load_optimizer_state(optimizer: torch.optim.Optimizer, state: dict) -> None:
    """``optimizer.load_state_dict(state)``, keeping ``optimizer``'s own implementation flags.

    torch's ``load_state_dict`` takes every param-group entry from ``state``, ``fused``
    included: a state saved by a fused Adam on a CPU would make an optimizer on another device,
    or under a torch release without the CPU kernel, fail at its first step, and an older state
    would silently turn fusing off. The loaded optimizer computes as it was built to.

    Examples
    --------
    >>> w = torch.nn.Parameter(torch.zeros(2))
    >>> saved = torch.optim.Adam([w], foreach=True).state_dict()
    >>> optimizer = torch.optim.Adam([w], foreach=False)
    >>> load_optimizer_state(optimizer, saved)
    >>> optimizer.param_groups[0]["foreach"]
    False
    """
    kept = [{k: g[k] for k in _IMPLEMENTATION if k in g} for g in optimizer.param_groups]
    optimizer.load_state_dict(state)
    for group, flags in zip(optimizer.param_groups, kept):
        group.update(flags)
