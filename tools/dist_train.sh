#!/usr/bin/env bash
# Multi-process training on one or more nodes with torchrun.
# Usage: tools/dist_train.sh CONFIG GPUS [args of tools/train.py]
# On a machine without GPUs, GPUS is the number of CPU processes (gloo).
# Environment: NNODES, NODE_RANK, MASTER_ADDR, PORT; PYTHON (default python).
CONFIG=$1
GPUS=$2
SCRIPT_ARGS=("${@:3}")
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${SCRIPT_ARGS[@]}"
