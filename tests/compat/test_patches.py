# Copyright (c) OpenMMLab. All rights reserved.
"""The compat patches: applied where the upstream bug exists, no-ops where
it does not; the NumPy 2 fixes for stock mmaction2 code a MoTE config may
use, and the clear error for DRN built from a config."""
import os.path as osp
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from mmaction.datasets.transforms.processing import ColorJitter
from mmaction.registry import MODELS, TRANSFORMS

import mote_mmaction  # noqa: F401
from mote_mmaction.compat import patches as compat
from mote_mmaction.testing.synthetic_videos import write_motion_clip

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PATCHES = osp.join(REPO, 'mote_mmaction', 'compat', 'patches.py')


def run_py(code, cwd=REPO):
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=cwd, capture_output=True, text=True)


def test_fresh_process_imports_mmaction_models():
    res = run_py('''
        import mote_mmaction
        import mmaction.models
        from mmaction.utils import register_all_modules
        register_all_modules()
        from mmaction.registry import MODELS, HOOKS, TRANSFORMS, DATASETS
        assert MODELS.get('MoTEHead') and MODELS.get('CLIPViT')
        assert MODELS.get('TSNHead')  # stock parts still there
        assert HOOKS.get('MoTEZeroShotEvalHook')
        assert TRANSFORMS.get('MoTERandomGrayscale')
        assert DATASETS.get('MoTEVideoDataset')
        print(mote_mmaction.compat.APPLIED)
    ''')
    assert res.returncode == 0, res.stderr
    assert "'mmaction_drn': True" in res.stdout


def test_drn_patch_is_a_noop_once_applied():
    assert 'mmaction.models.localizers.drn' in sys.modules
    assert compat.patch_missing_drn() is False


def test_drn_patch_is_a_noop_when_upstream_is_fixed(tmp_path):
    # A fake mmaction package that ships drn/ with its __init__.py.
    pkg = tmp_path / 'mmaction'
    (pkg / 'models' / 'localizers' / 'drn').mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'models' / 'localizers' / 'drn' / '__init__.py').write_text('')
    # Load compat/patches.py alone: mote_mmaction itself needs the real
    # mmaction.
    res = run_py(f'''
        import importlib.util, sys
        sys.path.insert(0, {str(tmp_path)!r})
        spec = importlib.util.spec_from_file_location(
            'compat', {PATCHES!r})
        compat = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(compat)
        print(compat.patch_missing_drn())
    ''')
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == 'False'


def test_checkpoints_with_history_buffers_load(tmp_path):
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'ckpt.pth')
    torch.save(dict(state_dict={'w': torch.ones(1)},
                    message_hub=dict(log_scalars={'loss': HistoryBuffer()})),
               path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert isinstance(ckpt['message_hub']['log_scalars']['loss'],
                      HistoryBuffer)


def test_weights_only_patch_guards(monkeypatch):
    from mmengine.runner.checkpoint import CheckpointLoader
    assert compat.APPLIED['mmengine_weights_only'] is True
    assert CheckpointLoader._get_checkpoint_loader('x.pth') is \
        compat.load_from_local_weights_only
    assert compat.patch_mmengine_checkpoint_loading() is False  # once only
    # torch without safe_globals (< 2.5): nothing to build the loader on
    monkeypatch.delattr(torch.serialization, 'safe_globals')
    assert compat.patch_mmengine_checkpoint_loading() is False


def test_loader_log_names_the_backend(tmp_path):
    """MMEngine logs ``loader.__name__[10:]`` as the backend name."""
    import logging

    from mmengine.logging import MMLogger
    from mmengine.runner.checkpoint import CheckpointLoader
    path = str(tmp_path / 'w.pth')
    torch.save({'w': torch.ones(1)}, path)
    seen = []

    class Keep(logging.Handler):

        def emit(self, record):
            seen.append(record.getMessage())

    logger = MMLogger.get_current_instance()
    handler = Keep()
    logger.addHandler(handler)
    try:
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    finally:
        logger.removeHandler(handler)
    assert f'Loads checkpoint by local_weights_only backend from path: ' \
        f'{path}' in seen


def test_other_patches_apply_once():
    assert compat.APPLIED['mmengine_atomic_checkpoints'] is True
    assert compat.APPLIED['mmengine_complete_loading'] is True
    assert compat.patch_mmengine_atomic_checkpoints() is False
    assert compat.patch_mmengine_complete_loading() is False


def test_torchvision_patch_is_a_noop_when_torchvision_imports():
    import torchvision  # noqa: F401
    assert compat.ensure_torchvision_importable() is False


def test_missing_checkpoint_file_is_clear(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    with pytest.raises(FileNotFoundError, match='can not be found'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_weights_only_bug_exists_and_loader_handles_it(tmp_path):
    """Plain ``torch.load`` (torch >= 2.6) refuses a runner checkpoint; the
    patched ``CheckpointLoader`` (used by resume, load_from, tools/test.py
    and init_recognizer) loads it with weights_only=True."""
    import pickle

    import numpy as np
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import CheckpointLoader
    buf = HistoryBuffer()
    buf.update(0.5)
    path = str(tmp_path / 'runner_style.pth')
    torch.save(
        dict(
            meta=dict(epoch=1, iter=2, seed=np.int64(3)),
            state_dict={'w': torch.ones(2)},
            message_hub=dict(log_scalars={'train/loss': buf,
                                          'empty': HistoryBuffer()})), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)  # what the allow-list fixes
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 0.5
    assert ckpt['message_hub']['log_scalars']['train/loss'].mean() == 0.5
    assert ckpt['meta']['seed'] == 3
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


FAKE_TORCHVISION = '''
import torch
# Mimics torchvision's meta registrations when its C++ ops did not load.
if not hasattr(torch.ops.torchvision, 'nms'):
    raise RuntimeError({message!r})
'''


def load_compat_in_subprocess(tmp_path, body):
    """Run ``body`` with compat/patches.py loaded alone and ``tmp_path``
    first on ``sys.path`` (so fake packages there shadow the real ones)."""
    head = textwrap.dedent(f'''
        import importlib.util, sys
        sys.path.insert(0, {str(tmp_path)!r})
        spec = importlib.util.spec_from_file_location(
            'compat', {PATCHES!r})
        compat = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(compat)
    ''')
    return run_py(head + textwrap.dedent(body))


def test_torchvision_patch_applies_when_ops_are_missing(tmp_path):
    (tmp_path / 'torchvision').mkdir()
    (tmp_path / 'torchvision' / '__init__.py').write_text(
        FAKE_TORCHVISION.format(
            message='operator torchvision::nms does not exist'))
    res = load_compat_in_subprocess(tmp_path, '''
        print(compat.ensure_torchvision_importable())
        import torchvision
        print(torchvision.__file__.startswith(sys.path[0]))
    ''')
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ['True', 'True']


def test_torchvision_patch_reraises_other_errors(tmp_path):
    (tmp_path / 'torchvision').mkdir()
    (tmp_path / 'torchvision' / '__init__.py').write_text(
        FAKE_TORCHVISION.format(message='some other failure'))
    res = load_compat_in_subprocess(
        tmp_path, 'compat.ensure_torchvision_importable()\n')
    assert res.returncode != 0
    assert 'some other failure' in res.stderr


# ----------------------------------------------------------------------
# NumPy 2 fixes for stock mmaction2 code
def test_frame_extract_with_short_side(tmp_path):
    from mmaction.utils.misc import frame_extract
    video = str(tmp_path / 'clip.mp4')
    write_motion_clip(video, 'moving left', num_frames=6, size=(64, 48),
                      fps=8, seed=0)
    paths, frames = frame_extract(video, short_side=24,
                                  out_dir=str(tmp_path / 'frames'))
    assert len(paths) == 6 and frames[0].shape == (24, 32, 3)


def test_pose_compact_runs():
    kp = np.zeros((1, 4, 5, 2), dtype=np.float32)
    kp[..., 0] = np.linspace(10, 30, 5)
    kp[..., 1] = np.linspace(20, 40, 5)
    out = TRANSFORMS.build(dict(type='PoseCompact', hw_ratio=1.0))(
        dict(img_shape=(64, 64), keypoint=kp.copy()))
    h, w = out['img_shape']
    assert h == w and h < 64  # cropped around the keypoints


def test_only_mmaction_modules_see_inf():
    """The two modules that use ``np.Inf`` get a numpy view with it;
    numpy itself (NumPy 2, as pinned) and every other module keep the real
    namespace."""
    import mmaction.datasets.transforms.pose_transforms as pose
    import mmaction.datasets.transforms.processing as processing
    import mmaction.utils.misc as misc
    with pytest.raises(AttributeError):
        np.Inf
    for module in (misc, pose):
        assert module.np is not np and module.np.Inf == float('inf')
        assert module.np.zeros is np.zeros
    assert processing.np is np


@pytest.fixture
def inf_modules(monkeypatch):
    """The two ``np.Inf`` modules back on plain numpy, as before the
    patch (restored afterwards)."""
    import mmaction.datasets.transforms.pose_transforms as pose
    import mmaction.utils.misc as misc
    for module in (misc, pose):
        monkeypatch.setattr(module, 'np', np)
    return misc, pose


def test_inf_patch_is_a_noop_on_numpy1(inf_modules, monkeypatch):
    """NumPy 1 has ``Inf``: nothing to patch, the modules keep numpy."""
    monkeypatch.setattr(np, 'Inf', float('inf'), raising=False)
    assert compat.patch_numpy2_inf() is False
    assert all(module.np is np for module in inf_modules)


def test_inf_patch_skips_modules_fixed_upstream(inf_modules, monkeypatch,
                                                tmp_path):
    """A module whose source no longer says ``np.Inf`` (fixed upstream) is
    left alone; one that still does is patched. Both fixed: a no-op."""
    misc, pose = inf_modules
    fixed = tmp_path / 'misc.py'
    with open(misc.__file__, encoding='utf-8') as f:
        fixed.write_text(f.read().replace('np.Inf', 'np.inf'))
    monkeypatch.setattr(misc, '__file__', str(fixed))
    assert compat.patch_numpy2_inf() is True
    assert misc.np is np and pose.np.Inf == float('inf')

    monkeypatch.setattr(pose, 'np', np)
    monkeypatch.setattr(pose, '__file__', str(fixed))
    assert compat.patch_numpy2_inf() is False
    assert misc.np is np and pose.np is np


def test_inf_patch_applies_once():
    """Already patched (the modules' ``np`` is the view): a no-op."""
    import mmaction.utils.misc as misc
    view = misc.np
    assert compat.APPLIED['numpy2_inf'] is True
    assert compat.patch_numpy2_inf() is False
    assert misc.np is view


def _hue_numpy1(img, factor):
    """NumPy 1's result: value-based casting kept ``uint8 + positive int``
    in uint8 (wrapping at 256) and promoted ``uint8 + negative int``."""
    import cv2
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hue = hsv[..., 0].astype(np.int64) + offset
    if offset >= 0:
        hue = hue % 256
    hsv[..., 0] = np.mod(hue, 180).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


@pytest.mark.parametrize('factor', [-0.5, -0.1, -0.02, 0.03, 0.4])
def test_color_jitter_hue_as_numpy1(factor):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (8, 8, 3)).astype(np.float32)
    got = ColorJitter.adjust_hue(img, factor)
    np.testing.assert_array_equal(got, _hue_numpy1(img, factor))


def _hue_upstream(img, factor):
    """What mmaction2 1.2.0 does: ``uint8 + int``, which NumPy 2 refuses
    for a negative int."""
    import cv2
    hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8),
                       cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + int(factor * 255)) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def test_hue_patch_replaces_only_a_broken_adjust_hue(monkeypatch):
    """The upstream code fails on NumPy 2 and is replaced; an
    ``adjust_hue`` that works (fixed upstream, or NumPy 1) is kept as is."""
    img = np.full((2, 2, 3), 100, dtype=np.float32)
    monkeypatch.setattr(ColorJitter, 'adjust_hue',
                        staticmethod(_hue_upstream))
    with pytest.raises(OverflowError):
        ColorJitter.adjust_hue(img, -0.1)
    assert compat.patch_color_jitter_hue() is True
    assert ColorJitter.adjust_hue is not _hue_upstream
    np.testing.assert_array_equal(ColorJitter.adjust_hue(img, -0.1),
                                  _hue_numpy1(img, -0.1))

    fixed = staticmethod(_hue_numpy1)
    monkeypatch.setattr(ColorJitter, 'adjust_hue', fixed)
    assert compat.patch_color_jitter_hue() is False
    assert ColorJitter.__dict__['adjust_hue'] is fixed


def test_color_jitter_pipeline_many_draws():
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type='ColorJitter', hue=0.1))
    imgs = [np.full((4, 4, 3), v, dtype=np.uint8) for v in (30, 120, 200)]
    for _ in range(20):  # about half the draws are negative hue shifts
        out = t(dict(imgs=list(imgs)))
        assert out['imgs'][0].dtype == np.uint8


def test_drn_from_a_config_is_a_clear_error():
    if not compat.APPLIED.get('mmaction_drn'):
        pytest.fail('this stack ships DRN; the stub test does not apply')
    with pytest.raises(ImportError, match='2714'):
        MODELS.build(dict(type='DRN'))
