"""Fits the Switchyard router on features computed by the worker's TypeScript extractor.

Called by `npm run router -- train` (classifier/src/train.ts), which writes a work directory with
X.f32 (float32 features, row-major), parity.f32 and dataset.json. This script:
  1. compares per-model binary success predictors with a multiclass "best cheap model" predictor
     (and two tree budgets each) by grouped, task-stratified cross-validation inside the data,
     scoring each by the area under its out-of-fold quality-vs-cost curve (AIQ-like);
  2. calibrates the winner's probabilities (Platt scaling on out-of-fold predictions);
  3. picks the policy knob (threshold) on the out-of-fold curve: the cheapest operating point whose
     quality clears the best single model's by a small margin;
  4. refits on all rows, exports ONNX (onnxmltools, zipmap=False; per-model boosters merged into one
     graph with one [N, models] probability output), router.meta.json and parity.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import warnings

import lightgbm as lgb
import numpy as np
import onnx
import onnxmltools
from onnx import TensorProto, helper
from onnxmltools.convert.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

SUCCESS = 0.5  # a score >= this counts as an acceptable answer (96.8% of public scores are 0 or 1)
THRESHOLD_GRID = np.round(np.linspace(0.0, 1.0, 101), 4)
QUALITY_MARGIN = 0.005  # operating point must beat the best single model's CV quality by this much
SEED = 7

# sklearn warns about feature names on every LightGBM predict with plain arrays; harmless here.
warnings.filterwarnings("ignore", message="X does not have valid feature names")


def load(work: str):
    with open(os.path.join(work, "dataset.json")) as f:
        ds = json.load(f)
    dim = ds["dim"]
    X = np.fromfile(os.path.join(work, "X.f32"), dtype="<f4").reshape(-1, dim)
    P = np.fromfile(os.path.join(work, "parity.f32"), dtype="<f4").reshape(-1, dim)
    S = np.array([r["scores"] for r in ds["rows"]], dtype=np.float64)
    C = np.array([r["costs"] for r in ds["rows"]], dtype=np.float64)
    tasks = np.array([r["task"] for r in ds["rows"]])
    groups = np.array([r["group"] for r in ds["rows"]])
    assert X.shape[0] == S.shape[0], "features and rows disagree"
    return ds, X, P, S, C, tasks, groups


def choose(probs: np.ndarray, costs: np.ndarray, threshold: float) -> np.ndarray:
    """Same rule as edge/src/routing/classifier/decide.ts: cheapest model with p >= threshold
    (ties: higher p, then lower index); when none clears it, the most probable model."""
    mask = probs >= threshold
    key = np.where(mask, costs, np.inf)
    min_cost = key.min(axis=1, keepdims=True)
    cand = mask & (costs == min_cost)
    picked = np.argmax(np.where(cand, probs, -np.inf), axis=1)
    fallback = np.argmax(probs, axis=1)
    return np.where(mask.any(axis=1), picked, fallback)


def curve(probs, S, C):
    pts = []
    rows = np.arange(S.shape[0])
    for t in THRESHOLD_GRID:
        idx = choose(probs, C, t)
        pts.append((float(t), float(S[rows, idx].mean()), float(C[rows, idx].mean())))
    return pts


def aiq(points, cost_lo, cost_hi):
    """Area under the upper envelope of (cost, quality) points over [cost_lo, cost_hi], divided by
    the range: RouterBench's AIQ, with linear interpolation between non-dominated points and the
    envelope held flat beyond the ends."""
    pts = sorted((c, q) for c, q in points)
    front = []
    for c, q in pts:
        if not front or q > front[-1][1]:
            front.append((c, q))
    xs = np.linspace(cost_lo, cost_hi, 400)
    cs = np.array([p[0] for p in front])
    qs = np.array([p[1] for p in front])
    ys = np.interp(xs, cs, qs, left=0.0, right=qs[-1])
    # left of the cheapest router point the router cannot operate: count zero quality there
    return float(np.trapezoid(ys, xs) / (cost_hi - cost_lo)) if cost_hi > cost_lo else float(qs.max())


def make_targets(kind, S, C):
    if kind == "per-model":
        return (S >= SUCCESS).astype(int)
    # multiclass: the best-scoring model, ties to the cheaper one (then the earlier one)
    best = S.max(axis=1, keepdims=True)
    key = np.where(S >= best - 1e-12, C, np.inf)
    return np.argmin(key, axis=1)


def lgb_params(cfg, n_models, kind):
    p = dict(
        n_estimators=cfg["trees"],
        learning_rate=cfg["lr"],
        num_leaves=cfg["leaves"],
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.5,
        reg_lambda=1.0,
        random_state=SEED,
        n_jobs=1,  # the shared 2-core box thrashes with 2 threads
        max_bin=63,
        verbose=-1,
    )
    if kind == "multiclass":
        p.update(objective="multiclass", num_class=n_models)
    return p


def fit_predict(kind, cfg, Xtr, Ytr, Xte, n_models):
    """Returns (models, probabilities [len(Xte), n_models])."""
    if kind == "per-model":
        fitted, cols = [], []
        for j in range(n_models):
            y = Ytr[:, j]
            m = lgb.LGBMClassifier(**lgb_params(cfg, n_models, kind))
            if y.min() == y.max():  # a model that always (or never) succeeds: constant predictor
                m = ConstantModel(float(y[0]))
            else:
                m.fit(Xtr, y)
            fitted.append(m)
            cols.append(m.predict_proba(Xte)[:, 1])
        return fitted, np.stack(cols, axis=1)
    m = lgb.LGBMClassifier(**lgb_params(cfg, n_models, kind))
    m.fit(Xtr, Ytr)
    proba = np.zeros((Xte.shape[0], n_models))
    proba[:, m.classes_] = m.predict_proba(Xte)
    return [m], proba


class ConstantModel:
    def __init__(self, p):
        self.p = p

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.p), np.full(len(X), self.p)])


def platt(raw, target):
    """Per column: logistic regression on logit(p) -> (a, b)."""
    out = []
    for j in range(raw.shape[1]):
        y = target[:, j]
        p = np.clip(raw[:, j], 1e-7, 1 - 1e-7)
        z = np.log(p / (1 - p)).reshape(-1, 1)
        if y.min() == y.max():
            out.append({"a": 1.0, "b": 0.0})
            continue
        lr = LogisticRegression(C=1e4).fit(z, y)
        out.append({"a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])})
    return out


def apply_platt(raw, cal):
    p = np.clip(raw, 1e-7, 1 - 1e-7)
    z = np.log(p / (1 - p))
    a = np.array([c["a"] for c in cal])
    b = np.array([c["b"] for c in cal])
    return 1 / (1 + np.exp(-(a * z + b)))


def brier(p, y):
    return float(np.mean((p - y) ** 2))


def cross_validate(kind, cfg, X, S, C, tasks, groups, folds):
    n_models = S.shape[1]
    Y = make_targets(kind, S, C)
    oof = np.zeros_like(S)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for tr, te in splitter.split(X, tasks, groups):
        _, proba = fit_predict(kind, cfg, X[tr], Y[tr], X[te], n_models)
        oof[te] = proba
    return oof, Y


def binary_target(kind, Y, n_models):
    if kind == "per-model":
        return Y
    return (Y.reshape(-1, 1) == np.arange(n_models)).astype(int)


def pick_threshold(points, best_single_quality):
    feasible = [p for p in points if p[1] >= best_single_quality + QUALITY_MARGIN]
    if feasible:
        return min(feasible, key=lambda p: (p[2], -p[1]))
    return max(points, key=lambda p: (p[1], -p[2]))


def to_onnx(kind, fitted, dim, n_models):
    init = [("input", FloatTensorType([None, dim]))]
    if kind == "multiclass":
        m = onnxmltools.convert_lightgbm(fitted[0], initial_types=init, zipmap=False, target_opset=13)
        prob = [o.name for o in m.graph.output][1]
        m.graph.node.append(helper.make_node("Identity", [prob], ["probabilities"], name="probabilities_out"))
        del m.graph.output[:]
        m.graph.output.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, n_models]))
        return m
    # per-model: one graph, each booster's P(success) column concatenated in model order
    nodes, inits, opsets, cols = [], [], {}, []
    for j, booster in enumerate(fitted):
        if isinstance(booster, ConstantModel):
            # constant column: input[:, :1] * 0 + p
            c = f"m{j}_const"
            inits += [
                helper.make_tensor(f"{c}_p", TensorProto.FLOAT, [1], [booster.p]),
                helper.make_tensor(f"{c}_zero", TensorProto.FLOAT, [1], [0.0]),
                helper.make_tensor(f"{c}_s", TensorProto.INT64, [1], [0]),
                helper.make_tensor(f"{c}_e", TensorProto.INT64, [1], [1]),
                helper.make_tensor(f"{c}_ax", TensorProto.INT64, [1], [1]),
            ]
            nodes += [
                helper.make_node("Slice", ["input", f"{c}_s", f"{c}_e", f"{c}_ax"], [f"{c}_x"], name=f"{c}_slice"),
                helper.make_node("Mul", [f"{c}_x", f"{c}_zero"], [f"{c}_z"], name=f"{c}_mul"),
                helper.make_node("Add", [f"{c}_z", f"{c}_p"], [f"{c}_col"], name=f"{c}_add"),
            ]
            cols.append(f"{c}_col")
            continue
        m = onnxmltools.convert_lightgbm(booster, initial_types=init, zipmap=False, target_opset=13)
        for op in m.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
        prefix = f"m{j}_"
        rename = lambda name: name if name == "input" or name == "" else prefix + name  # noqa: E731
        # Keep only the tree ensemble: onnxmltools follows it with Identity/Cast/Mul-by-one nodes
        # that change nothing but cost a kernel dispatch each per request.
        (tree,) = [node for node in m.graph.node if node.op_type == "TreeEnsembleClassifier"]
        tree.name = f"{prefix}trees"
        tree.input[:] = [rename(n) for n in tree.input]
        tree.output[:] = [rename(n) for n in tree.output]
        nodes.append(tree)
        prob = tree.output[1]
        c = f"m{j}_p1"
        inits += [
            helper.make_tensor(f"{c}_s", TensorProto.INT64, [1], [1]),
            helper.make_tensor(f"{c}_e", TensorProto.INT64, [1], [2]),
            helper.make_tensor(f"{c}_ax", TensorProto.INT64, [1], [1]),
        ]
        nodes.append(helper.make_node("Slice", [prob, f"{c}_s", f"{c}_e", f"{c}_ax"], [c], name=f"{c}_slice"))
        cols.append(c)
    nodes.append(helper.make_node("Concat", cols, ["probabilities"], axis=1, name="probabilities_concat"))
    graph = helper.make_graph(
        nodes,
        "switchyard_router",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, dim])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, n_models])],
        initializer=inits,
    )
    opsets[""] = max(13, opsets.get("", 0))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    model.ir_version = 8
    model.producer_name = "switchyard-router"
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    ds, X, P, S, C, tasks, groups = load(args.work)
    models = ds["models"]
    n, m = S.shape
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    log(f"router train: {n} rows, {m} models ({', '.join(models)}), {X.shape[1]} features")

    folds = 3 if args.quick else 5
    n_groups = len(np.unique(groups))
    folds = max(2, min(folds, n_groups))
    configs = (
        [{"name": "small", "trees": 20, "lr": 0.15, "leaves": 7}]
        if args.quick
        else [
            {"name": "shallow", "trees": 100, "lr": 0.06, "leaves": 7},
            {"name": "medium", "trees": 60, "lr": 0.08, "leaves": 15},
        ]
    )
    single_q = S.mean(axis=0)
    single_c = C.mean(axis=0)
    best_single = int(np.argmax(single_q))
    cost_lo, cost_hi = float(single_c.min()), float(single_c.max())

    results = []
    for kind in ("per-model", "multiclass"):
        # multiclass trains one tree per model per round: one budget keeps the comparison affordable
        for cfg in configs if kind == "per-model" else configs[:1]:
            oof, Y = cross_validate(kind, cfg, X, S, C, tasks, groups, folds)
            target = binary_target(kind, Y, m)
            cal = platt(oof, target)
            oof_cal = apply_platt(oof, cal)
            pts = curve(oof_cal, S, C)
            area = aiq([(p[2], p[1]) for p in pts], cost_lo, cost_hi)
            op = pick_threshold(pts, float(single_q[best_single]))
            res = {
                "kind": kind,
                "config": cfg,
                "aiq": round(area, 5),
                "brier_raw": round(brier(oof, target), 5),
                "brier_calibrated": round(brier(oof_cal, target), 5),
                "operating_point": {"threshold": op[0], "quality": round(op[1], 5), "cost": op[2]},
                "max_quality": round(max(p[1] for p in pts), 5),
            }
            log(f"  cv {kind:9s} {cfg['name']:8s} AIQ={area:.4f} brier={res['brier_calibrated']:.4f} "
                f"op: t={op[0]:.2f} q={op[1]:.4f} cost={op[2]:.3e}")
            results.append((res, cal, pts))

    best_res, best_cal, best_pts = max(results, key=lambda r: (r[0]["aiq"], r[0]["kind"] == "per-model"))
    kind, cfg = best_res["kind"], best_res["config"]
    threshold = best_res["operating_point"]["threshold"]
    log(f"selected {kind} / {cfg['name']} (AIQ {best_res['aiq']}), threshold {threshold}")

    Y = make_targets(kind, S, C)
    fitted, _ = fit_predict(kind, cfg, X, Y, X[:1], m)
    onnx_model = to_onnx(kind, fitted, X.shape[1], m)
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "router.onnx")
    onnx.save(onnx_model, onnx_path)

    # Parity sample: the training side's decisions on fixed prompts, from the boosters themselves.
    _, raw_parity = fit_predict_cached(kind, fitted, P, m)
    cal_parity = apply_platt(raw_parity, best_cal)
    tokens = np.array([r["tokens"] for r in ds["parity"]], dtype=np.float64)
    prices = ds["prices"]
    costs = np.array(
        [[(t * prices[mm]["input_usd_per_mtok"] + ds["assumed_output_tokens"] * prices[mm]["output_usd_per_mtok"]) / 1e6
          for mm in models] for t in tokens]
    )
    picks = choose(cal_parity, costs, threshold)
    with open(onnx_path, "rb") as f:
        onnx_sha256 = hashlib.sha256(f.read()).hexdigest()
    parity = {
        "onnx_sha256": onnx_sha256,
        "threshold": threshold,
        "models": models,
        "rows": [
            {
                "prompt": r["prompt"],
                "raw": [float(v) for v in raw_parity[i]],
                "calibrated": [float(v) for v in cal_parity[i]],
                "model": models[int(picks[i])],
                "confidence": float(cal_parity[i, picks[i]]),
            }
            for i, r in enumerate(ds["parity"])
        ],
    }
    with open(os.path.join(args.out, "parity.json"), "w") as f:
        json.dump(parity, f, indent=1)

    meta = {
        "format": "switchyard-router/1",
        "kind": kind,
        "models": models,
        "features": {"spec_version": ds["spec_version"], "dim": int(X.shape[1])},
        "onnx": {"input": "input", "output": "probabilities"},
        "calibration": best_cal,
        "policy": {"rule": "cheapest-above-threshold", "threshold": threshold},
        "prices": prices,
        "assumed_output_tokens": ds["assumed_output_tokens"],
        "cascade": ds["cascade"],
        "training": {
            "data_sha256": ds["data_sha256"],
            "data_file": os.path.basename(ds["data_file"]),
            "rows": int(n),
            "roster_matched": ds["roster_matched"],
            "success_threshold": SUCCESS,
            "cv_folds": folds,
            "quality_margin": QUALITY_MARGIN,
            "lightgbm": lgb.__version__,
            "onnxmltools": onnxmltools.__version__,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        },
        "metrics": {
            "cv": [r[0] for r in results],
            "selected": {"kind": kind, "config": cfg["name"]},
            "cv_curve": [{"threshold": t, "quality": round(q, 5), "cost": c} for t, q, c in best_pts],
            "train_single_models": {
                mm: {"quality": round(float(single_q[j]), 5), "cost": float(single_c[j])} for j, mm in enumerate(models)
            },
            "onnx_bytes": os.path.getsize(onnx_path),
            "onnx_sha256": onnx_sha256,
        },
    }
    with open(os.path.join(args.out, "router.meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    log(f"wrote {onnx_path} ({meta['metrics']['onnx_bytes']} bytes), router.meta.json, parity.json")


def fit_predict_cached(kind, fitted, Xq, n_models):
    if kind == "per-model":
        return fitted, np.stack([f.predict_proba(Xq)[:, 1] for f in fitted], axis=1)
    proba = np.zeros((Xq.shape[0], n_models))
    proba[:, fitted[0].classes_] = fitted[0].predict_proba(Xq)
    return fitted, proba


if __name__ == "__main__":
    main()
