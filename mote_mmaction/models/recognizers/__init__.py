# Copyright (c) OpenMMLab. All rights reserved.
from .mote_recognizer import MoTERecognizer

__all__ = ['MoTERecognizer']
