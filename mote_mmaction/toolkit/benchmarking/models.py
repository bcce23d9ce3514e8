# Copyright (c) OpenMMLab. All rights reserved.
"""The benchmarked model: built from a config without weight files, with
generated class names, and its synthetic inputs.
"""
import copy
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config, ConfigDict

from .pipelines import pipeline_of


SAMPLERS = ('UniformSample', 'SampleFrames', 'UniformSampleFrames',
            'DenseSampleFrames')


CROPS = dict(ThreeCrop=3, TenCrop=10)


def clip_geometry(cfg: Config, split: str) -> Tuple[int, int]:
    """(frames per view, views per clip) of a split's pipeline."""
    frames, clips, crops = 8, 1, 1
    for t in pipeline_of(cfg, split):
        if t.get('type') in SAMPLERS:
            frames = int(t.get('clip_len', frames))
            clips = int(t.get('num_clips', 1))
        crops = CROPS.get(t.get('type'), crops)
    return frames, clips * crops


def frame_size(cfg: Config, args) -> int:
    if args.size:
        return args.size
    arch = cfg.model.get('backbone', {}).get('arch')
    if arch is None:
        return 224
    from mote_mmaction.models.clip_utils import resolve_arch
    size = resolve_arch(arch)['vision_cfg'].get('image_size', 224)
    return int(size[0] if isinstance(size, (list, tuple)) else size)


def class_names(n: int, prefix: str = 'action') -> List[str]:
    return [f'{prefix} {i:03d}' for i in range(n)]


def resolve_amp(cfg: Config, args) -> str:
    if args.amp_dtype != 'config':
        return args.amp_dtype
    ow = cfg.get('optim_wrapper', {}) or {}
    if ow.get('type') == 'AmpOptimWrapper':
        return str(ow.get('dtype') or 'float16')
    return 'none'


def model_config(cfg: Config, args, deploy: bool = False) -> ConfigDict:
    """``cfg.model`` without weight files, with generated class names."""
    m = copy.deepcopy(cfg.model)
    bb = m.get('backbone')
    if bb is not None:
        if 'pretrained' in bb or bb.get('type') == 'CLIPViT':
            bb['pretrained'] = None
        if args.grad_ckpt != 'config':
            bb['grad_checkpointing'] = args.grad_ckpt == 'on'
    head = m.cls_head
    n = args.num_classes or head.num_classes
    head.num_classes = n
    head.class_names = class_names(n)
    head.pop('test_class_names', None)
    te = head.get('text_encoder')
    if te is not None:
        te['pretrained'] = None
        if args.text_templates:
            from mote_mmaction.models.text.text_encoder import \
                MOTE_TEMPLATES
            templates = list(te.get('templates', MOTE_TEMPLATES))
            te['templates'] = templates[:args.text_templates]
    if deploy:
        head.num_experts = 1
    return m


def text_encoder_of(model):
    head = model.cls_head
    return getattr(head, 'text_encoder', None) if hasattr(
        type(head), 'text_encoder') else None


def _vocabulary_key(names) -> tuple:
    """A vocabulary as the text encoder keys its cache: a 1-phrasing class
    is its name."""
    return tuple(n if isinstance(n, str) else
                 (n[0] if len(n) == 1 else tuple(n)) for n in names)


class CountingTextEncoder:
    """The head's text encoder, seen from the benchmark: it counts the
    tables the encoder computes (a tower run per vocabulary it has not
    encoded before; the encoder caches the rest) and serves preset tables
    without the tower. Everything else is the wrapped encoder's.
    """

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        #: Tables computed by the tower since wrapping.
        self.runs = 0
        self._seen = set()
        self._preset = {}

    def __getattr__(self, name):
        return getattr(self.__dict__['encoder'], name)

    def preset(self, names, table) -> None:
        """Serve ``table`` ``[C, D]`` (rows normalised) for ``names``."""
        self._preset[_vocabulary_key(names)] = F.normalize(
            table.detach().float().cpu(), dim=-1)

    def encode(self, names, device=None):
        key = _vocabulary_key(names)
        if key in self._preset:
            table = self._preset[key]
            return table if device is None else table.to(device)
        if key not in self._seen:
            self._seen.add(key)
            self.runs += 1
        return self.encoder.encode(names, device=device)


def counting_encoder(model) -> Optional[CountingTextEncoder]:
    """The model's text encoder wrapped (once) in a
    :class:`CountingTextEncoder`; ``None`` for heads without one."""
    enc = text_encoder_of(model)
    if enc is None or isinstance(enc, CountingTextEncoder):
        return enc
    model.cls_head.text_encoder = CountingTextEncoder(enc)
    return model.cls_head.text_encoder


def tower_runs(model) -> int:
    enc = counting_encoder(model)
    return enc.runs if enc is not None else 0


def install_random_tables(model, vocabularies: Sequence[Sequence[str]],
                          seed: int) -> None:
    """Serve random unit-row tables for ``vocabularies``, so class tables
    exist without running the tower."""
    enc = counting_encoder(model)
    if enc is None:
        return
    gen = torch.Generator().manual_seed(seed)
    for names in vocabularies:
        enc.preset(names, torch.randn(len(names), model.cls_head.in_channels,
                                      generator=gen))


def build_model(cfg: Config, args, deploy: bool = False):
    torch.manual_seed(args.seed)
    model = MODELS.build(model_config(cfg, args, deploy))
    model.init_weights()
    model.to(args.device)
    if args.random_text_tables:
        names = [model.cls_head.class_names]
        if args.tfm_classes:
            names.append(class_names(args.tfm_classes, 'novel action'))
        install_random_tables(model, names, args.seed)
    if args.compile:
        visual = model.backbone.visual
        if hasattr(visual, 'compile'):
            visual.compile()  # in place: parameter names unchanged
        else:
            model.backbone.visual = torch.compile(visual)
    return model


def expert_ffns(model) -> List[torch.nn.Module]:
    from mote_mmaction.models.layers.temporal_experts import MoTEExpertsFFN
    return [m for m in model.modules() if isinstance(m, MoTEExpertsFFN)]


def synthetic_batch(batch: int, views: int, frames: int, size: int,
                    num_classes: int, device: str, seed: int,
                    on_host: bool = False) -> dict:
    """A collated batch as the DataLoader gives it: uint8 clips
    ``[views, 3, T, H, W]`` and data samples with labels."""
    gen = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(0, 256, (views, 3, frames, size, size),
                      dtype=torch.uint8, generator=gen) for _ in range(batch)
    ]
    labels = torch.randint(0, num_classes, (batch, ), generator=gen)
    target = 'cpu' if on_host else device
    inputs = [x.to(target) for x in inputs]
    samples = [
        ActionDataSample().set_gt_label(labels[i:i + 1].to(target))
        for i in range(batch)
    ]
    return dict(inputs=inputs, data_samples=samples)
