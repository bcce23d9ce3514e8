# configs/mote/k400.py logging to TensorBoard too (`pip install
# "mote_mmaction[plot]"`; `tensorboard --logdir work_dirs/k400_tensorboard`):
# losses, lr, K400 val top-1 and MoTEZeroShotEvalHook's zero-shot scalars.
_base_ = ['./k400.py']

visualizer = dict(vis_backends=[
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend')
])
