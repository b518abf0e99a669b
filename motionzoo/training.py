"""Train and evaluate from the command line (`motionzoo train`, `motionzoo eval`) or from Python, on a registered
dataset or on your own data, with the recipes and the one training loop (`motionzoo.engine.fit` / `evaluate`).

    result = train_model("lstm_baseline", dataset="utd_mhad", out="runs/utd", epochs=10)
    result = train_model("lstm_baseline", data="mine.npz", init="runs/utd/model.safetensors", out="runs/mine")
    report = evaluate_checkpoint("lstm_baseline", "runs/mine/model.safetensors", data="mine.npz", split="val")

Data.  `dataset=NAME` is a registered dataset (`motionzoo.data.DATASETS`), read from `data_root` (the dataset's
folder, or a folder holding it) or `$MOTIONZOO_DATA`; `data=FILE` is a user container (`.npz` or a folder,
`motionzoo.data.UserSkeletonDataset`) or a pyskl pickle (`.pkl`, `motionzoo.data.PysklDataset`).  Training reads the
split `train` (a file without split names: all of it); evaluation reads `split`: `test` (the default where the data
has one), or `val`, a split the file names or else a validation split carved from the training samples (whole
subjects or folds where the metadata has them, else a stratified 20 %; `motionzoo.data.carve_validation`), which
never reads test.

Recipe.  `get_recipe(arch, KEY)` where KEY is the registered dataset's recipe key; data without a recipe for the
architecture (a file, or a dataset the architecture has none for) gets `motionzoo.recipes.generic_recipe`: a
registered recipe (`recipe=KEY`, else utd_mhad for one person, sbu for two) adapted to the data's keypoint format,
persons and channels.  `epochs` and `overrides` change it: `{"lr": 1e-3, "pipeline.clip_len": 64,
"model.hidden": 64, "data.fold": 2}` (recipe fields, input-pipeline fields, builder keywords, dataset
arguments).

Model.  From scratch: `create_model(arch, num_classes=K, **recipe.model_kwargs)`.  `pretrained=True` starts from an
`arch.tag`'s released weights, `init=FILE` from a checkpoint (a `motionzoo train` result rebuilds itself from its
embedded cfg); both keep the weights' architecture and replace the classifier when the class count differs, and
the input pipeline converts the data's keypoint format to the model's when they differ (`synthesize=True` accepts
synthesised joints).

Files in `out` (refused when it is not empty, unless `resume=True` continues the run in it): `model.safetensors`
(the last epoch's weights with the cfg embedded: class names, `num_classes`, `model_args`, the resolved input
pipeline, recipe, dataset, `trained_by_motionzoo`), `result.json` (metrics of the last epoch on the evaluation
split, per class, the recipe, the command), what `fit` writes (`log.jsonl`, `last/`, `best/`,
`per_class_accuracy.csv`, `confusion_matrix.csv`, `training_curves.png`, `confusion_matrix.png`) and
`run.json` (what the run was asked to do; `resume` refuses a different request).
"""
from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from torch.utils.data import Subset

__all__ = ["train_model", "evaluate_checkpoint", "open_data", "choose_recipe", "TrainData", "TrainResult",
           "RECIPE_KEYS", "split_overrides"]

# registered dataset name (motionzoo.data.DATASETS) -> its recipe key (motionzoo.recipes), where they differ
RECIPE_KEYS = {"ntu": "ntu60", "nw_ucla": "nwucla"}
_CARVED = "val"


# -- data --------------------------------------------------------------------------------------------------------
@dataclass
class TrainData:
    """The training and evaluation sets of one source, without transforms yet (`set_transforms`)."""

    name: str                          # dataset name, or the file's stem
    source: str                        # "dataset utd_mhad at DIR", "user container FILE", "pyskl pickle FILE"
    recipe_key: str | None             # registered dataset: its recipe key
    classes: tuple[str, ...]
    keypoint_format: str
    num_person: int
    channels: int
    train_split: str
    eval_split: str
    how: str                           # how the evaluation split was made
    train_base: Any = None             # datasets (the train one draws the augmentation) and their index subsets
    eval_base: Any = None
    train_idx: Sequence[int] | None = None
    eval_idx: Sequence[int] | None = None

    @property
    def train(self):
        return self.train_base if self.train_idx is None else Subset(self.train_base, list(self.train_idx))

    @property
    def eval(self):
        return self.eval_base if self.eval_idx is None else Subset(self.eval_base, list(self.eval_idx))

    def set_transforms(self, train_transform, eval_transform) -> None:
        if self.train_base is not None:
            self.train_base.transform = train_transform
        self.eval_base.transform = eval_transform

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "keypoint_format": self.keypoint_format,
                "classes": list(self.classes), "num_person": self.num_person, "channels": self.channels,
                "train_split": self.train_split, "eval_split": self.eval_split, "eval_split_how": self.how,
                "num_train": None if self.train_base is None else len(self.train),
                "num_eval": len(self.eval)}


def _dataset_root(cls, data_root) -> Path | None:
    if data_root is None:
        return None
    root = Path(data_root)
    return root / cls.default_subdir if cls.default_subdir and (root / cls.default_subdir).is_dir() else root


def _opener(dataset: str | None, data: str | Path | None, data_root, data_args: Mapping[str, Any],
            keypoint_format: str | None) -> tuple[Callable[..., Any], str, str, str | None]:
    """(open(split) -> dataset, name, source description, recipe key)."""
    from .data import DATASETS, PysklDataset, UserSkeletonDataset
    if (dataset is None) == (data is None):
        raise ValueError("give exactly one of a registered dataset (--dataset NAME) or a data file (--data FILE)")
    if dataset is not None:
        key = dataset.lower().replace("-", "_")
        if key not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; registered: {', '.join(sorted(DATASETS))} (your own data: "
                             "--data FILE)")
        cls = DATASETS[key]
        root = _dataset_root(cls, data_root)
        where = str(root) if root is not None else "$MOTIONZOO_DATA or ../shared/data"
        return (lambda split: cls(root, split=split, **data_args)), key, f"dataset {key} at {where}", \
            RECIPE_KEYS.get(key, key)
    path = Path(data)
    if not path.exists():
        raise FileNotFoundError(f"data not found: {path}")
    if data_args.keys() - {"scores", "classes"}:
        raise ValueError(f"{path}: data arguments {sorted(data_args)} do not apply to a data file (scores, classes "
                         "do)")
    if path.suffix in (".pkl", ".pickle"):
        return (lambda split: PysklDataset(path, split=split, keypoint_format=keypoint_format, **data_args)), \
            path.stem, f"pyskl pickle {path}", None
    if keypoint_format is not None:
        raise ValueError(f"{path}: a user container declares its keypoint format; --keypoint-format is for pyskl "
                         "pickles")
    return (lambda split: UserSkeletonDataset(path, split=split, **data_args)), path.stem, \
        f"user container {path}", None


def _file_splits(path: Path) -> list[str]:
    from .data import read_pyskl, read_user_dataset
    if path.suffix in (".pkl", ".pickle"):
        return sorted(read_pyskl(path)["split"])
    return sorted({s for s in read_user_dataset(path).splits or () if s})


def open_data(dataset: str | None = None, data: str | Path | None = None, data_root=None, split: str | None = None,
              train_split: str | None = None, data_args: Mapping[str, Any] | None = None,
              keypoint_format: str | None = None, need_train: bool = True) -> TrainData:
    """The training set and the evaluation split of a registered dataset or a data file (see the module
    docstring).  `need_train=False` (evaluation) opens the training split only when `val` must be carved from it."""
    data_args = dict(data_args or {})
    open_split, name, source, recipe_key = _opener(dataset, data, data_root, data_args, keypoint_format)
    is_file = dataset is None
    if is_file:
        splits = _file_splits(Path(data))
        if train_split is None:
            train_split = "train" if "train" in splits else None
            if train_split is None and splits:
                raise ValueError(f"{data}: no split named 'train'; name the training split with --train-split "
                                 f"(splits: {', '.join(splits)})")
            train_split = train_split or "all"
        elif train_split not in splits and train_split != "all":
            raise ValueError(f"{data}: no split {train_split!r}; splits: {', '.join(splits) or 'none'}")
        if split is None:
            split = next((s for s in ("test", "val") if s in splits), _CARVED)
        carve = split not in splits
        if carve and split != _CARVED:
            raise ValueError(f"{data}: no split {split!r} (splits: {', '.join(splits) or 'none'}); --split val "
                             "carves a validation split from the training samples")
    else:
        train_split = train_split or "train"
        split = split or "test"
        if split not in ("test", _CARVED):
            raise ValueError(f"--split must be 'test' or 'val' for a registered dataset, got {split!r}")
        carve = split == _CARVED
    train_idx = eval_idx = None
    if carve:
        from .data import carve_validation
        train_base = open_split(train_split)
        eval_base = open_split(train_split)
        train_idx, eval_idx, how = carve_validation(train_base.meta, train_base.labels)
        how = f"carved from split {train_split!r}: {how}"
        train_idx, eval_idx = train_idx.tolist(), eval_idx.tolist()
    else:
        train_base = open_split(train_split) if need_train else None
        eval_base = open_split(split)
        how = f"split {split!r}"
    ref = train_base if train_base is not None else eval_base
    return TrainData(name=name, source=source, recipe_key=recipe_key, classes=tuple(ref.classes),
                     keypoint_format=ref.topology, num_person=int(ref.num_bodies), channels=int(ref.num_channels),
                     train_split=train_split, eval_split=split, how=how, train_base=train_base, eval_base=eval_base,
                     train_idx=train_idx, eval_idx=eval_idx)


# -- recipe ------------------------------------------------------------------------------------------------------
def split_overrides(overrides: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """{"lr": .., "pipeline.clip_len": .., "model.x": .., "data.fold": ..} -> {"recipe": {...}, "pipeline": {...},
    "model": {...}, "data": {...}}."""
    out: dict[str, dict[str, Any]] = {"recipe": {}, "pipeline": {}, "model": {}, "data": {}}
    for key, value in dict(overrides or {}).items():
        prefix, dot, rest = key.partition(".")
        if dot and prefix in ("pipeline", "model", "data") and rest:
            out[prefix][rest] = value
        elif dot:
            raise ValueError(f"--set {key}: the prefixes are pipeline., model. and data. (a recipe field has none)")
        else:
            out["recipe"][key] = value
    return out


def choose_recipe(model: str, data: TrainData, recipe: str | None = None):
    """The registered recipe of (arch, the data's recipe key), or the generic recipe adapted to the data (based on
    `recipe`, a registered dataset key, when given)."""
    from ._registry import _resolve_deprecated, split_model_name
    from .recipes import RecipeError, generic_recipe, get_recipe
    arch = split_model_name(_resolve_deprecated(model))[0]
    if recipe is not None:
        get_recipe(arch, recipe)                # an explicit key must exist for the architecture (lists them)
    key = recipe or data.recipe_key
    if key is not None and key == data.recipe_key:
        try:
            return get_recipe(arch, key)
        except RecipeError:
            pass
    return generic_recipe(arch, data.keypoint_format, data.num_person, data.channels, base=recipe)


# -- model -------------------------------------------------------------------------------------------------------
def _build_model(model: str, recipe, num_classes: int, pretrained: bool, init, model_overrides: Mapping[str, Any],
                 log: Callable[[str], None]):
    """(model, builder keywords that rebuild it, what it was initialised from)."""
    from ._factory import create_model
    from ._registry import split_model_name
    arch, tag = split_model_name(model)
    if pretrained and init is not None:
        raise ValueError("--pretrained and --init exclude each other")
    if tag and not pretrained:
        raise ValueError(f"{model} names released weights: add --pretrained to start from them, or name the "
                         f"architecture ({arch}) to train from scratch")
    if pretrained or init is not None:
        if init is not None:
            from .inference import _weights_file
            init = _weights_file(Path(init))
            net = create_model(arch, checkpoint_path=str(init), num_classes=num_classes, **model_overrides)
            source = str(init)
        else:
            net = create_model(model, pretrained=True, num_classes=num_classes, **model_overrides)
            source = net.pretrained_cfg.name
        kwargs = {**dict(net.pretrained_cfg.model_args or {}), **model_overrides}
        ignored = {k: v for k, v in recipe.model_kwargs.items() if kwargs.get(k) != v}
        if ignored:
            log(f"note: the architecture comes from {source}; the recipe's builder keywords {ignored} are not used "
                "(the input pipeline converts the data to the model's keypoint format)")
        return net, kwargs, source
    kwargs = {**dict(recipe.model_kwargs), **model_overrides}
    return create_model(arch, num_classes=num_classes, **kwargs), kwargs, None


def _trained_cfg(model, data: TrainData, recipe, model_args, pipeline_spec, init_from, fingerprint):
    """The cfg the trained weights carry: what they are (classes, builder keywords, pipeline, recipe, data), with the
    provenance and the metrics of any weights they started from removed."""
    from ._builder import PROVENANCE_FIELDS
    cfg = model.pretrained_cfg
    cleared = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
               for f in dataclasses.fields(cfg)
               if f.name in PROVENANCE_FIELDS - {"arch", "num_params"}
               or f.name in ("converted_from", "published_metrics", "published_source", "reproduced_metrics",
                             "upstream_protocol_metrics")}
    return cfg.replace(
        **cleared, description=f"{cfg.arch} trained by motionzoo train on {data.name}", trained_by_motionzoo=True,
        num_classes=len(data.classes), categories=tuple(data.classes), num_classes_overridden=False,
        model_args=dict(model_args) or None, pipeline=pipeline_spec, recipe=recipe.name, dataset=data.name,
        split=data.train_split, split_counts={"train": len(data.train), data.eval_split: len(data.eval)},
        init_from=init_from, data_fingerprint=fingerprint,
        eval_protocol={"clips": 1, "crops": 1, "level": "video",
                       "notes": f"last epoch on {data.how}; input pipeline {pipeline_spec['name']}"})


def _format_fields(model, data: TrainData, synthesize: bool) -> dict[str, Any]:
    """The input pipeline's keypoint-format fields for `data`: convert from the data's format when it is not the
    model's (the model's cfg pipeline may record the format of the data it was trained on: replaced here)."""
    from .data.pipeline import pipeline_fields
    cfg = model.pretrained_cfg
    spec = dict(cfg.pipeline or {})
    if spec.get("name") is None or "source_format" not in pipeline_fields(spec["name"]):
        raise ValueError(f"{cfg.name}: its input pipeline {spec.get('name')!r} does not read skeleton sequences")
    return {"source_format": data.keypoint_format if data.keypoint_format != cfg.keypoint_format else None,
            "synthesize": bool(synthesize or spec.get("synthesize"))}


# -- results -----------------------------------------------------------------------------------------------------
def metrics_record(metrics: Mapping[str, Any], classes: Sequence[str]) -> dict[str, Any]:
    """The JSON form of `evaluate`'s metrics: the scalars, per class (support, correct, accuracy) and the
    confusion matrix (rows = true classes, columns = predictions)."""
    from ._json import jsonable
    from .engine import per_class_accuracy
    cm = np.asarray(metrics["confusion_matrix"])
    acc = per_class_accuracy(cm)
    per_class = [{"class": c, "support": int(cm[i].sum()), "correct": int(cm[i, i]),
                  "accuracy": None if np.isnan(acc[i]) else float(acc[i])} for i, c in enumerate(classes)]
    return jsonable({**{k: metrics[k] for k in ("top1", "top5", "mean_class_accuracy", "loss", "num_samples")},
                     "per_class": per_class, "confusion_matrix": cm.tolist()})


def _print_metrics(log, what: str, rec: Mapping[str, Any]) -> None:
    log(f"{what}: top1 {rec['top1']:.2f}  top5 {rec['top5']:.2f}  mean class {rec['mean_class_accuracy']:.2f}  "
        f"({rec['num_samples']} samples)")


@dataclass
class TrainResult:
    out: Path
    weights: Path
    metrics: dict[str, Any]
    recipe: Any
    model: Any
    result: dict[str, Any] = field(default_factory=dict)


def _check_out(out: Path, resume: bool, request: Mapping[str, Any]) -> None:
    from ._json import jsonable
    run_file = out / "run.json"
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file")
    busy = out.is_dir() and any(out.iterdir())
    if busy and not resume:
        raise ValueError(f"--out {out} is not empty: pass --resume to continue the run in it, or choose another "
                         "--out (nothing was overwritten)")
    if busy and run_file.is_file():
        before = json.loads(run_file.read_text())
        now = jsonable(dict(request))
        diff = sorted(k for k in set(before) | set(now) if k != "epochs" and before.get(k) != now.get(k))
        if diff:
            raise ValueError(f"--resume: {out} holds a run of another request; differs in {diff} "
                             f"(was {[before.get(k) for k in diff]}, now {[now.get(k) for k in diff]})")


def _short(pipeline) -> str:
    """`name(field=value, ...)` with the fields that differ from the pipeline class's defaults."""
    changed = [f"{f.name}={getattr(pipeline, f.name)!r}" for f in dataclasses.fields(pipeline)
               if f.name != "train" and f.default is not dataclasses.MISSING and getattr(pipeline, f.name) != f.default]
    return f"{pipeline.pipeline_name}({', '.join(changed)})"


def _epoch_logger(log, epochs: int, split: str):
    def on_epoch_end(epoch: int, record: Mapping[str, Any]) -> None:
        parts = [f"epoch {epoch + 1}/{epochs}", f"lr {record['lr']:.3g}"]
        if "train_loss" in record:
            parts.append(f"loss {record['train_loss']:.4f}")
        if "train_top1" in record:
            parts.append(f"train top1 {record['train_top1']:.1f}")
        if "val_top1" in record:
            parts.append(f"{split} top1 {record['val_top1']:.1f}")
        parts.append(f"{record.get('time_s', 0):.1f}s")
        log("  ".join(parts))
    return on_epoch_end


def train_model(model: str, *, dataset: str | None = None, data: str | Path | None = None, data_root=None,
                recipe: str | None = None, epochs: int | None = None, pretrained: bool = False, init=None,
                out: str | Path | None = None, resume: bool = False, seed: int = 0, split: str | None = None,
                train_split: str | None = None, overrides: Mapping[str, Any] | None = None,
                keypoint_format: str | None = None, synthesize: bool = False, device=None, workers: int = 0,
                progress: bool | None = None, plots: bool = True, command: str | None = None,
                log: Callable[[str], None] = print) -> TrainResult:
    """Train `model` (see the module docstring); returns the output folder, the weights file, the last epoch's
    metrics on the evaluation split, the recipe and the trained model."""
    from ._hub import save_state_dict, write_json_atomic
    from ._json import jsonable
    from ._transforms import resolve_transforms
    from .data.pipeline import pipeline_spec
    from .engine import describe_env, fit, make_loader, seed_everything

    parts = split_overrides(overrides)
    out = Path(out) if out is not None else Path("runs") / f"{model.replace('.', '_')}-{dataset or Path(data).stem}"
    request = {"model": model, "dataset": dataset, "data": None if data is None else str(data),
               "recipe": recipe, "pretrained": pretrained, "init": None if init is None else str(init), "seed": seed,
               "split": split, "train_split": train_split, "keypoint_format": keypoint_format,
               "synthesize": synthesize, "overrides": dict(overrides or {}), "epochs": epochs}
    _check_out(out, resume, request)

    d = open_data(dataset, data, data_root, split, train_split, parts["data"], keypoint_format)
    rec = choose_recipe(model, d, recipe)
    if parts["recipe"]:
        rec = rec.replace(**parts["recipe"])
    if epochs is not None:
        rec = rec.replace(epochs=int(epochs))
    seed_everything(seed)
    net, model_args, init_from = _build_model(model, rec, len(d.classes), pretrained, init, parts["model"], log)
    fields = {**_format_fields(net, d, synthesize), **parts["pipeline"]}
    train_t = resolve_transforms(net, train=True, recipe=rec, **fields)
    eval_t = resolve_transforms(net, train=False, recipe=rec, **fields)
    d.set_transforms(train_t, eval_t)
    d.train_base.seed = seed                   # augmentation draws: a function of (seed, epoch, index)
    # the weights' pipeline reads samples in the model's own keypoint format (as every cfg's does): the conversion
    # from this data's format is a property of the data, recorded in result.json, and eval/predict set their own
    spec = {k: v for k, v in pipeline_spec(eval_t).items() if k not in ("source_format", "synthesize")}
    log(f"{model}: {len(d.classes)} classes, {len(d.train)} training samples ({d.source}, split "
        f"{d.train_split!r}), evaluation on {d.how} ({len(d.eval)} samples)")
    log(f"recipe {rec.name}: {rec.epochs} epochs, batch {rec.batch_size}, {rec.optimizer} lr {rec.lr:g}, "
        f"{rec.schedule}; builder keywords {model_args}; pipeline {_short(eval_t)}")

    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(jsonable(request), out / "run.json")
    res = fit(net, make_loader(d.train, rec.batch_size, train=True, seed=seed, num_workers=workers,
                               drop_last=rec.drop_last),
              make_loader(d.eval, rec.batch_size, train=False, num_workers=workers), rec, out, device=device,
              resume=resume, progress=progress, class_names=d.classes, plots=plots,
              on_epoch_end=_epoch_logger(log, rec.epochs, d.eval_split))
    fingerprint = getattr(d.train_base, "fingerprint", None)
    cfg = _trained_cfg(res.model, d, rec, model_args, spec, init_from, fingerprint)
    weights = out / "model.safetensors"
    sha = save_state_dict(res.model.state_dict(), weights, cfg)
    metrics = metrics_record(res.final, d.classes)
    result = jsonable({
        "model": model, "arch": cfg.arch, "command": command, "weights": {"file": weights.name, "sha256": sha},
        "metrics": metrics, "split": d.eval_split, "last_epoch": len(res.history) - 1, "best": res.best,
        "data": d.describe(), "recipe": rec.to_dict(), "model_args": model_args, "pipeline": spec,
        "init_from": init_from, "seed": seed, "env": describe_env(device), "note": "metrics of the last epoch"})
    write_json_atomic(result, out / "result.json")
    _print_metrics(log, f"last epoch on {d.how}", metrics)
    log(f"wrote {weights} (sha256 {sha[:12]}), {out / 'result.json'}, curves and confusion matrix in {out}")
    return TrainResult(out=out, weights=weights, metrics=metrics, recipe=rec, model=res.model, result=result)


def evaluate_checkpoint(model: str, checkpoint: str | Path, *, dataset: str | None = None,
                        data: str | Path | None = None, data_root=None, split: str | None = None,
                        train_split: str | None = None, data_args: Mapping[str, Any] | None = None,
                        keypoint_format: str | None = None, synthesize: bool = False, out: str | Path | None = None,
                        batch_size: int = 64, device=None, workers: int = 0, progress: bool | None = None,
                        plots: bool = True, command: str | None = None,
                        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Evaluate a checkpoint on a split: `metrics.json`, `per_class_accuracy.csv`, `confusion_matrix.csv` and
    `confusion_matrix.png` in `out` (default: `eval_<data>_<split>` beside the checkpoint).  The class names are the
    checkpoint's; the data must have as many classes."""
    from ._hub import sha256_file, write_json_atomic
    from ._transforms import resolve_transforms
    from .engine import evaluate, make_loader, resolve_device, write_confusion_csv, write_per_class_csv
    from .inference import _weights_file, class_names, load_for_inference

    weights = _weights_file(Path(checkpoint))
    net = load_for_inference(model, weights)
    d = open_data(dataset, data, data_root, split, train_split, data_args, keypoint_format, need_train=False)
    names = class_names(net)
    if len(names) != len(d.classes):
        raise ValueError(f"{weights} has {len(names)} classes, {d.source} has {len(d.classes)}")
    if tuple(names) != tuple(d.classes) and net.pretrained_cfg.categories:
        log(f"note: the data's class names {list(d.classes)[:5]}... differ from the checkpoint's {names[:5]}...; "
            "the checkpoint's are reported")
    d.set_transforms(None, resolve_transforms(net, train=False, **_format_fields(net, d, synthesize)))
    dev = resolve_device(device)
    metrics = evaluate(net.to(dev), make_loader(d.eval, batch_size, train=False, num_workers=workers), dev,
                       num_classes=len(names), progress=progress)
    rec = metrics_record(metrics, names)
    base = Path(checkpoint) if Path(checkpoint).is_dir() else Path(checkpoint).parent
    out = Path(out) if out is not None else base / f"eval_{d.name}_{d.eval_split}"
    out.mkdir(parents=True, exist_ok=True)
    cm = np.asarray(metrics["confusion_matrix"])
    write_per_class_csv(cm, out / "per_class_accuracy.csv", names)
    write_confusion_csv(cm, out / "confusion_matrix.csv", names)
    if plots:
        from .engine.plots import plot_confusion_matrix
        plot_confusion_matrix(cm, out / "confusion_matrix.png", names, title=f"{model} on {d.name} {d.eval_split}")
    report = {"model": model, "checkpoint": str(weights), "sha256": sha256_file(weights), "command": command,
              "data": d.describe(), "split": d.eval_split, "metrics": rec}
    write_json_atomic(report, out / "metrics.json")
    _print_metrics(log, f"{model} on {d.how} of {d.source}", rec)
    log(f"wrote {out / 'metrics.json'}, per_class_accuracy.csv, confusion_matrix.csv"
        + (", confusion_matrix.png" if plots else "") + f" in {out}")
    return report
