#!/bin/bash
# The GPU check of a session lent a device (one command, inside the device tool's 10-minute limit):
#   1. tests/test_cuda.py: every architecture on CUDA against the CPU, bf16 training steps, fit/evaluate on CUDA;
#   2. the skeleton reproduction suite on CUDA (bf16), 3 seeds, 8 trainings side by side (--jobs 8): first the
#      default rows (lstm_baseline, two_stream_rnn) of every shared dataset, then every row, as long as
#      SUITE_S seconds (default 330) allow; each benchmark writes its result file when its rows are done.
# JOBS and SUITE_ARGS (e.g. "--quick --seeds 0" for a dry run on a CPU) change the suite's options.
# Results come back as $OUT/device_results.tgz (result files, logs) and $OUT/*.log.
#
# The shared datasets do not travel with the checkout; pack them here into a git-ignored folder and carry it:
#   echo /.device_data/ >> .git/info/exclude; mkdir -p .device_data
#   tar czf .device_data/shared_data.tgz -C ../shared data/msr_action3d data/natops data/sbu_kinect_interaction \
#       data/utd_mhad
#   device run: command "bash benchmarks/device_check.sh", carry [".device_data"], timeout_s 600
# Then here: tar xzf <files_at>/device_results.tgz -C model_cards/results --strip-components 1 (after reading it),
# and python benchmarks/publish.py.
set -o pipefail
OUT=${OUT:-/tmp/device_check}
mkdir -p "$OUT" /tmp/mz_shared
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD MOTIONZOO_HOME=/tmp/mz_home
if [ -f .device_data/shared_data.tgz ]; then
    tar xzf .device_data/shared_data.tgz -C /tmp/mz_shared && export MOTIONZOO_DATA=/tmp/mz_shared/data
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.log"
python3 -c "import torch, motionzoo; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
    | tee -a "$OUT/gpu.log"

timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py 2>&1 | tee "$OUT/cuda_tests.log" | tail -25

if [ -n "$MOTIONZOO_DATA" ]; then
    set -f                      # '*' below is a --models pattern, not a file glob
    end=$(( $(date +%s) + ${SUITE_S:-330} ))
    # one run name: the second pass resumes the first pass's finished trainings (evaluation only) and writes
    # every row of a benchmark into its result file
    for models in "lstm_baseline two_stream_rnn" "*"; do
        left=$(( end - $(date +%s) ))
        [ "$left" -gt 30 ] || break
        # shellcheck disable=SC2086  # the model names are meant to split
        timeout "$left" python3 benchmarks/reproduce.py --suite skeleton --jobs "${JOBS:-8}" --run-name gpu-suite --resume \
            --out "$OUT/results" --runs-dir /tmp/mz_runs --no-plots ${SUITE_ARGS:-} --models $models 2>&1 \
            | grep -v "^\[motionzoo\] resum" | tee -a "$OUT/suite.log" | tail -40
    done
    tar czf "$OUT/device_results.tgz" -C "$OUT" results suite.log 2>/dev/null
    rm -rf "$OUT/results"
else
    echo "no .device_data/shared_data.tgz: the suite needs the shared datasets (see the top of this script)"
fi
