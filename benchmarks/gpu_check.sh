#!/usr/bin/env bash
# The GPU check for a lent device machine (issue 7), from the repository root:
#
#     bash benchmarks/gpu_check.sh            (with .whl carried: pyNN, neo,
#                                              quantities, lazyarray, nest-simulator)
#
# The device has Python 3.12 with CuPy but not PyNN and friends; fetch their
# wheels here first (.whl/ is git-ignored):
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#         --implementation cp --platform manylinux_2_17_x86_64 -d .whl \
#         pyNN==0.13.0 neo==0.14.6 quantities==0.16.4 lazyarray==0.7.0 nest-simulator==3.10.0
# (pyNN has no wheel on PyPI: `pip wheel --no-deps pyNN==0.13.0 -w .whl` builds one.)
#
# Installs the carried wheels into /tmp/site (nothing from the network), runs
# the GPU benchmarks, then the GPU tests, each stage under `timeout` and within a
# total budget (GPU_CHECK_BUDGET seconds, default 450), and prints one table
# with the card's name. Results: $OUT/gpu_results.json and the stage logs
# under $OUT/gpu_logs/ when $OUT is set. Options for a CPU-only dry run
# (no GPU, no NEST): DEVICE=cpu SCALE=0.02 COBA_T=200 SKIP_NEST=1 SKIP_TESTS=1.
set -u
cd "$(dirname "$0")/.."
START=$(date +%s)
BUDGET=${GPU_CHECK_BUDGET:-520}
DEVICE=${DEVICE:-gpu}
SCALE=${SCALE:-1.0}          # microcircuit scale
MC_T=${MC_T:-1000}           # microcircuit simulated ms (timed, after 100 ms warm-up)
COBA_T=${COBA_T:-10000}      # COBA simulated ms (timed)
THREADS=${THREADS:-$(nproc)}
RESULTS=${OUT:-/tmp/gpu_check}
LOGS=$RESULTS/gpu_logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || echo "!! wheel install failed"
    export PYTHONPATH=/tmp/site:$PWD
else
    export PYTHONPATH=$PWD
fi
export PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore

CARD=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null \
       | head -1)
CARD=${CARD:-no GPU}
echo "card: $CARD; cpu cores: $(nproc); python: $(python3 --version 2>&1)"
python3 -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__)" \
    2>&1 | tail -1

# stage NAME LIMIT_S COMMAND...: run under timeout (LIMIT_S or what is left of the
# budget), log to $LOGS/NAME.log, show its tail; skipped when under MIN_S is left
stage() {
    local name=$1 limit=$2 min=$3; shift 3
    local left=$((START + BUDGET - $(date +%s)))
    if [ "$left" -lt "$min" ]; then
        echo "== $name: skipped, ${left}s of the budget left" | tee "$LOGS/$name.log"
        return
    fi
    local t=$((limit < left ? limit : left))
    echo "== $name (timeout ${t}s, $(( $(date +%s) - START ))s elapsed): $*"
    timeout -k 10 "$t" "$@" >"$LOGS/$name.log" 2>&1
    local rc=$?
    [ $rc -eq 124 ] && echo "timed out after ${t}s" >>"$LOGS/$name.log"
    grep -v -i -E "warning|deprecat|^ *warn" "$LOGS/$name.log" | tail -n 12
    echo "   (exit $rc)"
}

echo "plan: COBA 4000 ${COBA_T} ms on pycarl-$DEVICE and NEST (${THREADS} threads);" \
     "microcircuit scale $SCALE, 100 + ${MC_T} ms; COBA 64000 ${COBA_T} ms; pytest -m gpu;" \
     "budget ${BUDGET}s"
# acceptance numbers first, the tests last (they also run where no GPU is)
stage coba4000_gpu 60 20 python3 benchmarks/gpu_coba.py --simulator pycarl --device "$DEVICE" \
    --n 4000 --tstop "$COBA_T"
# the CPU engine on the same network and seed: the GPU's rates must match it
stage coba4000_cpu 60 20 python3 benchmarks/gpu_coba.py --simulator pycarl --device cpu \
    --n 4000 --tstop "$COBA_T"
[ -z "${SKIP_NEST:-}" ] && stage coba4000_nest 60 30 python3 benchmarks/gpu_coba.py \
    --simulator nest --threads "$THREADS" --n 4000 --tstop "$COBA_T"
# launch settings for a small network: longer CUDA graphs (512 steps, not 64), and
# 32 blocks for propagate_spikes instead of one per multiprocessor (fewer blocks
# to schedule and to count in before the clock advances)
stage coba4000_gpu_graph512 40 20 python3 benchmarks/gpu_coba.py --gpu-option graph_steps=512 \
    --simulator pycarl --device "$DEVICE" --n 4000 --tstop "$COBA_T"
stage coba4000_gpu_prop32 40 20 python3 benchmarks/gpu_coba.py --gpu-option prop_blocks=32 \
    --simulator pycarl --device "$DEVICE" --n 4000 --tstop "$COBA_T"
# one launch per step (kernels/pipeline.cu: COBA's delays are 2 steps)
stage coba4000_gpu_pipelined 40 20 python3 benchmarks/gpu_coba.py --gpu-option pipelined_step=true \
    --simulator pycarl --device "$DEVICE" --n 4000 --tstop "$COBA_T"
stage microcircuit_gpu 150 60 python3 benchmarks/microcircuit.py --simulator pycarl \
    --device "$DEVICE" --scale "$SCALE" --tstop "$MC_T" --input dc
stage coba64000_gpu 120 30 python3 benchmarks/gpu_coba.py --simulator pycarl --device "$DEVICE" \
    --n 64000 --tstop "$COBA_T"
# -v: a line per test, so a stage that runs out of time still says which passed
[ -z "${SKIP_TESTS:-}" ] && stage tests 200 45 python3 -m pytest -v -p no:cacheprovider \
    --timeout 120 -m gpu tests/test_gpu.py

echo
echo "== total $(( $(date +%s) - START ))s"
python3 benchmarks/gpu_report.py "$LOGS" --card "$CARD" --json "$RESULTS/gpu_results.json"
