# Copyright (c) OpenMMLab. All rights reserved.
import math

import pytest
import torch

from mote_mmaction.models.layers import (MoTERouter, find_routers,
                                         rank_softmax, tau_candidates)


def test_rank_softmax_is_the_routing_and_merge_distribution():
    ranks = torch.arange(1., 5.)
    assert torch.allclose(rank_softmax(4, 1.0), torch.softmax(ranks, 0)
                          .double())
    assert torch.allclose(rank_softmax(4, 0.6),
                          torch.softmax(ranks.double() / 0.6, 0))
    assert rank_softmax(4, math.inf).tolist() == [0.25] * 4
    assert rank_softmax(4, -0.6).tolist() == pytest.approx(
        rank_softmax(4, 0.6).flip(0).tolist())
    assert rank_softmax(4, 0.6).tolist() == pytest.approx(
        [0.0055, 0.029, 0.153, 0.812], abs=1e-3)


def test_tau_set_and_its_coefficients():
    taus = tau_candidates(0.6, 5, True)
    expected = sorted([s * 0.6 * 2**k for k in range(5)
                       for s in (-1, 1)] + [math.inf])
    assert list(taus) == pytest.approx(expected)
    assert math.inf not in tau_candidates(0.6, 5, False)
    router = MoTERouter(4, num_layers=2)
    assert router.tau_coeffs.shape == (11, 4)
    for tau, row in zip(router.taus, router.tau_coeffs):
        assert torch.allclose(row, rank_softmax(4, tau).float())
    # The coefficients follow the model's device and stay out of the
    # state dict.
    assert dict(router.state_dict()) == {}
    assert router.to(torch.float64).tau_coeffs.dtype == torch.float64


def test_expert_frequencies_match_the_softmax():
    router = MoTERouter(4, num_layers=3, temperature=1.0, seed=0)
    counts = torch.zeros(4)
    for step in range(3000):
        router.set_step(step)
        experts, taus = router.draw()
        assert len(experts) == len(taus) == 3
        for e in experts:
            counts[e] += 1
    freq = counts / counts.sum()
    expected = torch.softmax(torch.arange(1., 5.), 0)
    assert torch.allclose(freq, expected, atol=0.015), (freq, expected)


def test_draws_are_a_function_of_seed_step_and_call():
    router = MoTERouter(4, num_layers=4, seed=3)
    per_step = []
    for step in range(20):
        router.set_step(step)
        per_step.append((router.draw(), router.draw()))
    # Not constant: steps, and calls within a step, draw differently.
    assert len({repr(d) for d, _ in per_step}) > 10
    assert sum(a != b for a, b in per_step) > 10
    # Replaying a step from a fresh router (as a resumed run does) gives
    # the same draws, in the same call order.
    replay = MoTERouter(4, num_layers=4, seed=3)
    replay.set_step(13)
    assert (replay.draw(), replay.draw()) == per_step[13]
    other_seed = MoTERouter(4, num_layers=4, seed=4)
    other_seed.set_step(13)
    assert (other_seed.draw(), other_seed.draw()) != per_step[13]


def test_find_routers_reaches_every_router_through_wrappers():
    a, b = MoTERouter(4, num_layers=2, seed=1), MoTERouter(4, 2, seed=2)
    # A wrapper holds the model as ``.module`` (DDP, FSDP): still reached.
    wrapped = torch.nn.ModuleDict(dict(module=torch.nn.ModuleList([a, b])))
    found = find_routers(wrapped)
    assert len(found) == 2 and found[0] is a and found[1] is b
    assert find_routers(torch.nn.Linear(2, 2)) == []


def test_ranks_draw_apart_unless_synced(monkeypatch):
    import mote_mmaction.models.layers.expert_router as er

    def draws(rank, sync):
        monkeypatch.setattr(er, 'get_rank', lambda: rank)
        monkeypatch.setattr(er, 'broadcast_object_list', lambda box, src: None)
        router = MoTERouter(4, num_layers=4, seed=0, sync=sync)
        out = []
        for step in range(8):
            router.set_step(step)
            out.append(router.draw())
        return out

    assert draws(0, False) != draws(1, False)
    assert draws(0, True) == draws(1, True)


def test_no_step_warns_once_and_draws_by_call(monkeypatch):
    import mote_mmaction.models.layers.expert_router as er
    logged = []
    monkeypatch.setattr(er, 'print_log', lambda msg, **kw: logged.append(msg))
    router = MoTERouter(4, num_layers=4, seed=0)
    draws = [router.draw() for _ in range(10)]
    assert len({repr(d) for d in draws}) > 5  # keyed on the call count
    assert len(logged) == 1 and 'MoTERoutingStepHook' in logged[0]
    fresh = MoTERouter(4, num_layers=4, seed=0)
    assert [fresh.draw() for _ in range(10)] == draws
