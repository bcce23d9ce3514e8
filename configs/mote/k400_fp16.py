# configs/mote/k400.py with the authors' precision recipe: fp16 autocast
# and a dynamic loss scale (their GradScaler). k400.py uses bf16 without
# loss scaling instead (a deviation; same range as fp32, no overflow skips).
# tools/dist_train.sh configs/mote/k400_fp16.py 8
_base_ = ['./k400.py']

optim_wrapper = dict(dtype='float16', loss_scale='dynamic')
