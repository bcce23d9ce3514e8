# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE's routing: which expert, and which merge temperature, per step.

Each training step draws, per temporal layer,

* an expert from ``softmax([1..N] / t)`` (the expert path), and
* a merge temperature ``tau`` from ``{+-beta * 2**k, k < K} U {inf}``, whose
  coefficients ``softmax([1..N] / tau)`` merge the experts (the WMR path).

The draws are a pure function of ``(seed, step, call, rank)``: the step is
given by the training loop (:class:`~mote_mmaction.engine.hooks.
MoTERoutingStepHook` sets it before every iteration from ``runner.iter``,
which a resumed run restores), so routing needs no state in checkpoints and
the model never reads runner state while it runs.
"""
import math
from typing import List, Optional, Tuple

import torch
from mmengine.dist import broadcast_object_list, get_rank
from mmengine.logging import print_log
from torch import Tensor, nn


def rank_softmax(num_experts: int, temperature: float) -> Tensor:
    """``softmax([1..N] / temperature)`` in float64.

    Both the routing distribution (``temperature = t``) and the merge
    coefficients (``temperature = tau``) are this softmax; ``tau = +-inf``
    gives the uniform average.

    Returns:
        Tensor: ``[N]``, summing to 1.
    """
    if math.isinf(temperature):
        return torch.full((num_experts, ), 1.0 / num_experts,
                          dtype=torch.float64)
    ranks = torch.arange(1, num_experts + 1, dtype=torch.float64)
    return torch.softmax(ranks / temperature, dim=0)


def tau_candidates(beta: float = 0.6, num_scales: int = 5,
                   with_inf: bool = True) -> Tuple[float, ...]:
    """``{+-beta * 2**k : k < num_scales}`` (and ``inf``), sorted."""
    taus = [s * beta * 2**k for k in range(num_scales) for s in (-1, 1)]
    if with_inf:
        taus.append(math.inf)
    return tuple(sorted(taus))


class MoTERouter(nn.Module):
    """Per-step expert and merge-temperature draws of a MoTE transformer.

    A module only so that the merge coefficients of the temperature set
    follow the model's device; it has no parameters and adds nothing to
    the state dict.

    Args:
        num_experts (int): Experts ``N`` per FFN.
        num_layers (int): Temporal layers; one draw of each kind per layer.
        temperature (float): ``t`` of the expert draw. Defaults to 1.
        tau_beta (float): ``beta`` of the merge temperatures. Defaults to
            0.6.
        tau_num_scales (int): ``K``. Defaults to 5.
        tau_with_inf (bool): Include ``tau = inf``. Defaults to True.
        seed (int, optional): Seed of the draws. Defaults to the process's
            torch seed (set by MMEngine's ``randomness``).
        sync (bool): Same draws on every rank (rank 0's seed, rank
            ignored). Defaults to False (each rank draws its own, as the
            authors' code).
    """

    def __init__(self,
                 num_experts: int,
                 num_layers: int,
                 temperature: float = 1.0,
                 tau_beta: float = 0.6,
                 tau_num_scales: int = 5,
                 tau_with_inf: bool = True,
                 seed: Optional[int] = None,
                 sync: bool = False) -> None:
        super().__init__()
        self.num_experts = num_experts
        self.num_layers = num_layers
        self.seed = seed
        self.sync = sync
        # A CPU tensor, not a buffer: experts are drawn on the host, so
        # routing never waits for the accelerator.
        self.probs = rank_softmax(num_experts, temperature)
        self.taus = tau_candidates(tau_beta, tau_num_scales, tau_with_inf)
        self.register_buffer(
            'tau_coeffs',
            torch.stack([rank_softmax(num_experts, t)
                         for t in self.taus]).float(),
            persistent=False)
        self._base_seed: Optional[int] = None
        self._step: Optional[int] = None
        self._calls = 0
        self._warned_no_step = False

    def set_step(self, step: int) -> None:
        """Key the next draws on training step ``step`` (``runner.iter``)."""
        if step != self._step:
            self._step, self._calls = int(step), 0

    def _generator(self) -> torch.Generator:
        """A generator seeded by ``(seed, step, call, rank)``."""
        if self._base_seed is None:
            seed = self.seed
            if seed is None:
                seed = torch.initial_seed() % (2**31)
            if self.sync:
                box = [seed]
                broadcast_object_list(box, src=0)
                seed = box[0]
            self._base_seed = int(seed)
        if self._step is None and not self._warned_no_step:
            self._warned_no_step = True
            print_log(
                'MoTE routing: no training step was set (add '
                "dict(type='MoTERoutingStepHook') to custom_hooks); draws "
                'are keyed on a call counter, so a resumed run will not '
                'draw what the uninterrupted run would have.',
                logger='current', level=30)
        rank = 0 if self.sync else get_rank()
        key = (self._base_seed, -1 if self._step is None else self._step,
               self._calls, rank)
        self._calls += 1
        # hash() of a tuple of ints is not randomised per process
        # (PYTHONHASHSEED salts only str/bytes), so every rank and every
        # resumed process draws alike. Seeded results (the README's demo
        # table) depend on these exact draws: do not change the mixing.
        gen = torch.Generator()
        gen.manual_seed(hash(key) % (2**63))
        return gen

    def draw(self) -> Tuple[List[int], List[int]]:
        """Expert index and tau index per layer for one pass.

        Returns:
            tuple[list[int], list[int]]: ``num_layers`` expert indices and
            ``num_layers`` indices into :attr:`taus`.
        """
        gen = self._generator()
        experts = torch.multinomial(self.probs, self.num_layers,
                                    replacement=True, generator=gen)
        taus = torch.randint(len(self.taus), (self.num_layers, ),
                             generator=gen)
        return experts.tolist(), taus.tolist()

    def merge_coeffs(self, tau_idx: List[int]) -> List[Tensor]:
        """Merge coefficients ``[N]`` (on the model's device) per layer."""
        return [self.tau_coeffs[i] for i in tau_idx]

    def extra_repr(self) -> str:
        return (f'num_experts={self.num_experts}, '
                f'num_layers={self.num_layers}, taus={len(self.taus)}, '
                f'sync={self.sync}')


def find_routers(model: nn.Module) -> List[MoTERouter]:
    """Every :class:`MoTERouter` in ``model``, which a training loop keys
    on its step (``router.set_step(step)``) before each iteration.

    Args:
        model (nn.Module): any model; wrappers (DDP, FSDP) are searched
            through, as ``modules()`` reaches their wrapped module.

    Returns:
        list[MoTERouter]: Empty for models without MoTE routing (stock
        MMAction2 heads).
    """
    return [m for m in model.modules() if isinstance(m, MoTERouter)]
