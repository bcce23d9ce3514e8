# Copyright (c) OpenMMLab. All rights reserved.
"""MoTEHead: training losses, routing, test-time TFM, class tables from
checkpoints, and precision under autocast."""
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from _tiny_model import CLASSES, build_tiny, clips, samples
from mote_mmaction.models.heads.mote_head import MoTEHead
from mote_mmaction.models.layers.temporal_modulation import \
    temporal_modulation
from mote_mmaction.testing import tiny_mote_model_cfg


def test_training_step_gives_every_expert_gradient_and_loss_keys():
    model = build_tiny(num_layers=2)
    model.train()
    losses = model(clips(), samples([0, 3]), mode='loss')
    assert {'loss_cls', 'loss_wmr', 'loss_mse'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    for name, p in model.cls_head.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert model.backbone.visual.conv1.weight.grad.abs().sum() > 0


def _spy_temporal(monkeypatch, head):
    captured = {}
    orig = head.temporal.forward

    def spy(inp, experts=None, coeffs=None):
        out = orig(inp, experts=experts, coeffs=coeffs)
        if coeffs is not None:
            captured['merged'], captured['coeffs'] = out, coeffs
        else:
            captured['expert'], captured['experts'] = out, experts
        return out

    monkeypatch.setattr(head.temporal, 'forward', spy)
    return captured


def test_loss_weights_mse_and_routing(monkeypatch):
    model = build_tiny(num_layers=2)
    head = model.cls_head.train()
    head.router.set_step(11)
    x = torch.randn(2, 8, 64)
    captured = _spy_temporal(monkeypatch, head)
    losses = head.loss(x, samples([1, 2]))
    table = head.train_table()
    scale = head.logit_scale.exp()
    labels = torch.tensor([1, 2])

    def logits(h):
        z = F.normalize((x + h).mean(1), dim=-1)
        return scale * z @ table.t()

    assert torch.allclose(losses['loss_cls'],
                          F.cross_entropy(logits(captured['expert']), labels))
    assert torch.allclose(
        losses['loss_wmr'],
        0.5 * F.cross_entropy(logits(captured['merged']), labels))
    # Code variant: per-frame MSE of (e + h_merged) against e.
    assert torch.allclose(losses['loss_mse'],
                          0.1 * (captured['merged']**2).mean(), atol=1e-6)
    # The paths run what the router drew for this step (first call).
    fresh = build_tiny(num_layers=2).cls_head
    fresh.router.set_step(11)
    experts, tau_idx = fresh.router.draw()
    assert captured['experts'] == experts
    for got, i in zip(captured['coeffs'], tau_idx):
        assert torch.equal(got, head.router.tau_coeffs[i])


def test_video_level_mse_variant(monkeypatch):
    model = build_tiny(num_layers=1, mse_target='video')
    head = model.cls_head.train()
    x = torch.randn(2, 8, 64)
    captured = _spy_temporal(monkeypatch, head)
    losses = head.loss(x, samples([0, 1]))
    # Pooled (e + h) against pooled e: the mean of h, squared.
    want = 0.1 * (captured['merged'].mean(1)**2).mean()
    assert torch.allclose(losses['loss_mse'], want, atol=1e-7)
    assert losses['loss_mse'] > 0


def test_eval_uses_tfm_only_for_other_vocabularies(monkeypatch):
    import mote_mmaction.models.heads.mote_head as mh
    model = build_tiny(num_layers=1).eval()
    calls = []
    orig = mh.temporal_modulation
    monkeypatch.setattr(mh, 'temporal_modulation',
                        lambda *a, **k: calls.append(1) or orig(*a, **k))
    with torch.no_grad():
        model(clips(), samples([0, 1]), mode='predict')
        assert calls == []  # same vocabulary: rho = 1, no retrieval
        model.set_vocabulary(['jumping', 'spinning', 'falling'])
        out = model(clips(), samples([0, 1]), mode='predict')
    assert calls == [1]
    assert out[0].pred_score.shape == (3, )
    assert torch.allclose(out[0].pred_score.sum(), torch.tensor(1.0))


def test_num_classes_must_match_names():
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['cls_head']['num_classes'] = 5
    with pytest.raises(ValueError, match='num_classes=5'):
        MODELS.build(cfg)


def test_router_adds_nothing_to_the_checkpoint():
    head = build_tiny(num_layers=2).cls_head
    assert not any('router' in k for k in head.state_dict())
    assert head.router.num_layers == 2 and head.router.num_experts == 4


# ----------------------------------------------------------------------
# A test run builds without the training class-name file: the checkpoint
# carries the training table (TFM needs it); training still needs the file.
TABLE_TRAIN = ['moving left', 'moving right', 'growing', 'shrinking']
ZERO_SHOT = ['jumping', 'falling', 'waving']


def test_zero_shot_from_the_checkpoint_table(tmp_path):
    torch.manual_seed(0)
    trained = MODELS.build(tiny_mote_model_cfg(TABLE_TRAIN)).eval()
    trained.cls_head.train_table()
    state = trained.state_dict()

    missing = str(tmp_path / 'kinetics400_class_names.txt')
    cfg = tiny_mote_model_cfg(missing, num_classes=len(TABLE_TRAIN))
    model = MODELS.build(cfg).eval()  # builds although the file is absent
    model.load_state_dict(state)
    for m in (trained, model):
        m.set_vocabulary(ZERO_SHOT)
    x = torch.randn(3, 4, 64)
    with torch.no_grad():
        got, want = model.cls_head(x), trained.cls_head(x)
    assert got.shape == (3, len(ZERO_SHOT))
    torch.testing.assert_close(got, want)  # same table, same TFM
    assert torch.equal(model.cls_head.train_table(),
                       trained.cls_head.train_table())


def test_missing_file_without_table_or_for_training_is_an_error(tmp_path):
    missing = str(tmp_path / 'kinetics400_class_names.txt')
    model = MODELS.build(tiny_mote_model_cfg(missing, num_classes=4)).eval()
    model.set_vocabulary(ZERO_SHOT)
    with pytest.raises(FileNotFoundError,
                       match='kinetics400_class_names.txt.*carries no'):
        model.cls_head(torch.randn(2, 4, 64))
    with pytest.raises(FileNotFoundError, match='training needs it'):
        model.cls_head.init_weights()


# ----------------------------------------------------------------------
# Precision under autocast: fp32 cosines and TFM, and the head's logits
# within a stated tolerance of fp32 for fp16 and bf16.
PREC_TRAIN = ['moving left', 'moving right', 'growing', 'shrinking',
              'spinning']
PREC_TEST = ['jumping', 'falling', 'moving left', 'waving']

# Max abs difference of the test cosines (in [-1, 1]) from fp32 when the
# temporal transformer runs under autocast; the cosine itself is fp32.
# Measured on this model: 6.6e-5 (bf16), 9.3e-6 (fp16); cosines computed
# in bf16 / fp16 themselves would be off by ~4e-3 / ~5e-4.
TOLERANCE = {torch.bfloat16: 1e-3, torch.float16: 1e-4}


@pytest.fixture(scope='module')
def head() -> MoTEHead:
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(PREC_TRAIN, num_layers=2))
    head = model.cls_head.eval()
    head.train_table()
    return head


def _inputs(n=6, t=8, d=64, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, t, d, generator=g)


def test_tfm_is_fp32_under_autocast(head):
    x = _inputs()
    test_table = head.text_encoder.encode(PREC_TEST)
    want = temporal_modulation(x, test_table, head.train_table())
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = temporal_modulation(x, test_table, head.train_table())
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
@pytest.mark.parametrize('vocab', [None, PREC_TEST])
def test_logits_under_autocast_within_tolerance(head, dtype, vocab):
    head.set_vocabulary(vocab)
    x = _inputs()
    with torch.no_grad():
        want = head(x)
        with torch.autocast('cpu', dtype=dtype):
            got = head(x)
    head.set_vocabulary(None)
    assert got.dtype == torch.float32
    diff = (got - want).abs().max().item()
    assert diff <= TOLERANCE[dtype], diff
    assert diff > 0  # the temporal stream really ran in the low precision


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_training_losses_under_autocast_within_tolerance(head, dtype,
                                                         monkeypatch):
    """Same draws, fp32 vs autocast: the three losses agree to the
    precision of the temporal stream, which really ran low (they differ)."""
    from mmaction.structures import ActionDataSample
    head.train()
    draws = head.router.draw()
    monkeypatch.setattr(head.router, 'draw', lambda: draws)
    x = _inputs(n=4)
    samples = [ActionDataSample().set_gt_label(i % len(PREC_TRAIN))
               for i in range(4)]
    try:
        with torch.no_grad():
            want = head.loss(x, samples)
            with torch.autocast('cpu', dtype=dtype):
                got = head.loss(x, samples)
    finally:
        head.eval()
    for k in ('loss_cls', 'loss_wmr', 'loss_mse'):
        diff = (got[k].double() - want[k].double()).abs().item()
        # relative to the loss, within 10x the cosines' tolerance (about
        # 50x the drift seen: fp16 5e-5, bf16 2e-4 on losses near 4)
        assert diff <= 10 * TOLERANCE[dtype] * max(1., want[k].item()), k
    assert any(got[k].item() != want[k].item() for k in want)


def test_eval_class_names_follow_set_vocabulary():
    model = MODELS.build(tiny_mote_model_cfg(PREC_TRAIN, num_layers=1))
    head = model.cls_head
    assert head.eval_class_names is None
    head.set_vocabulary(['jumping', 'falling'])
    assert head.eval_class_names == ['jumping', 'falling']
    head.set_vocabulary(list(PREC_TRAIN))  # the training one: no switch
    assert head.eval_class_names is None
    head.set_vocabulary(['jumping'])
    head.set_vocabulary(None)
    assert head.eval_class_names is None


def test_adapter_width_must_be_the_head_width():
    """Caught when the head is built, not at the first forward."""
    cfg = tiny_mote_model_cfg(PREC_TRAIN, num_layers=1)['cls_head']
    cfg['feature_adapter'] = dict(type='MoTEFeatureAdapter', in_channels=8,
                                  out_channels=32)
    with pytest.raises(ValueError, match=r'feature_adapter gives 32-d .* '
                       r"in_channels=64: set the adapter's out_channels=64"):
        MODELS.build(cfg)
