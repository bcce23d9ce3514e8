# Zero-shot Kinetics-600 with the CLIP ViT-L/14 MoTE model (8 frames), as the
# authors' zero-shot configs. Splits, views and TFM: zeroshot_k600.py.
# tools/test.py configs/mote/zeroshot_k600_vit-l14.py CKPT
_base_ = ['./zeroshot_k600.py', './_vit-l14_model.py']

model = {{_base_.vit_l14_model}}
