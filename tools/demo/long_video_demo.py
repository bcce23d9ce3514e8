# Copyright (c) OpenMMLab. All rights reserved.
"""Label a long video window by window with a MoTE model.

    python tools/demo/long_video_demo.py CONFIG CKPT long.mp4 out.mp4 \
        --labels "riding a bike,cooking,dancing" --window-seconds 2
    python tools/demo/long_video_demo.py CONFIG CKPT long.mp4 out.json \
        --labels-file labels.txt --window-frames 64 --stride 32

The video is cut into windows of ``--window-seconds`` (or
``--window-frames``) every ``--stride`` frames (default: the window, no
overlap); each window is sampled and scored with the config's own test
pipeline (``MoTETestSample`` / ``UniformSample`` views within the
window), against ``--labels`` / ``--labels-file`` or the training
vocabulary. ``OUT_FILE`` ``.json``: the top-k per window (frames,
seconds, labels, scores); ``.mp4`` / ``.avi`` / ``.mkv``: the video with
each frame's window labels drawn on it. MMAction2's
``demo/long_video_demo.py`` takes only ``SampleFrames`` pipelines, so it
rejects MoTE configs; this takes any pipeline that starts with a video
reader (``*Init``) and samples from ``total_frames`` / ``start_index``.
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional, Sequence

HERE = osp.dirname(osp.abspath(__file__))
# the repository (mote_mmaction) and this folder (demo_video, video_overlay)
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]

import torch  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mmengine.config import DictAction  # noqa: E402
from mmengine.dataset import Compose, pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from demo_video import load_model  # noqa: E402
from mote_mmaction.compat.atomic_io import atomic_write_text  # noqa: E402
from mote_mmaction.vocabulary import \
    load_class_phrasings  # noqa: E402
from mote_mmaction.vocabulary import load_class_names  # noqa: E402
from video_overlay import (check_out_path, draw_lines,  # noqa: E402
                           format_lines, read_frames, write_video)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('video')
    parser.add_argument('out_file', help='.json, or a video (.mp4, .avi, '
                        '.mkv) with the labels drawn')
    parser.add_argument('--labels', help='comma-separated labels')
    parser.add_argument('--labels-file', help='label file, as demo_video.py')
    window = parser.add_mutually_exclusive_group()
    window.add_argument('--window-seconds', type=float, default=2.0,
                        help='window length in seconds (default 2)')
    window.add_argument('--window-frames', type=int,
                        help='window length in frames')
    parser.add_argument('--stride', type=int,
                        help='frames between window starts (default: the '
                        'window length)')
    parser.add_argument('--topk', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=4,
                        help='windows per forward pass')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


class WindowSampler:
    """The config's test pipeline, restricted to a window of frames.

    Each window runs the pipeline's reader (its first ``*Init``
    transform; decoders close it after reading), then the rest with
    ``total_frames`` and ``start_index`` narrowed to the window, which
    every MMAction2 and MoTE sampler honours.

    Raises:
        ValueError: The pipeline has no ``*Init`` reader (names the fix).
    """

    def __init__(self, pipeline_cfg: Sequence[dict], video: str) -> None:
        transforms = Compose(pipeline_cfg).transforms
        init = next((i for i, t in enumerate(transforms)
                     if type(t).__name__.endswith('Init')), None)
        if init is None:
            raise ValueError(
                'the test pipeline has no video reader (a *Init transform '
                'such as DecordInit or MoTEVideoInit) to open a video file '
                'with; use a config whose test_pipeline starts with one')
        self.video = video
        self.head = Compose(transforms[:init + 1])
        self.tail = Compose(transforms[init + 1:])
        opened = self._open()
        self.total_frames = int(opened['total_frames'])
        self.fps = float(opened.get('avg_fps') or 0) or None

    def _open(self) -> dict:
        return self.head(dict(filename=self.video, label=-1, start_index=0,
                              modality='RGB'))

    def __call__(self, start: int, end: int) -> dict:
        """Packed inputs of frames ``[start, end)``."""
        data = self._open()
        data.update(total_frames=end - start, start_index=start)
        return self.tail(data)


def windows(total: int, length: int, stride: int) -> List[tuple]:
    """``[(start, end)]`` covering ``total`` frames; the last may be
    shorter."""
    if length < 1 or stride < 1:
        raise ValueError(f'window length and stride must be >= 1, got '
                         f'{length} and {stride}')
    out, start = [], 0
    while start < total:
        out.append((start, min(start + length, total)))
        if start + length >= total:
            break
        start += stride
    return out


def label_windows(model, video: str, labels: Optional[list],
                  window: int, stride: int, topk: int,
                  batch_size: int = 4) -> dict:
    """Top-k ``(label, score)`` of every window of ``video``.

    Returns:
        dict: ``fps``, ``total_frames`` and ``windows``: ``[{start, end,
        start_s, end_s, labels: [[name, score], ...]}]`` (frames ``[start,
        end)``).
    """
    init_default_scope(model.cfg.get('default_scope', 'mmaction'))
    model.set_vocabulary(labels)
    names = [n if isinstance(n, str) else n[0] for n in labels] \
        if labels is not None else model.cls_head.class_names
    if names is None:
        raise ValueError('the training class names are unknown here (their '
                         'file is missing): give --labels or --labels-file')
    sampler = WindowSampler(model.cfg.test_pipeline, video)
    fps = sampler.fps or read_frames(video)[1]
    spans = windows(sampler.total_frames, window, stride)
    results = []
    for b in range(0, len(spans), batch_size):
        batch = spans[b:b + batch_size]
        with torch.no_grad():
            samples = model.test_step(
                pseudo_collate([sampler(s, e) for s, e in batch]))
        for (s, e), sample in zip(batch, samples):
            scores = sample.pred_score.float()
            values, idx = scores.topk(min(topk, len(names)))
            results.append(dict(
                start=s, end=e, start_s=round(s / fps, 3),
                end_s=round(e / fps, 3),
                labels=[[names[i], float(v)]
                        for v, i in zip(values, idx.tolist())]))
    return dict(fps=fps, total_frames=sampler.total_frames,
                windows=results)


def write_labelled(video: str, out: str, result: dict) -> int:
    """The video with each frame's window labels (the latest window that
    started at or before the frame) drawn on it."""
    wins = result['windows']
    frames, fps, _ = read_frames(video)

    def drawn():
        w = 0
        for t, frame in enumerate(frames):
            while w + 1 < len(wins) and wins[w + 1]['start'] <= t:
                w += 1
            win = wins[w]
            lines = [f'{win["start_s"]:.1f}-{win["end_s"]:.1f} s'] + \
                format_lines([tuple(p) for p in win['labels']])
            yield draw_lines(frame, lines)

    return write_video(drawn(), out, fps)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.video):
        sys.exit(f'error: video not found: {args.video}')
    as_json = args.out_file.lower().endswith('.json')
    if not as_json:
        try:
            check_out_path(args.out_file)
        except ValueError as e:
            sys.exit(f'error: {e} or .json')
    if args.labels and args.labels_file:
        sys.exit('error: give --labels or --labels-file, not both')
    labels = None
    if args.labels:
        labels = load_class_names(
            [s for s in args.labels.split(',') if s.strip()])
    elif args.labels_file:
        labels = load_class_phrasings(args.labels_file)
    model = load_model(args.config, args.checkpoint, args.device,
                       args.cfg_options)
    if args.window_frames is not None:
        window = args.window_frames
    else:  # seconds -> frames at the video's rate
        _, fps, _ = read_frames(args.video)
        window = max(1, round(args.window_seconds * fps))
    result = label_windows(model, args.video, labels, window,
                           args.stride or window, args.topk,
                           args.batch_size)
    for w in result['windows']:
        top = ', '.join(f'{n} {s:.2f}' for n, s in w['labels'])
        print(f'{w["start_s"]:8.2f}-{w["end_s"]:8.2f} s  {top}')
    if as_json:
        atomic_write_text(args.out_file, json.dumps(result, indent=2))
    else:
        write_labelled(args.video, args.out_file, result)
    print(f'{len(result["windows"])} windows -> {args.out_file}')


if __name__ == '__main__':
    main()
