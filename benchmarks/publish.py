"""Regenerate everything that quotes a measured number from the committed result files.

    python benchmarks/publish.py            # write motionzoo/measured.json, the README table, the cards' blocks
    python benchmarks/publish.py --check    # exit 1 and say what is stale (tests/test_published_numbers.py)

Sources: every `model_cards/results/<benchmark>/<run>.json` written by a benchmark script (with
`--out model_cards/results`).  A run counts when it trained on real data and was evaluated on the test split
(not `--split val`, `--quick`, `--folds`, `--set` or `--epochs`, not synthetic: the registered recipe, whole;
validation runs are committed next to them as the evidence for the recipes' choices).  A row counts only while its
recorded recipe is the one registered today (a recipe changed after its rows were measured leaves them as history: its
command would no longer reproduce them).  Per (architecture, dataset split) the run with the most seeds, then the
newest, wins.

Outputs: `motionzoo/measured.json` (the cfgs' `reproduced_metrics`, read by the registry), the README's model
table (`motionzoo list --markdown`), and in each model card the block between `<!-- measured:begin -->` and
`<!-- measured:end -->`: one line per measured row with the same-run `lstm_baseline` number, the recipe and the
command.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:   # run as `python benchmarks/publish.py`: motionzoo from this checkout
    sys.path.insert(0, str(REPO))
RESULTS = REPO / "model_cards" / "results"
MEASURED = REPO / "motionzoo" / "measured.json"
README = REPO / "README.md"
CARDS = REPO / "model_cards"
BASELINE = "lstm_baseline"
BLOCK = re.compile(r"<!-- measured:begin -->.*?<!-- measured:end -->", re.S)


def counted_runs(root: Path = RESULTS) -> list[tuple[Path, dict]]:
    runs = []
    for path in sorted(root.glob("*/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("synthetic") or doc.get("split", "test") != "test":
            continue
        if any(r.get("quick") or r.get("mode") != "train" or r.get("folds_run") or r.get("recipe_overrides")
               for r in doc["rows"]):
            continue
        runs.append((path, doc))
    return runs


def recipe_changes(row: dict) -> dict[str, tuple]:
    """{field: (recorded, registered)} where a result row's recorded recipe differs from the recipe registered today
    under its name.  Source and notes are prose; a field that a file predates counts as that field's default."""
    import dataclasses
    from motionzoo.recipes import get_recipe
    from motionzoo.recipes._recipe import Recipe
    defaults = {f.name: f.default for f in dataclasses.fields(Recipe) if f.default is not dataclasses.MISSING}
    recorded = row.get("recipe")
    if not recorded:            # rows that trained nothing record no recipe
        return {}
    registered = get_recipe(*recorded["name"].split("/", 1)).to_dict()
    return {k: (recorded.get(k, defaults.get(k)), v) for k, v in registered.items()
            if k not in ("source", "notes") and recorded.get(k, defaults.get(k)) != v}


def row_key(r: dict) -> str:
    """"<dataset>_<split>", plus "_<variant>" for a row named "<model>/<split>/<variant>" (a stream of a model, or
    its stream ensemble), so a model's joint row, its other streams and its ensemble are quoted separately."""
    parts = r["name"].split("/", 2)
    return f"{r['dataset']}_{r['split']}" + (f"_{parts[2]}" if len(parts) == 3 else "")


def measured_table(runs) -> dict[str, dict[str, dict]]:
    """{arch: {row_key: entry}}, the best-backed run per (arch, dataset split[, stream or ensemble])."""
    chosen: dict[tuple[str, str], tuple] = {}
    for path, doc in runs:
        base = {(r["dataset"], r["split"]): r for r in doc["rows"] if r["model"] == BASELINE}
        for r in doc["rows"]:
            if recipe_changes(r):
                continue
            key = (r["model"], row_key(r))
            rank = (r["n_seeds"], doc["created_utc"])
            if key not in chosen or rank > chosen[key][0]:
                b = base.get((r["dataset"], r["split"]))
                chosen[key] = (rank, path, doc, r, b)
    table: dict[str, dict[str, dict]] = {}
    for (arch, key), (_, path, doc, r, b) in sorted(chosen.items()):
        std = r["reproduced_std"]
        # 4 decimals, as the result files' CSVs: a quoted figure is rounded once, from the measured mean (a mean of
        # 96.8519 stored as 96.85 would be quoted as 96.8 here and 96.9 in the benchmark's own table)
        table.setdefault(arch, {})[key] = {
            "top1_mean": round(r["reproduced_mean"], 4), "top1_std": None if std is None else round(std, 4),
            "n_seeds": r["n_seeds"], "protocol": r["protocol"]["description"], "recipe": (r["recipe"] or {}).get("name"),
            "baseline_top1_mean": None if b is None or b is r else round(b["reproduced_mean"], 4),
            "device": doc["device"], "command": doc["command"],
            "result_file": f"model_cards/results/{path.parent.name}/{path.name}"}
    return table


def card_block(family_archs: list[str], table: dict) -> str:
    lines = ["<!-- measured:begin -->",
             "| model | dataset split | measured top-1 mean ± std (n seeds) | same-run `lstm_baseline` | recipe | "
             "device | command | result file |", "|---|---|---|---|---|---|---|---|"]
    for arch in family_archs:
        for key, e in (table.get(arch) or {}).items():
            std = "" if e["top1_std"] is None else f" ± {e['top1_std']:.1f}"
            base = "—" if e["baseline_top1_mean"] is None else f"{e['baseline_top1_mean']:.1f}"
            if e["baseline_top1_mean"] is not None and e["top1_mean"] < e["baseline_top1_mean"]:
                base += " (above this row ✗)"
            lines.append(f"| `{arch}` | {key} | {e['top1_mean']:.1f}{std} (n={e['n_seeds']}) | {base} | "
                         f"`{e['recipe']}` | {e['device']} | `{e['command']}` | [{Path(e['result_file']).name}]"
                         f"({Path(e['result_file']).relative_to('model_cards').as_posix()}) |")
    if len(lines) == 3:
        lines.append("| — | — | not measured yet | | | | | |")
    lines.append("<!-- measured:end -->")
    return "\n".join(lines)


def expected_files(table: dict) -> dict[Path, str]:
    """What each generated file must contain."""
    out = {MEASURED: json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"}
    families: dict[str, list[str]] = {}
    import motionzoo
    from motionzoo._registry import get_model_family
    for arch in motionzoo.list_models():
        families.setdefault(get_model_family(arch), []).append(arch)
    for family, archs in families.items():
        card = CARDS / f"{family}.md"
        has_numbers = any(table.get(a) for a in archs)
        if card.exists() and (has_numbers or BLOCK.search(card.read_text(encoding="utf-8"))):
            text = card.read_text(encoding="utf-8")
            block = card_block(archs, table)
            out[card] = BLOCK.sub(lambda _: block, text) if BLOCK.search(text) else text.rstrip() + (
                "\n\n## Measured by motionzoo (generated by `python benchmarks/publish.py`)\n" + block + "\n")
    return out


def readme_text(measured_json: str) -> str:
    """The README with its model table regenerated by `motionzoo list --markdown` under `measured_json`."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        pkg = Path(d) / "measured.json"
        pkg.write_text(measured_json, encoding="utf-8")
        env = {**os.environ, "MOTIONZOO_MEASURED_FILE": str(pkg)}
        table = subprocess.run([sys.executable, "-m", "motionzoo.cli", "list", "--markdown"], cwd=REPO, env=env,
                               check=True, capture_output=True, text=True).stdout.strip()
    text = README.read_text(encoding="utf-8")
    return re.sub(r"<!-- models:begin -->.*<!-- models:end -->",
                  lambda _: f"<!-- models:begin -->\n{table}\n<!-- models:end -->", text, flags=re.S)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="only compare; exit 1 when a generated file is stale")
    args = p.parse_args(argv)
    table = measured_table(counted_runs())
    files = expected_files(table)
    files[README] = readme_text(files[MEASURED])
    stale = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(REPO)} (run python benchmarks/publish.py)")
        return 1 if stale else 0
    for path in stale:
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")
    n = sum(len(v) for v in table.values())
    print(f"{n} measured (architecture, dataset split) entries from {len(counted_runs())} result file(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
