"""The reproduction suite: every skeleton benchmark row with its full recipe, over seeds, in one command.

    python benchmarks/reproduce.py --suite skeleton                  # on CUDA (bf16) when there is a GPU
    python benchmarks/reproduce.py --suite skeleton --publish        # results into model_cards/results + publish
    python benchmarks/reproduce.py --suite skeleton --quick --seeds 0   # a smoke run of the whole suite
    python benchmarks/reproduce.py --suite skeleton --jobs 8         # 8 trainings side by side (processes)

Runs every row of `benchmarks/{sbu,utd_mhad,msr_action3d,natops}.py` (`--models '*'`: the streams, the variants
and the graph-convolution rows too, not only each script's default rows; and `ntu.py` with `--ntu-root DIR`) with
the recipes' own schedules, `--seeds` (default 0 1 2) and one run name, then prints one line per row: measured mean ± std,
the same-run `lstm_baseline`, and whether the row beats it.  `--publish` writes the result files under
`model_cards/results/` and regenerates the numbers the cards, the cfgs and the README quote
(`benchmarks/publish.py`).  Extra arguments go to every benchmark; `--models 'two_stream*'` narrows the rows.
`--jobs N` (a benchmark option) trains N (row, seed, fold) units at a time in their own processes, for when one
training of these small models does not fill the GPU or the cores (not yet measured on a GPU); the units' numbers
are those of a one-process run (each unit, a fold included, is seeded by its seed alone).
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# cheapest first, so that a run cut short (a time limit) has written the most result files
SUITES = {"skeleton": ("natops", "msr_action3d", "utd_mhad", "sbu")}


def _module(name: str):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", choices=sorted(SUITES), default="skeleton")
    p.add_argument("--seeds", nargs="+", default=["0", "1", "2"])
    p.add_argument("--device", default=None, help="default: CUDA if available")
    p.add_argument("--publish", action="store_true", help="write into model_cards/results and run publish.py")
    p.add_argument("--ntu-root", type=Path, default=None, help="a folder of NTU .skeleton files (adds ntu.py)")
    p.add_argument("--run-name", default=None)
    args, rest = p.parse_known_args(argv)
    import torch
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    run_name = args.run_name or (f"{args.suite}-{device}-"
                                 + datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M"))
    # every row, not the scripts' defaults (which are sized for a 2-core CPU); a --models in `rest` narrows it
    models = [] if any(a == "--models" or a.startswith("--models=") for a in rest) else ["--models", "*"]
    common = ["--seeds", *args.seeds, "--device", device, "--run-name", run_name, "--no-progress", *models, *rest]
    if args.publish:
        common += ["--out", str(REPO / "model_cards" / "results")]
    t0 = time.perf_counter()
    docs = []
    for name in SUITES[args.suite]:
        mod = _module(name)
        print(f"[reproduce] {name}", flush=True)
        docs.append(mod.run_benchmark(name, mod.ROWS, common))
    if args.ntu_root is not None:
        docs.append(_module("ntu").main(["--data-root", str(args.ntu_root), *common]))
    print(f"\n[reproduce] suite {args.suite} on {device}: {(time.perf_counter() - t0) / 60:.1f} min")
    losers = 0
    for doc in filter(None, docs):
        base = {r["split"]: r["reproduced_mean"] for r in doc["rows"] if r["model"] == "lstm_baseline"}
        for r in doc["rows"]:
            b = base.get(r["split"])
            verdict = "" if b is None or r["model"] == "lstm_baseline" else (
                "beats the baseline" if r["reproduced_mean"] > b else "LOSES to the baseline")
            losers += verdict.startswith("LOSES")
            print(f"  {doc['benchmark']:<13} {r['name']:<36} {r['measured']:<22} {verdict}")
    if args.publish:
        _module("publish").main([])
    return 1 if losers else 0


if __name__ == "__main__":
    raise SystemExit(main())
