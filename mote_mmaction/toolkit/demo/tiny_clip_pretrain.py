# Copyright (c) OpenMMLab. All rights reserved.
"""Contrastive pre-training of a tiny CLIP on captioned generated frames.

The embedded demo needs a CLIP whose text tower knows the words of its class
names, so that zero-shot recognition of unseen classes is possible at all.
This module makes one in seconds on a CPU: stills of coloured shapes
(:func:`~mote_mmaction.testing.synthetic_videos.render_still`, the objects of
the demo's clips) captioned from a small compositional vocabulary
(``'a large red square on the left'``), and open_clip's CLIP trained with
the symmetric InfoNCE loss. The result is saved as an open_clip state dict,
so ``CLIPViT(pretrained=...)`` and ``CLIPTextEncoder(pretrained=...)`` load
it exactly as they load OpenAI's weights.

Example:
    >>> from mote_mmaction.toolkit.demo.tiny_clip_pretrain import \
    ...     pretrain_tiny_clip
    >>> stats = pretrain_tiny_clip(arch, 'data/motion_demo/tiny_clip.pth')

Command line::

    python -m mote_mmaction.toolkit.demo.tiny_clip_pretrain OUT_FILE \\
        --arch-from \\
        configs/mote/demo_tiny_motion.py
"""
import argparse
import itertools
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ...compat.atomic_io import atomic_torch_save
from ...testing.synthetic_videos import (COLOURS, MOTION_CLASSES, SHAPES,
                                         render_still)

# CLIP's pixel statistics, as the demo config's data preprocessor.
_MEAN = (122.771, 116.746, 104.093)
_STD = (68.500, 66.632, 70.323)


def caption(attrs: Dict[str, str], rng: np.random.Generator,
            templates: Sequence[str] = ()) -> Tuple[str, Dict[str, str]]:
    """A caption of a still from its attributes, with random detail.

    Colour and shape are always named; size, position and the motion of a
    trailed still sometimes, so the text tower sees both short names
    (``'red square'``) and long ones (``'a large red square moving
    left'``).
    With ``templates``, half the captions are wrapped in one of them (e.g.
    the prompt templates the class tables are built with).

    Args:
        attrs (dict): From :func:`render_still`.
        rng (np.random.Generator): Source of the random choices.
        templates (Sequence[str]): Templates with one ``{}``.

    Returns:
        tuple[str, dict]: The caption, e.g. ``'a small blue triangle at
        the top'``, and the attributes it states.
    """
    said = {k: attrs[k] for k in ('colour', 'shape')}
    if rng.random() < 0.5:
        said['size'] = attrs['size']
    where = [k for k in ('horizontal', 'vertical') if attrs[k] != 'middle']
    if where and rng.random() < 0.5:
        key = where[int(rng.integers(len(where)))]
        said[key] = attrs[key]
    text = ' '.join(said[k] for k in ('size', 'colour', 'shape')
                    if k in said)
    if 'horizontal' in said:
        text += f' on the {said["horizontal"]}'
    if 'vertical' in said:
        text += f' at the {said["vertical"]}'
    if attrs.get('motion') and rng.random() < 0.8:
        said['motion'] = attrs['motion']
        text += ' ' + attrs['motion']
    if templates and rng.random() < 0.5:
        text = templates[int(rng.integers(len(templates)))].format(text)
    else:
        text = 'a ' + text
    return text, said


_KEYS = ('colour', 'shape', 'size', 'horizontal', 'vertical', 'motion')


def _codes(dicts: Sequence[Dict[str, str]]) -> torch.Tensor:
    """``[N, 5]`` int codes of attribute dicts (``-1``: not stated)."""
    vocab: Dict[str, int] = {}
    return torch.tensor([[vocab.setdefault(str(d[k]), len(vocab)) if k in d
                          else -1 for k in _KEYS] for d in dicts])


def _matches(said: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
    """``[N, N]`` bool: caption ``i`` (codes ``said[i]``) is true of image
    ``j`` (codes ``attrs[j]``)."""
    agree = said[:, None] == attrs[None]
    return (agree | (said[:, None] < 0)).all(dim=-1)


def make_captioned_stills(
        num_images: int,
        seed: int = 0,
        image_size: int = 32,
        render_size: Tuple[int, int] = (64, 64),
        templates: Sequence[str] = ()
) -> Tuple[np.ndarray, List[str], List[Dict[str, str]], List[Dict[str,
                                                                  str]]]:
    """Stills of every colour x shape in turn, resized as the demo's
    pipeline resizes frames, with their captions.

    Returns:
        tuple: ``[N, S, S, 3]`` uint8 RGB images, ``N`` captions, the
        attributes of each image and those its caption states.
    """
    rng = np.random.default_rng(seed)
    objects = list(itertools.product(COLOURS, SHAPES))
    # a third of the stills are sharp; a turning circle leaves no trail
    motions = (None, ) * 4 + MOTION_CLASSES
    images = np.empty((num_images, image_size, image_size, 3), np.uint8)
    captions, all_attrs, all_said = [], [], []
    for i in range(num_images):
        colour, shape = objects[i % len(objects)]
        motion = motions[int(rng.integers(len(motions)))]
        if shape == 'circle' and motion and motion.startswith('rotating'):
            motion = None
        frame, attrs = render_still(
            colour, shape, render_size, seed=int(rng.integers(2**31)),
            motion=motion)
        images[i] = cv2.resize(frame, (image_size, image_size),
                               interpolation=cv2.INTER_LINEAR)
        text, said = caption(attrs, rng, templates)
        captions.append(text)
        all_attrs.append(attrs)
        all_said.append(said)
    return images, captions, all_attrs, all_said


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    """``[N, H, W, 3]`` uint8 -> normalised ``[N, 3, H, W]`` float32."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    mean = torch.tensor(_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def object_accuracy(model, tokenizer, images: np.ndarray,
                    labels: Sequence[int],
                    names: Sequence[str]) -> float:
    """Top-1 of ``images`` against the prompts ``'a <name>'``."""
    model.eval()
    with torch.no_grad():
        text = F.normalize(
            model.encode_text(tokenizer([f'a {n}' for n in names])), dim=-1)
        img = F.normalize(model.encode_image(_to_tensor(images)), dim=-1)
        pred = (img @ text.t()).argmax(dim=1)
    return float((pred == torch.as_tensor(labels)).float().mean())


def pretrain_tiny_clip(arch: dict,
                       out_file: str,
                       num_images: int = 6000,
                       steps: int = 300,
                       batch_size: int = 128,
                       lr: float = 2e-3,
                       seed: int = 0,
                       templates: Sequence[str] = (),
                       log: Optional[Callable[[str], None]] = None) -> dict:
    """Train a tiny open_clip CLIP on captioned stills and save it.

    A caption is a positive of every image in the batch it is true of
    (``'a red square'`` of every red square, whatever its size), and the
    targets are spread over them, so repeated objects do not fight.

    Args:
        arch (dict): open_clip model config (``embed_dim``, ``vision_cfg``,
            ``text_cfg``), as the towers' ``arch``. Images are
            ``vision_cfg['image_size']`` pixels square.
        out_file (str): Where to save the state dict (written atomically).
        num_images (int): Training stills. Defaults to 6000.
        steps (int): Optimiser steps. Defaults to 300.
        batch_size (int): Images per step. Defaults to 128.
        lr (float): Peak AdamW learning rate (cosine decay, short warm-up).
            Defaults to 2e-3.
        seed (int): Seed of the stills, captions and weights. Defaults to 0.
        templates (Sequence[str]): Prompt templates to wrap half the
            captions in (see :func:`caption`).
        log (callable, optional): Called with progress messages.

    Returns:
        dict: ``seconds``, ``final_loss`` and ``object_top1`` (top-1 of
        fresh stills over every colour x shape, a sanity check of the
        result; chance is ``1 / (colours x shapes)``).
    """
    from open_clip.model import CLIP
    from open_clip.tokenizer import SimpleTokenizer
    start = time.perf_counter()
    size = int(arch['vision_cfg']['image_size'])
    ctx = int(arch['text_cfg'].get('context_length', 77))
    tokenizer = SimpleTokenizer(context_length=ctx)
    images, captions, attrs, said = make_captioned_stills(
        num_images, seed, size, templates=templates)
    pixels = _to_tensor(images)
    tokens = tokenizer(captions)
    codes = _codes(attrs + said)  # one vocabulary for both
    attrs, said = codes[:num_images], codes[num_images:]

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CLIP(arch['embed_dim'], arch['vision_cfg'],
                     arch['text_cfg'], quick_gelu=True)
        gen = torch.Generator().manual_seed(seed)
        optim = torch.optim.AdamW(model.parameters(), lr=lr,
                                  weight_decay=0.1)
        warmup = max(steps // 20, 1)
        sched = torch.optim.lr_scheduler.LambdaLR(
            optim, lambda s: min((s + 1) / warmup, 1.0) * 0.5 *
            (1 + np.cos(np.pi * min(s / steps, 1.0))))
        model.train()
        loss = torch.tensor(float('nan'))
        for step in range(steps):
            idx = torch.randint(num_images, (batch_size, ), generator=gen)
            img = F.normalize(model.encode_image(pixels[idx]), dim=-1)
            txt = F.normalize(model.encode_text(tokens[idx]), dim=-1)
            logits = model.logit_scale.exp() * img @ txt.t()
            # true[i, j]: caption i describes image j
            true = _matches(said[idx], attrs[idx]).float()
            loss = (F.cross_entropy(logits.t(), true / true.sum(1, True)) +
                    F.cross_entropy(logits, (true / true.sum(0, True)).t())
                    ) / 2
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            sched.step()
            with torch.no_grad():  # as CLIP: logit scale at most 100
                model.logit_scale.clamp_(0, np.log(100.0))
            if log is not None and (step + 1) % max(steps // 5, 1) == 0:
                log(f'step {step + 1}/{steps}: loss {loss.item():.3f}')

    objects = [f'{c} {s}' for c in COLOURS for s in SHAPES]
    check = make_captioned_stills(2 * len(objects), seed + 1, size)[0]
    labels = [i % len(objects) for i in range(len(check))]
    top1 = object_accuracy(model, tokenizer, check, labels, objects)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    atomic_torch_save(state, out_file)
    return dict(
        seconds=time.perf_counter() - start,
        final_loss=loss.item(),
        object_top1=top1,
        object_chance=1.0 / len(objects))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_file')
    parser.add_argument(
        '--arch-from', required=True,
        help='config whose model.backbone.arch is the CLIP to train')
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--num-images', type=int, default=6000)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command-line entry point."""
    from mmengine.config import Config

    from ...models.text.text_encoder import MOTE_TEMPLATES
    args = parse_args(argv)
    arch = Config.fromfile(args.arch_from).model.backbone.arch
    stats = pretrain_tiny_clip(
        arch.to_dict() if hasattr(arch, 'to_dict') else dict(arch),
        args.out_file, args.num_images, args.steps, seed=args.seed,
        templates=MOTE_TEMPLATES, log=print)
    print(f'{args.out_file}: {stats}')


if __name__ == '__main__':
    main()
