"""The `motionzoo` command.

    motionzoo list [PATTERN ...] [--pretrained] [--modality M]
    motionzoo info NAME
    motionzoo download NAME [NAME ...] [--dest DIR]
    motionzoo verify DIR
    motionzoo convert FORMAT SRC DST
    motionzoo show FILE_OR_DATASET[IDX] [-o OUT.png|gif]
    motionzoo prepare ntu --data-root DIR [--workers N] [--protocols P ...]
    motionzoo train MODEL --dataset NAME|--data FILE [--recipe KEY] [--epochs N] [--pretrained|--init CKPT]
                    [--out DIR] [--resume] [--seed S] [--split test|val] [--set KEY=VALUE ...]
    motionzoo eval MODEL --checkpoint FILE --dataset NAME|--data FILE [--split S] [--out DIR]
    motionzoo predict MODEL [--checkpoint FILE] INPUT [--topk K] [--json]
    motionzoo export MODEL [--checkpoint FILE] --format onnx|pt2 -o FILE
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import _hub
from ._registry import get_pretrained_cfg, list_models
from ._factory import model_info


def _cmd_list(args) -> int:
    names = list_models(args.patterns or "*", pretrained=args.pretrained, modality=args.modality)
    if args.markdown:
        print(weights_markdown_table(names) if args.pretrained else markdown_table(names))
        return 0
    for n in names:
        cfg = get_pretrained_cfg(n, pretrained=args.pretrained)
        params = f"{cfg.num_params:,}" if cfg.num_params else "?"
        print(f"{n:<48} {cfg.modality:<10} {params:>12}  {cfg.input_layout or ''}")
    return 0


def markdown_table(names: list[str], pretrained: bool = False) -> str:
    """The README's model table, generated from the cfgs (no hand-typed numbers)."""
    from ._registry import get_model_family
    lines = ["| model | family | params | input | published (source) | measured by motionzoo |",
             "|---|---|---:|---|---|---|"]
    for n in names:
        cfg = get_pretrained_cfg(n, pretrained=pretrained)
        size = "x".join(str(s) for s in cfg.input_size) if cfg.input_size else "any"
        inp = f"{cfg.input_layout} {size}" + (f" {cfg.keypoint_format}" if cfg.keypoint_format else "")
        pub = _fmt_metrics(cfg.published_metrics) if cfg.published_metrics else "—"
        if cfg.published_metrics and cfg.published_source:
            pub += f" ({cfg.published_source})"
        params = f"{cfg.num_params:,}" if cfg.num_params else "?"
        lines.append(f"| `{n}` | {get_model_family(split_arch(n))} | {params} | {inp} | {pub} | "
                     f"{_fmt_measured(cfg.reproduced_metrics)} |")
    return "\n".join(lines)


def weights_markdown_table(names: list[str]) -> str:
    """The README's pretrained-weights table: where each tag's files come from and what their hash check is."""
    lines = ["| weights | files | sha256 | converter |", "|---|---|---|---|"]
    for n in names:
        cfg = get_pretrained_cfg(n)
        if cfg.source_files:
            files = ", ".join(f"`{f.name}`" for f in cfg.source_files)
            hosts = sorted({u.split("/")[2] + (" over plain http" if u.startswith("http:") else "")
                            for f in cfg.source_files for u in f.urls if "://" in u})
            files += f" ({', '.join(hosts)})" if hosts else ""
        else:
            files = f"`{cfg.file_name}`" if cfg.file_name else f"hf-hub `{cfg.hf_hub_id}`"
        lines.append(f"| `{n}` | {files} | {cfg.weights_integrity} | {cfg.converter or '—'} |")
    return "\n".join(lines)


def _fmt_measured(m) -> str:
    """`sbu_5fold 79.2 ± 5.4 (n=5)`; the commands are in the model card."""
    if not m:
        return "—"
    out = []
    for key, v in m.items():
        std = v.get("top1_std")
        val = f"{v['top1_mean']:.1f}" + (f" ± {std:.1f}" if std is not None else "")
        out.append(f"{key} {val} (n={v.get('n_seeds', 1)})")
    return "; ".join(out)


def split_arch(name: str) -> str:
    return name.partition(".")[0]


def _fmt_metrics(m) -> str:
    if not m:
        return "—"
    return "; ".join(f"{k}: " + ", ".join(f"{kk}={vv}" for kk, vv in v.items()) for k, v in m.items())


def _cmd_info(args) -> int:
    info = model_info(args.name)
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
        return 0
    rows = [
        ("name", info["name"]), ("family", info["family"]), ("paper", info["paper"]),
        ("official code", info["official_code"]), ("license", info["license"]),
        ("params", f"{info['num_params']:,}" if info["num_params"] else "?"),
        ("input", f"{info['input_layout']} {tuple(info['input_size']) if info['input_size'] else ''} "
                  f"{info['keypoint_format'] or ''}".strip()),
        ("classes", info["num_classes"]), ("dataset", info["dataset"] or "—"),
        ("published", _fmt_metrics(info["published_metrics"]) + (f"  [{info['published_source']}]"
                                                                 if info["published_source"] else "")),
        ("measured", _fmt_measured(info["reproduced_metrics"])),
        ("weights", _weights_line(info)),
        ("integrity", info["weights_integrity"] or "—"),
        ("pretrained tags", ", ".join(info["pretrained_tags"]) or "none"),
    ]
    for k, v in rows:
        print(f"{k:>16}: {v}")
    return 0


def _weights_line(info) -> str:
    if info["source_files"]:
        files = ", ".join(f"{s['name']} (sha256 {(s['sha256'] or 'not pinned')[:12]})" for s in info["source_files"])
        return f"upstream files {files}, converter {info['converter']}"
    if info["file_name"]:
        return f"{info['file_name']} (sha256 {info['sha256']}) from {', '.join(info['urls']) or 'local file'}"
    return "none (architecture only)"


def _cmd_download(args) -> int:
    """Fetch (and verify) the files behind each name into the cache, or into a bundle with a manifest."""
    from ._builder import load_pretrained_state_dict
    names = [n for pat in args.names for n in (list_models(pat, pretrained=True) if "*" in pat else [pat])]
    manifest = []
    for name in names:
        cfg = get_pretrained_cfg(name)
        if not cfg.has_weights:
            print(f"{name}: no pretrained weights", file=sys.stderr)
            return 2
        sd = load_pretrained_state_dict(cfg, cache_dir=args.cache_dir)
        print(f"{cfg.name}: ok ({len(sd)} tensors)")
        if args.dest:
            dest = Path(args.dest) / f"{cfg.name}.safetensors"
            sha = _hub.save_state_dict(sd, dest, cfg)
            manifest.append({"name": cfg.name, "file": dest.name, "sha256": sha, "size": dest.stat().st_size,
                             "cfg": cfg.to_dict()})
    if args.dest:
        _hub.write_json_atomic(manifest, Path(args.dest) / "manifest.json")
        print(f"bundle written to {args.dest} ({len(manifest)} files, manifest.json)")
    return 0


def _cmd_verify(args) -> int:
    root = Path(args.dir)
    manifest = json.loads((root / "manifest.json").read_text())
    bad = 0
    for entry in manifest:
        actual = _hub.sha256_file(root / entry["file"])
        ok = actual == entry["sha256"]
        bad += not ok
        print(f"{'ok' if ok else 'MISMATCH'}  {entry['file']}" + ("" if ok else f" expected {entry['sha256']} got {actual}"))
    return 1 if bad else 0


def _cmd_convert(args) -> int:
    from .convert import get_converter, list_converters
    if args.format == "list":
        for c in list_converters():
            print(f"{c.name:<20} {c.help}")
        return 0
    conv = get_converter(args.format)
    sd = conv.fn(Path(args.src))
    cfg = get_pretrained_cfg(conv.arch, pretrained=False) if conv.arch else None
    sha = _hub.save_state_dict(sd, args.dst, cfg, metadata={"motionzoo.converter": conv.name,
                                                           "motionzoo.source": Path(args.src).name})
    print(f"wrote {args.dst}: {len(sd)} tensors, sha256 {sha}")
    return 0


def _cmd_show(args) -> int:
    from .data.show import show_path
    out = show_path(args.target, args.output, joint_indices=args.joint_indices)
    print(f"wrote {out}")
    return 0


def _add_prepare_parser(sub) -> None:
    """`motionzoo prepare ntu`: parse a whole NTU skeleton folder in parallel into the dataset cache."""
    import os
    from .data.bodies import BODY_RULES
    from .data.ntu import NTU_PROTOCOLS
    s = sub.add_parser("prepare", help="parse a dataset folder in parallel into the dataset cache (resumable)")
    s.add_argument("dataset", choices=["ntu"])
    s.add_argument("--data-root", required=True, help="folder of .skeleton files (searched recursively)")
    s.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    s.add_argument("--protocols", nargs="+", choices=sorted(NTU_PROTOCOLS),
                   help="default: the NTU-60 ones, plus the NTU-120 ones when setups 18-32 are present")
    s.add_argument("--body-rule", default="denoised_top2", choices=sorted(BODY_RULES))
    s.add_argument("--missing", help="missing-skeleton list to leave out (NTU's official list)")
    s.add_argument("--cache-dir", help="default: $MOTIONZOO_HOME")
    s.add_argument("--shard-size", type=int, default=64, help="files per resumable unit of work")
    s.set_defaults(fn=_cmd_prepare)


def _cmd_prepare(args) -> int:
    from .data.prepare import prepare_ntu
    summary = prepare_ntu(args.data_root, protocols=args.protocols, workers=args.workers, body_rule=args.body_rule,
                          missing=args.missing, cache_dir=args.cache_dir, shard_size=args.shard_size)
    print(summary.report())
    if summary.entries:
        proto = next(iter(summary.entries))
        print(f"load with: NTUSkeletonDataset({args.data_root!r}, protocol={proto!r}, split='train', "
              f"body_rule={args.body_rule!r}" + (", missing=..." if args.missing else "")
              + (", on_error='skip'" if summary.unreadable else "") + ")")
    return 0


class _UsageError(ValueError):
    """A command-line argument that does not parse (exit status 2, as argparse's own errors)."""


def parse_assignments(items, flag: str) -> dict:
    """["lr=1e-3", "pipeline.clip_len=64", "topology=ntu25"] -> {key: value}: values are JSON where they parse
    (numbers, true/false, lists), else strings."""
    out = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"{flag} expects KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _command_line(args) -> str:
    """The command as typed (recorded in result files)."""
    import shlex
    return " ".join(["motionzoo", *(shlex.quote(a) for a in args.argv)])


def _add_data_args(s, split_help: str) -> None:
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--dataset", help="a registered dataset: " + ", ".join(_dataset_names()))
    g.add_argument("--data", help="your own data: a user container (.npz or a folder with samples.csv) or a pyskl "
                                  "annotation pickle (.pkl)")
    s.add_argument("--data-root", help="the dataset's folder, or a folder holding it (default: $MOTIONZOO_DATA, "
                                       "then ../shared/data)")
    s.add_argument("--split", help=split_help)
    s.add_argument("--train-split", help="the training split of a data file (default 'train', or all of a file "
                                         "without split names)")
    s.add_argument("--keypoint-format", help="a pyskl pickle's keypoint format when its joint count is ambiguous "
                                             "(25 joints: ntu25 or body25)")
    s.add_argument("--synthesize", action="store_true",
                   help="accept synthesised joints when the data's keypoint format is converted to the model's")
    s.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    s.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    s.add_argument("--no-plots", action="store_true", help="skip the PNG plots")


def _dataset_names() -> list[str]:
    from .data import DATASETS
    return sorted(DATASETS)


def _cmd_train(args) -> int:
    """Train MODEL with its recipe on a registered dataset or on your own data (motionzoo.training)."""
    from .training import train_model
    overrides = parse_assignments(args.set, "--set")
    train_model(args.model, dataset=args.dataset, data=args.data, data_root=args.data_root, recipe=args.recipe,
                epochs=args.epochs, pretrained=args.pretrained, init=args.init, out=args.out, resume=args.resume,
                seed=args.seed, split=args.split, train_split=args.train_split, overrides=overrides,
                keypoint_format=args.keypoint_format, synthesize=args.synthesize, device=args.device,
                workers=args.workers, plots=not args.no_plots, command=_command_line(args))
    return 0


def _cmd_eval(args) -> int:
    """Metrics, per-class CSV and confusion matrix of a checkpoint on a split (motionzoo.training)."""
    from .training import evaluate_checkpoint, split_overrides
    parts = split_overrides(parse_assignments(args.set, "--set"))
    if parts["recipe"] or parts["pipeline"] or parts["model"]:
        raise _UsageError("eval takes only data.KEY=VALUE settings (the checkpoint fixes the model and its pipeline)")
    evaluate_checkpoint(args.model, args.checkpoint, dataset=args.dataset, data=args.data, data_root=args.data_root,
                        split=args.split, train_split=args.train_split, data_args=parts["data"],
                        keypoint_format=args.keypoint_format, synthesize=args.synthesize, out=args.out,
                        batch_size=args.batch_size, device=args.device, workers=args.workers,
                        plots=not args.no_plots, command=_command_line(args))
    return 0


def _cmd_predict(args) -> int:
    """Top-k classes of every sequence in INPUT; one line (or one JSON record) per sequence.  Exit 1 when any
    sequence failed (each failure is reported on stderr; the others are still predicted)."""
    from .inference import load_for_inference, predict_topk, read_sequences
    model_args = parse_assignments(args.model_arg, "--model-arg")
    model = load_for_inference(args.model, args.checkpoint, model_args)
    results, failed = [], 0
    for seq in read_sequences(args.input, args.keypoint_format):
        if seq.error:
            failed += 1
            print(f"motionzoo: {seq.source}: {seq.error}", file=sys.stderr)
            continue
        try:
            top = predict_topk(model, seq.sample, seq.keypoint_format, k=args.topk, synthesize=args.synthesize)
        except (ValueError, RuntimeError) as e:
            failed += 1
            print(f"motionzoo: {seq.name}: {e}", file=sys.stderr)
            continue
        results.append({"input": seq.name, "source": seq.source, "keypoint_format": seq.keypoint_format,
                        "predictions": top})
        if not args.json:
            print(f"{seq.name}: " + "  ".join(f"{p['rank']}. {p['class']} {p['probability']:.3f}" for p in top))
    if args.json:
        print(json.dumps({"model": model.pretrained_cfg.name, "checkpoint": args.checkpoint, "results": results},
                         indent=2))
    return 1 if failed else 0


def _cmd_export(args) -> int:
    """Write MODEL (with the checkpoint's weights, or an arch.tag's released weights, or random weights for a
    bare architecture) as ONNX or a torch.export program, and print the parity with eager PyTorch."""
    import torch
    from .export import export_onnx, export_program
    from .inference import load_for_inference
    from ._factory import create_model
    from ._registry import split_model_name
    if args.checkpoint or split_model_name(args.model)[1]:
        model = load_for_inference(args.model, args.checkpoint)
    else:
        model = create_model(args.model).eval()
        print(f"note: {args.model} has no weights given: exporting random weights (pass --checkpoint)",
              file=sys.stderr)
    out = Path(args.output)
    if args.format == "onnx":
        rep = export_onnx(model, out, opset=args.opset, check=not args.no_check)
    else:
        prog, rep = export_program(model, small=False, check=not args.no_check)
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.export.save(prog, str(out))
        rep.path = str(out)
    print(rep.summary())
    print(f"dynamic axes: {rep.note}")
    if rep.max_rel_err is not None and rep.max_rel_err > args.tolerance:
        print(f"motionzoo: error: relative error {rep.max_rel_err:.2e} exceeds {args.tolerance:g}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="motionzoo", description=__doc__.split("\n\n")[0])
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("list", help="registered models")
    s.add_argument("patterns", nargs="*", help="fnmatch patterns, e.g. 'drsr*'")
    s.add_argument("--pretrained", action="store_true", help="list arch.tag names that have weights")
    s.add_argument("--modality")
    s.add_argument("--markdown", action="store_true", help="print the README's model table")
    s.set_defaults(fn=_cmd_list)

    s = sub.add_parser("info", help="metadata of a model or weights")
    s.add_argument("name")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=_cmd_info)

    s = sub.add_parser("download", help="fetch and verify weights (into the cache, or a bundle with --dest)")
    s.add_argument("names", nargs="+")
    s.add_argument("--dest")
    s.add_argument("--cache-dir")
    s.set_defaults(fn=_cmd_download)

    s = sub.add_parser("verify", help="re-hash a bundle written by `download --dest`")
    s.add_argument("dir")
    s.set_defaults(fn=_cmd_verify)

    s = sub.add_parser("convert", help="upstream checkpoint -> safetensors (`convert list` shows formats)")
    s.add_argument("format")
    s.add_argument("src", nargs="?")
    s.add_argument("dst", nargs="?")
    s.set_defaults(fn=_cmd_convert)

    s = sub.add_parser("show", help="draw a skeleton sample as PNG/GIF: a file, or DATASET[IDX]")
    s.add_argument("target")
    s.add_argument("-o", "--output", default="skeleton.png")
    s.add_argument("--joint-indices", action="store_true")
    s.set_defaults(fn=_cmd_show)

    _add_prepare_parser(sub)

    s = sub.add_parser("train", help="train a model with its recipe on a registered dataset or your own data",
                       description="Train MODEL with motionzoo's recipes and training loop; writes the weights with "
                                   "the class names, builder keywords and input pipeline embedded, the result JSON, "
                                   "the log, curves and confusion matrix (see motionzoo/training.py).")
    s.add_argument("model", help="architecture (from scratch), or arch.tag with --pretrained")
    _add_data_args(s, "evaluation split: 'test' (default where the data has one) or 'val' (a data file's split, else "
                      "carved from the training samples; test is never read)")
    s.add_argument("--recipe", help="recipe key (a registered dataset, e.g. utd_mhad): default the dataset's own, and "
                                    "for data without one motionzoo's generic recipe")
    s.add_argument("--epochs", type=int, help="override the recipe's epochs")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--pretrained", action="store_true", help="start from the released weights of MODEL (arch.tag)")
    g.add_argument("--init", metavar="CKPT", help="start from a checkpoint (e.g. runs/x/model.safetensors); a new "
                                                  "class count replaces the classifier")
    s.add_argument("--out", help="output folder (default runs/<model>-<data>); must be empty unless --resume")
    s.add_argument("--resume", action="store_true", help="continue the run in --out from its last epoch")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe field (lr=1e-3, batch_size=16), a pipeline field (pipeline.clip_len=64), "
                        "a builder keyword (model.hidden=64) or a dataset argument (data.fold=2)")
    s.set_defaults(fn=_cmd_train)

    s = sub.add_parser("eval", help="metrics, per-class CSV and confusion matrix of a checkpoint on a split")
    s.add_argument("model", help="the architecture the checkpoint was trained as")
    s.add_argument("--checkpoint", required=True, help="weights (as for predict; a training run folder works)")
    _add_data_args(s, "split to evaluate: 'test' (default where the data has one), 'val' (a data file's split, else "
                      "carved from the training samples as `train` does), or a split the data file names")
    s.add_argument("--out", help="output folder (default eval_<data>_<split> beside the checkpoint)")
    s.add_argument("--batch-size", type=int, default=64)
    s.add_argument("--set", action="append", default=[], metavar="data.KEY=VALUE", help="a dataset argument")
    s.set_defaults(fn=_cmd_eval)

    s = sub.add_parser("predict", help="top-k classes for a sequence file or a folder of them")
    s.add_argument("model", help="architecture (with --checkpoint) or arch.tag with released weights")
    s.add_argument("input", help="user .npz / folder, .skeleton, _skeleton.mat, .npy (M,T,V,C), pyskl .pkl, ...")
    s.add_argument("--checkpoint", help="weights: .safetensors (class names from its embedded cfg), a directory "
                                        "with model.safetensors, or a training run directory")
    s.add_argument("--topk", type=int, default=5)
    s.add_argument("--json", action="store_true")
    s.add_argument("--keypoint-format", help="the input's keypoint format when the file does not say (e.g. body25)")
    s.add_argument("--synthesize", action="store_true",
                   help="accept synthesised joints when converting pose-estimator keypoints to the model's format")
    s.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="architecture option (JSON value) for weights that do not record theirs, e.g. "
                        "topology=kinect_v1_20 (files written by motionzoo train embed them)")
    s.set_defaults(fn=_cmd_predict)

    s = sub.add_parser("export", help="write ONNX or a torch.export program and print the parity with eager")
    s.add_argument("model")
    s.add_argument("--checkpoint", help="weights (as for predict); default: an arch.tag's released weights")
    s.add_argument("--format", choices=("onnx", "pt2"), default="onnx")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--opset", type=int, default=18)
    s.add_argument("--tolerance", type=float, default=1e-4, help="largest accepted relative error (exit 1 above)")
    s.add_argument("--no-check", action="store_true", help="skip the numerical check")
    s.set_defaults(fn=_cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if args.command == "convert" and args.format != "list" and not (args.src and args.dst):
        print("usage: motionzoo convert FORMAT SRC DST", file=sys.stderr)
        return 2
    try:
        return args.fn(args)
    except BrokenPipeError:
        # the reader went away (`motionzoo predict ... | head`): stop quietly, as Unix tools do; point stdout at
        # devnull so the interpreter's final flush does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _UsageError as e:
        print(f"motionzoo: error: {e}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, KeyError, RuntimeError, ImportError, NotImplementedError, TypeError) as e:
        print(f"motionzoo: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
