# Shared settings of the zero-shot configs: 3 clips x 1 centre crop of
# 8 frames, TFM on, the test set's own vocabulary (MoTEVocabularyHook).
# Not a runnable config: zeroshot_{ucf101,hmdb51,k600}.py set the data.
_base_ = ['./k400.py']

zeroshot_pipeline = [
    dict(
        type='MoTEVideoInit',
        backend={{_base_.video_backend}},
        io_backend='disk'),
    dict(type='MoTETestSample', clip_len={{_base_.num_frames}}, num_clips=3),
    dict(type='MoTEVideoDecode'),
    dict(type='MoTETestResize', short_side=224),
    dict(type='MoTETestCrop', crop_size=224, num_crops=1),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_evaluator = dict(
    type='AccMetric',
    metric_list=('top_k_accuracy', 'mean_class_accuracy'),
    metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
