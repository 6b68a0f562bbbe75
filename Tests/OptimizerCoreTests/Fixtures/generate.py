#!/usr/bin/env python3
"""Extra reference trajectories for optd's golden tests, made with the REAL frameworks.

What it makes
    One JSON file per case in this folder (the public golden format of ../shared/golden/:
    name, convention, optimizer, hyperparameters (SPEC §2 names, explicit ones only), extra,
    framework_call, framework_config, framework, dtype, seed, size, steps, grad_scale,
    zero_fraction, initial_params, gradients[steps][size], params[steps][size] (the parameters
    after each step), learning_rates (keras: the rate each call used, read from the optimizer
    before the call) and ema_average (keras with use_ema: the optimizer's EMA variable after
    each call)), an index.json listing them like the public one, and schedules.json (the value
    of every Keras schedule config used here at steps 0..60, as float32).
    The cases cover the rules and hyperparameters that the 28 public golden cases do not:
    see CASES below. size 32, steps 40, float32 throughout.

    pytorch convention: torch.optim.<Opt>([p]) on one flat float32 torch.nn.Parameter, default
    CPU code path (foreach/fused left at None), p.grad set from the stored gradient, opt.step().
    keras convention: keras.optimizers.<Opt>(...) on one float32 keras.Variable,
    optimizer.apply([g], [v]) eagerly, JAX backend.

How to run (from the repository root; only PyPI is needed)
    python3 -m venv /tmp/fixtures-venv
    /tmp/fixtures-venv/bin/pip install torch==2.15.0 keras==3.15.1 jax==0.10.2 jaxlib==0.10.2 numpy==2.4.6
    KERAS_BACKEND=jax /tmp/fixtures-venv/bin/python Tests/OptimizerCoreTests/Fixtures/generate.py

Versions used for the committed files
    torch 2.15.0+cu132 (CPU path, AVX512), keras 3.15.1, jax/jaxlib 0.10.2, numpy 2.4.6,
    Python 3.11.7, x86_64 AMD EPYC. The script records the versions it actually ran with in
    every file's `framework` field. The output is deterministic (fixed per-case seeds).

Data
    seed = 20261128 + crc32(case name) mod 2^31; rng = numpy.random.default_rng(seed);
    initial_params ~ N(0,1); gradients ~ N(0,1) * grad_scale, then a zero_fraction of the
    entries set to exactly 0; all rounded to float32. The loss-scale case has grad_scale 128 =
    loss_scale_factor: its gradients are what a trainer using scale_loss sends, and Keras divides
    them by 128 first (exact, a power of two).
    Numbers are written with '%.9g', which parses back to the exact float32.
"""

import json
import os
import platform
import sys
import zlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np

SIZE = 32
STEPS = 40
SCHEDULE_STEPS = 61  # schedules.json: steps 0..60
BASE_SEED = 20261128
OUT = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Cases. Each: name, convention, optimizer, hyperparameters (SPEC names, explicit only),
# optional grad_scale / zero_fraction.
# ---------------------------------------------------------------------------------------------

def exp_decay(staircase=False):
    return {"schedule": "exponential_decay", "initial_learning_rate": 0.01,
            "decay_steps": 10, "decay_rate": 0.5, "staircase": staircase}

SCHEDULES = {
    "exponential_decay": exp_decay(False),
    "exponential_decay-staircase": exp_decay(True),
    "polynomial_decay": {"schedule": "polynomial_decay", "initial_learning_rate": 0.01,
                         "decay_steps": 20, "end_learning_rate": 1e-4, "power": 2.0,
                         "cycle": False},
    "polynomial_decay-cycle": {"schedule": "polynomial_decay", "initial_learning_rate": 0.01,
                               "decay_steps": 7, "end_learning_rate": 1e-4, "power": 1.0,
                               "cycle": True},
    "inverse_time_decay-staircase": {"schedule": "inverse_time_decay",
                                     "initial_learning_rate": 0.01, "decay_steps": 5,
                                     "decay_rate": 0.5, "staircase": True},
    "cosine_decay-warmup": {"schedule": "cosine_decay", "initial_learning_rate": 0.0,
                            "decay_steps": 20, "alpha": 0.1, "warmup_target": 0.01,
                            "warmup_steps": 10},
    # non-zero start: shows that the warmup branch too is computed with a fused multiply-add
    "cosine_decay-warmup-init": {"schedule": "cosine_decay", "initial_learning_rate": 0.001,
                                 "decay_steps": 13, "alpha": 0.1, "warmup_target": 0.01,
                                 "warmup_steps": 7},
    "cosine_decay_restarts": {"schedule": "cosine_decay_restarts",
                              "initial_learning_rate": 0.01, "first_decay_steps": 8,
                              "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.05},
    "cosine_decay_restarts-tmul1": {"schedule": "cosine_decay_restarts",
                                    "initial_learning_rate": 0.01, "first_decay_steps": 8,
                                    "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.05},
    # schedules.json only (plus the public golden's two, for completeness)
    "piecewise_constant_decay": {"schedule": "piecewise_constant_decay", "boundaries": [10, 30],
                                 "values": [0.01, 0.005, 0.001]},
    "cosine_decay": {"schedule": "cosine_decay", "initial_learning_rate": 0.01,
                     "decay_steps": 30, "alpha": 0.0},
    "inverse_time_decay": {"schedule": "inverse_time_decay", "initial_learning_rate": 0.01,
                           "decay_steps": 5, "decay_rate": 0.5, "staircase": False},
}

CASES = [
    # ---- pytorch -------------------------------------------------------------------------
    dict(name="pytorch-sgd-nesterov", convention="pytorch", optimizer="sgd",
         hp={"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
    dict(name="pytorch-sgd-dampening", convention="pytorch", optimizer="sgd",
         hp={"learning_rate": 0.01, "momentum": 0.9, "dampening": 0.5}),
    dict(name="pytorch-sgd-maximize", convention="pytorch", optimizer="sgd",
         hp={"learning_rate": 0.01, "maximize": True}),
    dict(name="pytorch-sgd-momentum-maximize", convention="pytorch", optimizer="sgd",
         hp={"learning_rate": 0.01, "momentum": 0.9, "maximize": True}),
    dict(name="pytorch-sgd-l2wd-momentum", convention="pytorch", optimizer="sgd",
         hp={"learning_rate": 0.01, "momentum": 0.9, "weight_decay": 0.01}),
    dict(name="pytorch-adagrad-lr_decay", convention="pytorch", optimizer="adagrad",
         hp={"lr_decay": 0.01}),
    dict(name="pytorch-adagrad-init-l2wd", convention="pytorch", optimizer="adagrad",
         hp={"initial_accumulator_value": 0.1, "weight_decay": 0.01}),
    dict(name="pytorch-adagrad-eps-small-grads", convention="pytorch", optimizer="adagrad",
         hp={}, grad_scale=1e-4),
    dict(name="pytorch-rmsprop-momentum", convention="pytorch", optimizer="rmsprop",
         hp={"momentum": 0.9}),
    dict(name="pytorch-rmsprop-centered-momentum", convention="pytorch", optimizer="rmsprop",
         hp={"centered": True, "momentum": 0.9}),
    dict(name="pytorch-rmsprop-l2wd", convention="pytorch", optimizer="rmsprop",
         hp={"weight_decay": 0.01}),
    dict(name="pytorch-rmsprop-rho-eps-small-grads", convention="pytorch", optimizer="rmsprop",
         hp={"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-6}, grad_scale=1e-4),
    dict(name="pytorch-adam-maximize", convention="pytorch", optimizer="adam",
         hp={"learning_rate": 0.01, "maximize": True}),
    dict(name="pytorch-adam-small-sparse-grads", convention="pytorch", optimizer="adam",
         hp={}, grad_scale=1e-5, zero_fraction=0.25),
    dict(name="pytorch-adamw-wd-amsgrad", convention="pytorch", optimizer="adamw",
         hp={"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    dict(name="pytorch-adamw-betas", convention="pytorch", optimizer="adamw",
         hp={"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
    # ---- keras ---------------------------------------------------------------------------
    dict(name="keras-adagrad-init0-small-grads", convention="keras", optimizer="adagrad",
         hp={"initial_accumulator_value": 0.0}, grad_scale=1e-4),
    dict(name="keras-adagrad-epsilon", convention="keras", optimizer="adagrad",
         hp={"learning_rate": 0.01, "epsilon": 1e-3}),
    dict(name="keras-adagrad-wd", convention="keras", optimizer="adagrad",
         hp={"learning_rate": 0.01, "weight_decay": 0.01}),
    dict(name="keras-rmsprop-small-grads", convention="keras", optimizer="rmsprop",
         hp={}, grad_scale=1e-4),
    dict(name="keras-rmsprop-centered-momentum", convention="keras", optimizer="rmsprop",
         hp={"centered": True, "momentum": 0.9}),
    dict(name="keras-rmsprop-rho-epsilon", convention="keras", optimizer="rmsprop",
         hp={"rho": 0.8, "epsilon": 1e-4}, grad_scale=0.01),
    dict(name="keras-sgd-wd", convention="keras", optimizer="sgd",
         hp={"weight_decay": 0.01}),
    dict(name="keras-sgd-global_clipnorm", convention="keras", optimizer="sgd",
         hp={"global_clipnorm": 1.0}),
    dict(name="keras-sgd-clipnorm-0.5", convention="keras", optimizer="sgd",
         hp={"clipnorm": 0.5}),
    # scale 0.5: the gradient norm (~2.8) is below 3 on some steps and above on others
    dict(name="keras-sgd-clipnorm-3", convention="keras", optimizer="sgd",
         hp={"clipnorm": 3.0}, grad_scale=0.5),
    dict(name="keras-sgd-nesterov-exponential_decay", convention="keras", optimizer="sgd",
         hp={"learning_rate": exp_decay(False), "momentum": 0.9, "nesterov": True}),
    dict(name="keras-adam-global_clipnorm", convention="keras", optimizer="adam",
         hp={"learning_rate": 0.01, "global_clipnorm": 2.0}),
    dict(name="keras-adam-betas-epsilon-small-grads", convention="keras", optimizer="adam",
         hp={"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6}, grad_scale=1e-4),
    dict(name="keras-extra-adam-loss_scale", convention="keras", optimizer="adam",
         hp={"loss_scale_factor": 128.0}, grad_scale=128.0),  # pre-scaled, as scale_loss would
    dict(name="keras-extra-adam-gradacc2-exponential_decay", convention="keras",
         optimizer="adam",
         hp={"learning_rate": exp_decay(False), "gradient_accumulation_steps": 2}),
    dict(name="keras-extra-adam-ema-nooverwrite", convention="keras", optimizer="adam",
         hp={"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.99}),
    dict(name="keras-extra-sgd-momentum-ema-gradacc3-overwrite2", convention="keras",
         optimizer="sgd",
         hp={"momentum": 0.9, "use_ema": True, "gradient_accumulation_steps": 3,
             "ema_overwrite_frequency": 2}),
    dict(name="keras-adam-polynomial_decay", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["polynomial_decay"]}),
    dict(name="keras-adam-polynomial_decay-cycle", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["polynomial_decay-cycle"]}),
    dict(name="keras-adam-inverse_time_decay-staircase", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["inverse_time_decay-staircase"]}),
    dict(name="keras-adam-cosine_decay-warmup", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["cosine_decay-warmup"]}),
    dict(name="keras-adam-cosine_decay-warmup-init", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["cosine_decay-warmup-init"]}),
    dict(name="keras-adam-cosine_decay_restarts", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["cosine_decay_restarts"]}),
    dict(name="keras-adam-cosine_decay_restarts-tmul1", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["cosine_decay_restarts-tmul1"]}),
    dict(name="keras-adam-exponential_decay-staircase", convention="keras", optimizer="adam",
         hp={"learning_rate": SCHEDULES["exponential_decay-staircase"]}),
    dict(name="keras-adamw-wd", convention="keras", optimizer="adamw",
         hp={"weight_decay": 0.05}),
    dict(name="keras-adam-amsgrad-small-sparse-grads", convention="keras", optimizer="adam",
         hp={"amsgrad": True}, grad_scale=1e-5, zero_fraction=0.25),
]

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def seed_for(name):
    return (BASE_SEED + zlib.crc32(name.encode())) % (2 ** 31)


def make_data(case):
    rng = np.random.default_rng(seed_for(case["name"]))
    init = rng.standard_normal(SIZE).astype(np.float32)
    grads = (rng.standard_normal((STEPS, SIZE)) * case.get("grad_scale", 1.0)).astype(np.float32)
    zf = case.get("zero_fraction", 0.0)
    if zf:
        grads[rng.random((STEPS, SIZE)) < zf] = 0.0
    return init, grads


def fmt_array(a):
    a = np.asarray(a, dtype=np.float32)
    assert np.all(np.isfinite(a)), "non-finite value"
    if a.ndim == 1:
        return "[" + ",".join("%.9g" % float(x) for x in a) + "]"
    return "[\n  " + ",\n  ".join(fmt_array(r) for r in a) + "\n ]"


def check_roundtrip(a):
    a = np.asarray(a, dtype=np.float32)
    back = np.array([float("%.9g" % float(x)) for x in a.ravel()], dtype=np.float32)
    assert np.array_equal(back.view(np.uint32), a.ravel().view(np.uint32))


def write_case(meta, arrays):
    """meta: ordered JSON-able fields; arrays: ordered (key, ndarray) written with %.9g."""
    parts = []
    for k, v in meta.items():
        parts.append(" %s: %s" % (json.dumps(k), json.dumps(v, default=_json_default)))
    for k, v in arrays:
        check_roundtrip(v)
        parts.append(" %s: %s" % (json.dumps(k), fmt_array(v)))
    path = os.path.join(OUT, meta["name"] + ".json")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")
    return os.path.basename(path)


def _json_default(o):
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def call_repr(prefix, kwargs):
    return "%s(%s)" % (prefix, ", ".join("%s=%s" % (k, v) for k, v in kwargs.items()))


def common_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"numpy": np.__version__, "machine": platform.machine(),
            "python": platform.python_version(), "cpu": cpu}

# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------

TORCH_NAMES = {"learning_rate": "lr", "epsilon": "eps", "rho": "alpha"}
TORCH_CLASSES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
                 "adamw": "AdamW"}


def torch_kwargs(hp):
    kw = {}
    b1 = hp.get("beta_1")
    b2 = hp.get("beta_2")
    for k, v in hp.items():
        if k in ("beta_1", "beta_2"):
            continue
        kw[TORCH_NAMES.get(k, k)] = v
    if b1 is not None or b2 is not None:
        kw["betas"] = (0.9 if b1 is None else b1, 0.999 if b2 is None else b2)
    return kw


def run_torch(case, init, grads):
    import torch
    torch.set_num_threads(1)
    kw = torch_kwargs(case["hp"])
    cls = getattr(torch.optim, TORCH_CLASSES[case["optimizer"]])
    p = torch.nn.Parameter(torch.from_numpy(init.copy()))
    opt = cls([p], **kw)
    out = np.empty_like(grads)
    for i in range(STEPS):
        p.grad = torch.from_numpy(grads[i].copy())
        opt.step()
        out[i] = p.detach().numpy()
    config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.defaults.items()}
    framework = {"name": "torch", "version": torch.__version__, "device": "cpu",
                 "cpu_capability": torch.backends.cpu.get_cpu_capability(), **common_info()}
    call = call_repr("torch.optim." + TORCH_CLASSES[case["optimizer"]],
                     {k: repr(v) for k, v in kw.items()})
    return dict(params=out, config=config, framework=framework, call=call)

# ---------------------------------------------------------------------------------------------
# Keras
# ---------------------------------------------------------------------------------------------

KERAS_CLASSES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
                 "adamw": "AdamW"}
SCHEDULE_CLASSES = {"exponential_decay": "ExponentialDecay",
                    "piecewise_constant_decay": "PiecewiseConstantDecay",
                    "polynomial_decay": "PolynomialDecay",
                    "inverse_time_decay": "InverseTimeDecay",
                    "cosine_decay": "CosineDecay",
                    "cosine_decay_restarts": "CosineDecayRestarts"}


def keras_schedule(spec):
    import keras
    args = {k: v for k, v in spec.items() if k != "schedule"}
    cls_name = SCHEDULE_CLASSES[spec["schedule"]]
    obj = getattr(keras.optimizers.schedules, cls_name)(**args)
    call = call_repr("keras.optimizers.schedules." + cls_name,
                     {k: repr(v) for k, v in args.items()})
    return obj, call


def keras_kwargs(hp):
    kw, reprs = {}, {}
    for k, v in hp.items():
        if k == "learning_rate" and isinstance(v, dict):
            kw[k], reprs[k] = keras_schedule(v)
        else:
            kw[k], reprs[k] = v, repr(v)
    return kw, reprs


def run_keras(case, init, grads):
    import jax
    import keras
    kw, reprs = keras_kwargs(case["hp"])
    cls_name = KERAS_CLASSES[case["optimizer"]]
    opt = getattr(keras.optimizers, cls_name)(**kw)
    v = keras.Variable(init.copy(), dtype="float32")
    out = np.empty_like(grads)
    lrs = np.empty(STEPS, dtype=np.float32)
    ema = np.empty_like(grads) if case["hp"].get("use_ema") else None
    for i in range(STEPS):
        lrs[i] = np.float32(np.asarray(opt.learning_rate))  # schedule(_iterations), pre-apply
        g = keras.ops.convert_to_tensor(grads[i], dtype="float32")
        opt.apply([g], [v])
        out[i] = np.asarray(v.value)
        if ema is not None:
            ema[i] = np.asarray(opt._model_variables_moving_average[0].value)
    assert int(np.asarray(opt._iterations.value)) == STEPS
    config = opt.get_config()
    config.pop("name", None)
    framework = {"name": "keras", "version": keras.__version__,
                 "backend": keras.backend.backend(), "jax": jax.__version__,
                 "device": str(jax.devices()[0]), **common_info()}
    call = call_repr("keras.optimizers." + cls_name, reprs)
    return dict(params=out, config=config, framework=framework, call=call, lrs=lrs, ema=ema)


def keras_schedule_values(spec):
    """Value at steps 0..SCHEDULE_STEPS-1, the step given as the optimizer gives it (int32)."""
    import keras
    sched, call = keras_schedule(spec)
    values = []
    for step in range(SCHEDULE_STEPS):
        s = keras.ops.convert_to_tensor(step, dtype="int32")
        values.append(float(np.float32(sched(s))))
    return np.array(values, dtype=np.float32), call

# ---------------------------------------------------------------------------------------------

def main():
    only = set(sys.argv[1:])
    if not only:  # a full run rewrites every JSON file here; drop stale ones first
        for fname in os.listdir(OUT):
            if fname.endswith(".json"):
                os.remove(os.path.join(OUT, fname))
    index = []
    for case in CASES:
        if only and case["name"] not in only:
            continue
        init, grads = make_data(case)
        if case["convention"] == "pytorch":
            r = run_torch(case, init, grads)
        else:
            r = run_keras(case, init, grads)
        hp = case["hp"]
        extra = any(k in hp for k in ("use_ema", "gradient_accumulation_steps",
                                      "loss_scale_factor"))
        meta = {
            "name": case["name"], "convention": case["convention"],
            "optimizer": case["optimizer"], "hyperparameters": hp, "extra": extra,
            "framework_call": r["call"], "framework_config": r["config"],
            "framework": r["framework"], "dtype": "float32", "seed": seed_for(case["name"]),
            "size": SIZE, "steps": STEPS, "grad_scale": case.get("grad_scale", 1.0),
            "zero_fraction": case.get("zero_fraction", 0.0),
        }
        arrays = [("initial_params", init), ("gradients", grads), ("params", r["params"])]
        if case["convention"] == "keras":
            arrays.append(("learning_rates", r["lrs"]))
            if r["ema"] is not None:
                arrays.append(("ema_average", r["ema"]))
        fname = write_case(meta, arrays)
        fw = r["framework"]
        index.append({"name": case["name"], "convention": case["convention"],
                      "optimizer": case["optimizer"], "hyperparameters": hp, "extra": extra,
                      "framework_call": r["call"], "grad_scale": meta["grad_scale"],
                      "zero_fraction": meta["zero_fraction"], "steps": STEPS, "size": SIZE,
                      "file": fname, "framework": "%s %s" % (fw["name"], fw["version"])})
        print("wrote", fname, file=sys.stderr)
    if only:
        return
    index.sort(key=lambda e: e["name"])
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")

    import keras
    import jax
    sched_out = []
    for key, spec in SCHEDULES.items():
        values, call = keras_schedule_values(spec)
        check_roundtrip(values)
        sched_out.append({"name": key, "learning_rate": spec, "framework_call": call,
                          "values": "@@%d@@" % len(sched_out)})
        sched_out[-1]["_arr"] = values
    doc = {"description": "Keras learning-rate schedule values at steps 0..%d as float32 "
                          "(float(np.float32(schedule(step))), step an int32 tensor as the "
                          "optimizer passes its iterations). Not a trajectory case: not listed "
                          "in index.json." % (SCHEDULE_STEPS - 1),
           "framework": {"name": "keras", "version": keras.__version__,
                         "backend": keras.backend.backend(), "jax": jax.__version__,
                         **common_info()},
           "steps": "@@steps@@",
           "schedules": []}
    arrays = {"@@steps@@": "[" + ",".join(str(i) for i in range(SCHEDULE_STEPS)) + "]"}
    for e in sched_out:
        arrays[e["values"]] = fmt_array(e.pop("_arr"))
        doc["schedules"].append(e)
    text = json.dumps(doc, indent=1)
    for placeholder, arr in arrays.items():
        text = text.replace(json.dumps(placeholder), arr.replace("\n", ""))
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        f.write(text + "\n")
    print("wrote index.json (%d cases) and schedules.json (%d schedules)"
          % (len(index), len(sched_out)), file=sys.stderr)


if __name__ == "__main__":
    main()
