# Copyright (c) OpenMMLab. All rights reserved.
"""Frozen CLIP text tower that turns class names into class tables."""
import hashlib
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.logging import MMLogger
from torch import Tensor

from ..clip_utils import (ArchType, build_text_tower, load_clip_state_dict,
                          load_into, resolve_arch)

# The 28-template ensemble of the MoTE code (4 prefixes x 7 suffixes).
PROMPT_PREFIXES = ('a photo of', 'a video of', 'a example of',
                   'a demonstration of')
PROMPT_SUFFIXES = ('{}.', 'a person {}.', 'a person using {}.',
                   'a person doing {}.', 'a person during {}.',
                   'a person performing {}.', 'a person practicing {}.')
MOTE_TEMPLATES = tuple(f'{p} {s}' for p in PROMPT_PREFIXES
                       for s in PROMPT_SUFFIXES)

# Weights of a random text tower (tests, the embedded demo) are drawn from
# this seed so every process builds the same class tables.
_RANDOM_INIT_SEED = 20241014

#: A class: its name, or its phrasings (name first; see
#: :mod:`mote_mmaction.vocabulary`).
ClassItem = Union[str, Sequence[str]]
# Canonical cache key item: a str for one phrasing (as plain vocabularies
# always were), a tuple for several.
_KeyItem = Union[str, Tuple[str, ...]]


def _phrasings(item: _KeyItem) -> Tuple[str, ...]:
    return (item, ) if isinstance(item, str) else item


def _canonical(items: Sequence[ClassItem]) -> Tuple[_KeyItem, ...]:
    key = []
    for i, item in enumerate(items):
        phr = (item, ) if isinstance(item, str) else tuple(item)
        if not phr or not all(isinstance(p, str) for p in phr):
            raise ValueError(f'class {i}: expected a name or a non-empty '
                             f'sequence of phrasings, got {item!r}')
        key.append(phr[0] if len(phr) == 1 else phr)
    return tuple(key)


@MODELS.register_module()
class CLIPTextEncoder:
    """Builds L2-normalised class tables with a frozen CLIP text tower.

    This is deliberately *not* an ``nn.Module``: it is never part of the
    model's module tree, so it is not in the optimizer, not moved to the GPU
    with the model, not wrapped by DDP and not written to checkpoints. Its
    tower lives on the CPU and visits the requested device only while a
    table is computed. Tables are cached per vocabulary.

    Class embedding: ``y_c = normalize(mean_k normalize(g(template_k(c))))``;
    a class given by several phrasings ``p_j`` (descriptor vocabularies)
    averages over templates x phrasings:
    ``y_c = normalize(mean_{k,j} normalize(g(template_k(p_j))))``.

    Args:
        arch (str | dict): open_clip model name or config (same as the
            backbone's).
        pretrained (str, optional): Local CLIP file; ``None`` gives a random
            tower seeded deterministically (tests and demos only).
        templates (Sequence[str]): Prompt templates with one ``{}``.
            Defaults to the 28 MoTE templates.
        quick_gelu (bool): As the backbone. Defaults to True.
        batch_size (int): Prompts per text-tower forward. Defaults to 1024.
    """

    def __init__(self,
                 arch: ArchType = 'ViT-B-16',
                 pretrained: Optional[str] = None,
                 templates: Sequence[str] = MOTE_TEMPLATES,
                 quick_gelu: bool = True,
                 batch_size: int = 1024) -> None:
        templates = tuple(templates)
        if not templates or any(t.count('{}') != 1 for t in templates):
            raise ValueError('every prompt template needs exactly one `{}`, '
                             f'got {templates}')
        self.arch = arch
        self.pretrained = pretrained
        self.templates = templates
        self.quick_gelu = quick_gelu
        self.batch_size = batch_size
        self._tower = None
        self._tokenizer = None
        self._cache: Dict[Tuple[_KeyItem, ...], Tensor] = {}
        self._logit_scale: Optional[float] = None

    @property
    def tower(self) -> torch.nn.Module:
        """The text tower, built and loaded on first use (CPU, eval)."""
        if self._tower is None:
            if self.pretrained is None:
                # tests and benchmarks want this; a real run never does
                MMLogger.get_current_instance().warning(
                    'CLIPTextEncoder has no weights (pretrained=None): class '
                    'tables come from a randomly initialised text tower, '
                    'so scores against real class names mean nothing. Set '
                    'text_encoder.pretrained to the CLIP file (only its '
                    'text tower is read).')
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(_RANDOM_INIT_SEED)
                    tower = build_text_tower(self.arch, self.quick_gelu)
            else:
                tower = build_text_tower(self.arch, self.quick_gelu)
                state = load_clip_state_dict(self.pretrained)
                text_keys = {k: v for k, v in state.items()
                             if not k.startswith('visual.')
                             and k in tower.state_dict()}
                load_into(tower, text_keys, self.pretrained)
                if 'logit_scale' in state:
                    self._logit_scale = float(state['logit_scale'])
            self._tower = tower.eval().requires_grad_(False)
        return self._tower

    @property
    def logit_scale(self) -> Optional[float]:
        """``logit_scale`` of the CLIP file (read with the text weights),
        or ``None`` without a file or key."""
        _ = self.tower  # reading the file also reads logit_scale
        return self._logit_scale

    @property
    def tokenizer(self):
        """open_clip's BPE tokenizer (shipped with open_clip, offline)."""
        if self._tokenizer is None:
            from open_clip.tokenizer import SimpleTokenizer
            ctx = resolve_arch(self.arch).get('text_cfg', {}).get(
                'context_length', 77)
            self._tokenizer = SimpleTokenizer(context_length=ctx)
        return self._tokenizer

    @property
    def embed_dim(self) -> int:
        return int(resolve_arch(self.arch)['embed_dim'])

    @staticmethod
    def vocabulary_key(names: Sequence[ClassItem]) -> str:
        """Short stable id of a vocabulary, for logs (a class's
        phrasings are joined by tabs; one phrasing is its name)."""
        text = '\n'.join('\t'.join(_phrasings(k)) for k in _canonical(names))
        return hashlib.sha1(text.encode()).hexdigest()[:10]

    @torch.no_grad()
    def encode(self,
               names: Sequence[ClassItem],
               device: Optional[torch.device] = None) -> Tensor:
        """Class table of ``names``, computed once per vocabulary.

        Args:
            names (Sequence[str | Sequence[str]]): Per class its name
                (already human readable) or its phrasings, name first. A
                1-item sequence is the same as its name.
            device (torch.device, optional): Where to run the tower and
                return the table. Defaults to CPU.

        Returns:
            Tensor: ``[C, D]`` float32, rows L2-normalised.
        """
        key = _canonical(names)
        if not key:
            raise ValueError('cannot build a class table for 0 classes')
        if key not in self._cache:
            self._cache[key] = self._compute(key, device)
        table = self._cache[key]
        return table if device is None else table.to(device)

    def _compute(self, names: Tuple[_KeyItem, ...],
                 device: Optional[torch.device]) -> Tensor:
        tower = self.tower
        run_device = torch.device('cpu') if device is None else device
        counts = [len(_phrasings(c)) for c in names]
        tower.to(run_device)
        try:
            prompts = [t.format(p) for c in names for p in _phrasings(c)
                       for t in self.templates]
            feats: List[Tensor] = []
            for i in range(0, len(prompts), self.batch_size):
                tokens = self.tokenizer(prompts[i:i + self.batch_size])
                with torch.autocast(run_device.type, enabled=False):
                    out = tower(tokens.to(run_device)).float()
                feats.append(F.normalize(out, dim=-1))
            flat = torch.cat(feats)
            if len(set(counts)) == 1:  # one phrasing each: the MoTE path
                per_prompt = flat.view(len(names),
                                       counts[0] * len(self.templates), -1)
                mean = per_prompt.mean(dim=1)
            else:
                sizes = [n * len(self.templates) for n in counts]
                mean = torch.stack(
                    [f.mean(dim=0) for f in flat.split(sizes)])
            table = F.normalize(mean, dim=-1)
        finally:
            tower.to('cpu')  # keep the accelerator free for training
        MMLogger.get_current_instance().info(
            f'Built class table for {len(names)} classes x '
            f'{len(self.templates)} templates'
            + (f' x {sum(counts)} phrasings' if max(counts) > 1 else '') +
            f' (vocabulary {self.vocabulary_key(names)}).')
        return table.cpu()
