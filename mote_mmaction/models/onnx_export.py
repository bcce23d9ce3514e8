# Copyright (c) OpenMMLab. All rights reserved.
"""Export a MoTE recognizer's test path to ONNX.

The graph is what ``tools/test.py`` scores per view: CLIP mean/std
normalisation, the visual tower, the temporal module (merged experts) with
TFM, and the cosines against a class table, which is a constant of the
graph (one vocabulary) or its second input (any vocabulary).
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn


class MoTEScoresModule(nn.Module):
    """The eval path of a ``MoTERecognizer`` as one traceable module.

    Args:
        recognizer (nn.Module): A ``MoTERecognizer`` in eval mode, with its
            weights (blended if so tested) loaded.
        table_input (bool): Take the class table ``[C, D]`` as the second
            input. Otherwise the recognizer's current vocabulary (see
            ``set_vocabulary``) is a constant. Defaults to False.
    """

    def __init__(self, recognizer: nn.Module, table_input: bool = False
                 ) -> None:
        super().__init__()
        pre = recognizer.data_preprocessor
        self.backbone = recognizer.backbone
        self.head = recognizer.cls_head
        self.table_input = table_input
        self.register_buffer('mean', pre.mean.detach().clone().float())
        self.register_buffer('std', pre.std.detach().clone().float())
        table, same = self.head.eval_table()
        self.same_vocab = same and not table_input
        self.register_buffer('table', table.detach().clone())

    def forward(self, video: Tensor,
                table: Optional[Tensor] = None) -> Tensor:
        """Scores of clips.

        Args:
            video (Tensor): ``[N, 3, T, H, W]`` RGB pixels in ``[0, 255]``.
            table (Tensor, optional): ``[C, D]`` class table (only with
                ``table_input``).

        Returns:
            Tensor: ``[N, C]`` cosines (softmax them per view, then average
            the views, as ``average_clips='prob'``).
        """
        video = (video - self.mean) / self.std
        frames = self.head.frame_features(self.backbone(video))
        table = self.table if table is None else table
        return self.head.score_table(frames, table,
                                     modulate=not self.same_vocab)


def export_onnx(recognizer: nn.Module,
                out_file: str,
                input_shape: Sequence[int],
                table_input: bool = False,
                opset: int = 17) -> MoTEScoresModule:
    """Write ``recognizer``'s test path as an ONNX file.

    Args:
        recognizer (nn.Module): See :class:`MoTEScoresModule`.
        out_file (str): Output ``.onnx`` path.
        input_shape (Sequence[int]): ``(N, 3, T, H, W)`` of the example
            input; ``N`` is a dynamic axis of the graph.
        table_input (bool): See :class:`MoTEScoresModule`.
        opset (int): ONNX opset. Defaults to 17.

    Returns:
        MoTEScoresModule: The exported module (for checking).
    """
    module = MoTEScoresModule(recognizer.eval(), table_input).eval()
    video = torch.rand(*input_shape) * 255
    args: Tuple[Tensor, ...] = (video, )
    names = ['video']
    dynamic = {'video': {0: 'views'}, 'scores': {0: 'views'}}
    if table_input:
        args = (video, module.table.clone())
        names.append('class_table')
        dynamic['class_table'] = {0: 'classes'}
        dynamic['scores'][1] = 'classes'
    # nn.MultiheadAttention's fused eval fast path has no ONNX symbolic
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            torch.onnx.export(
                module, args, out_file, input_names=names,
                output_names=['scores'], dynamic_axes=dynamic,
                opset_version=opset, dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    return module


def check_onnx(module: MoTEScoresModule, onnx_file: str,
               video: Tensor, table: Optional[Tensor] = None) -> float:
    """Max abs difference of onnxruntime's and PyTorch's scores.

    Args:
        module (MoTEScoresModule): The module that was exported.
        onnx_file (str): The exported file.
        video (Tensor): ``[N, 3, T, H, W]`` pixels.
        table (Tensor, optional): Class table, for ``table_input`` graphs.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    feeds = {'video': video.numpy().astype(np.float32)}
    if table is not None:
        feeds['class_table'] = table.numpy().astype(np.float32)
    got = session.run(['scores'], feeds)[0]
    with torch.no_grad():
        want = module(video, table).numpy()
    if got.shape != want.shape:
        raise AssertionError(f'ONNX scores {got.shape} vs PyTorch '
                             f'{want.shape}')
    return float(np.abs(got - want).max())
