# Copyright (c) OpenMMLab. All rights reserved.
"""A web page that scores a video against labels you type (Gradio).

    pip install "mote_mmaction[demo]"   # or -r requirements/demo.txt
    python tools/demo/web_demo.py CONFIG CKPT [--examples "videos/*.mp4"]

The embedded default's model, on CPU (after ``python
tools/run_embedded_default.py``)::

    python tools/demo/web_demo.py \\
        work_dirs/embedded_default/mote/deploy_config.py \\
        work_dirs/embedded_default/mote/mote_merged.pth \\
        --examples "data/motion_demo/videos/zeroshot/*_0.mp4"

then open http://127.0.0.1:7860. Upload a video (or pick an example),
type free-form labels (comma or line separated; empty: the model's
training vocabulary) and press *Score*: the ranked probabilities as bars
(CLIP's softmax, as ``demo_video.py``), the frames the test pipeline
sampled (the first view, as the model sees it), and TFM's ``rho`` (the
weight of the temporal residual: 1 for the training vocabulary, lower the
further the typed labels are from it). The server listens on 127.0.0.1
only unless ``--host`` says otherwise.
"""
import argparse
import os
import os.path as osp
import sys
from glob import glob
from typing import Dict, List, Optional, Sequence, Tuple

HERE = osp.dirname(osp.abspath(__file__))
# the repository (mote_mmaction) and this folder (demo_video)
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]
# no usage statistics sent from a demo on someone's machine
os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mmaction.apis import inference_recognizer  # noqa: E402
from mmengine.dataset import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from demo_video import load_model  # noqa: E402
from mote_mmaction.models.layers.temporal_modulation import \
    temporal_modulation  # noqa: E402

INSTALL_HINT = ('the web demo needs Gradio: pip install "mote_mmaction[demo]"'
                ' (or pip install -r requirements/demo.txt)')


def parse_labels(text: str) -> List[str]:
    """Labels typed as ``a, b`` or one per line: stripped, empty ones and
    repeats dropped, order kept."""
    parts = [p.strip() for line in (text or '').splitlines()
             for p in line.split(',')]
    return list(dict.fromkeys(p for p in parts if p))


class _Recorder:
    """The test pipeline, keeping its last output (the sampled views)."""

    def __init__(self, pipeline: Compose) -> None:
        self.pipeline = pipeline
        self.last: Optional[dict] = None

    def __call__(self, data: dict) -> dict:
        self.last = self.pipeline(data)
        return self.last


class VideoScorer:
    """Scores videos against free-form labels with a MoTE model and tells
    what it looked at.

    Args:
        model: A MoTE recognizer from :func:`demo_video.load_model`.
    """

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model
        init_default_scope(model.cfg.get('default_scope', 'mmaction'))
        self.pipeline = _Recorder(Compose(model.cfg.test_pipeline))
        self._head_input: Optional[torch.Tensor] = None
        model.cls_head.register_forward_hook(self._keep_head_input)

    def _keep_head_input(self, module, args, output) -> None:
        self._head_input = args[0].detach()

    def rho(self) -> Optional[float]:
        """TFM's ``rho`` of the last video (mean over its views); None
        without TFM. ``[N, T, D]`` frame features of the last forward are
        scored against the current test table, as the head does."""
        head = self.model.cls_head
        if self._head_input is None or head.tfm is None:
            return None
        table, same = head.eval_table()
        if same:
            return 1.0
        with torch.no_grad():
            x = head.frame_features(self._head_input)
            rho = temporal_modulation(x, table, head.train_table(),
                                      **head.tfm)
        return float(rho.mean())

    def frames(self) -> List[np.ndarray]:
        """The first view of the last video as ``[H, W, 3]`` uint8 RGB
        frames (the pipeline's output, before normalisation)."""
        inputs = self.pipeline.last['inputs']  # [V, C, T, H, W] (NCTHW)
        view = inputs[0].permute(1, 2, 3, 0)  # [T, H, W, C]
        return [f.clamp(0, 255).to(torch.uint8).numpy() for f in view]

    def score(self, video: str, labels: Sequence[str]
              ) -> List[Tuple[str, float]]:
        """``(label, probability)`` of ``video`` for every label, ranked;
        no labels: the training vocabulary."""
        if not video or not osp.isfile(video):
            raise FileNotFoundError(f'video not found: {video}')
        names = list(labels) or self.model.cls_head.class_names
        if not names:
            raise ValueError('type some labels: the training class names '
                             'are unknown here')
        self.model.set_vocabulary(list(labels) or None)
        self._head_input = None
        result = inference_recognizer(self.model, video, self.pipeline)
        scores = result.pred_score.float()
        order = scores.argsort(descending=True).tolist()
        return [(names[i], float(scores[i])) for i in order]


def _enlarge(frame: np.ndarray, min_side: int = 160) -> np.ndarray:
    """Nearest-neighbour upscaling, so a 32-pixel frame is visible."""
    scale = max(1, -(-min_side // min(frame.shape[:2])))
    return frame.repeat(scale, axis=0).repeat(scale, axis=1)


def build_app(scorer: VideoScorer, examples: Sequence[str] = (),
              topk: int = 5):
    """The Gradio page (``gr.Blocks``) around ``scorer``."""
    try:
        import gradio as gr
    except ImportError:
        sys.exit(f'error: {INSTALL_HINT}')
    default = '\n'.join(scorer.model.cls_head.class_names or [])

    def run(video: Optional[str], text: str):
        if not video:
            raise gr.Error('upload a video or pick an example first')
        try:
            ranked = scorer.score(video, parse_labels(text))
        except (OSError, ValueError, RuntimeError) as e:
            raise gr.Error(str(e))
        bars: Dict[str, float] = dict(ranked)
        rho = scorer.rho()
        lines = [f'{i}. {name}: {p:.4f}'
                 for i, (name, p) in enumerate(ranked, 1)]
        tfm = ('TFM off (this model has no `tfm`)' if rho is None else
               f'TFM rho = {rho:.3f} (1: the training vocabulary; the '
               'temporal residual is scaled by rho)')
        gallery = [(_enlarge(f), f'frame {t}')
                   for t, f in enumerate(scorer.frames())]
        return bars, '\n'.join(lines), tfm, gallery

    with gr.Blocks(title='MoTE: score a video', analytics_enabled=False) \
            as app:
        gr.Markdown('## MoTE: what is happening in this video?\n'
                    'Upload a clip (or pick an example), type the labels '
                    'to score it against, press **Score**.')
        with gr.Row():
            with gr.Column():
                video = gr.Video(label='video', sources=['upload'],
                                 elem_id='video')
                labels = gr.Textbox(
                    value=default, lines=6, label='labels',
                    info='comma or line separated; empty: the training '
                    'vocabulary', elem_id='labels')
                button = gr.Button('Score', variant='primary',
                                   elem_id='score')
                if examples:
                    gr.Examples(examples=[[e] for e in examples],
                                inputs=[video], label='examples')
            with gr.Column():
                bars = gr.Label(num_top_classes=topk, label='scores',
                                elem_id='bars')
                ranking = gr.Textbox(label='ranking', lines=4,
                                     elem_id='ranking', interactive=False)
                tfm = gr.Markdown(elem_id='rho')
        gallery = gr.Gallery(label='sampled frames (first view)', columns=8,
                             height='auto', elem_id='frames')
        button.click(run, [video, labels], [bars, ranking, tfm, gallery])
    return app


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--examples', nargs='+', default=[],
                        help='videos (or glob patterns) to pick from')
    parser.add_argument('--topk', type=int, default=5,
                        help='bars shown')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (0.0.0.0: every '
                        'interface, reachable from other machines)')
    parser.add_argument('--port', type=int, default=7860)
    return parser.parse_args(argv)


def expand_examples(patterns: Sequence[str]) -> List[str]:
    """Files named or matched by ``patterns``, sorted per pattern.

    Raises:
        FileNotFoundError: A pattern matches nothing (names it).
    """
    out = []
    for pattern in patterns:
        found = sorted(glob(pattern))
        if not found:
            raise FileNotFoundError(f'--examples {pattern!r} matches no '
                                    'file')
        out += [osp.abspath(f) for f in found]
    return out


def main(argv=None):
    args = parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError:
        sys.exit(f'error: {INSTALL_HINT}')
    try:
        examples = expand_examples(args.examples)
    except FileNotFoundError as e:
        sys.exit(f'error: {e}')
    model = load_model(args.config, args.checkpoint, args.device)
    app = build_app(VideoScorer(model), examples, args.topk)
    app.launch(server_name=args.host, server_port=args.port,
               allowed_paths=sorted({osp.dirname(e) for e in examples}))


if __name__ == '__main__':
    main()
