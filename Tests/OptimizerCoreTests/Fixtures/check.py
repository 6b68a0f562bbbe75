"""Independent float32 numpy replay of the fixtures, written from ../shared/reference/optimizers.md.

Run:  python3 Tests/OptimizerCoreTests/Fixtures/check.py Tests/OptimizerCoreTests/Fixtures
      (numpy only; no torch/keras needed). Also works on ../shared/golden (no schedules.json there).
Prints, per case, the worst SPEC error ratio (<= 1 passes) and how many steps are bit-exact.

Measured with keras 3.15.1 / jax 0.10.2 / numpy 2.4.6: every keras fixture replays BIT-EXACT, given
three XLA details beyond optimizers.md (see README.md): division by a broadcast scalar is a multiply
by its float32 reciprocal (clipnorm, gradient accumulation); CosineDecay with warmup computes
a*b+c as one fma in both branches; the eager sum of squares of <= 32 floats is sequential.
The pytorch replay uses torch's fma placement but IEEE sqrt (torch's CPU sqrt is not correctly
rounded): SGD replays bit-exact, the others within a small fraction of the SPEC bar.
"""
import json, math, sys, os
import numpy as np
f32 = np.float32
D = sys.argv[1]

def sched_val(spec, step):
    if not isinstance(spec, dict):
        return f32(spec)
    s = spec["schedule"]; st = f32(step)
    if s == "exponential_decay":
        p = st / f32(spec["decay_steps"])
        if spec.get("staircase"): p = np.floor(p)
        return f32(f32(spec["initial_learning_rate"]) * f32(math.pow(f32(spec["decay_rate"]), p)))
    if s == "piecewise_constant_decay":
        b = spec["boundaries"]; v = spec["values"]
        for i, bb in enumerate(b):
            if step <= bb: return f32(v[i])
        return f32(v[-1])
    if s == "polynomial_decay":
        init = f32(spec["initial_learning_rate"]); end = f32(spec.get("end_learning_rate", 1e-4))
        ds = f32(spec["decay_steps"]); power = f32(spec.get("power", 1.0))
        if spec.get("cycle"):
            mult = f32(1.0) if step == 0 else f32(math.ceil(st / ds))
            ds = f32(ds * mult); s_ = st
        else:
            s_ = min(st, ds)
        frac = f32(s_ / ds)
        return f32(f32((init - end) * f32(math.pow(f32(1 - frac), power))) + end)
    if s == "inverse_time_decay":
        p = st / f32(spec["decay_steps"])
        if spec.get("staircase"): p = np.floor(p)
        return f32(f32(spec["initial_learning_rate"]) / f32(f32(1) + f32(f32(spec["decay_rate"]) * p)))
    if s == "cosine_decay":
        init = f32(spec["initial_learning_rate"]); ds = f32(spec["decay_steps"]); a = f32(spec.get("alpha", 0.0))
        W = spec.get("warmup_target"); ws = f32(spec.get("warmup_steps", 0))
        def dec(base, s_):
            c = f32(f32(0.5) * f32(f32(1) + f32(math.cos(f32(f32(math.pi) * f32(s_ / ds))))))
            return f32(base * (fma(f32(f32(1) - a), c, a) if W is not None else f32(f32(f32(1) - a) * c + a)))
        if W is None:
            return dec(init, min(st, ds))
        W = f32(W); s_ = min(st, f32(ds + ws))
        if s_ < ws:
            return fma(f32(W - init), f32(s_ / ws), init)
        return dec(W, f32(s_ - ws))
    if s == "cosine_decay_restarts":
        init = f32(spec["initial_learning_rate"]); fd = f32(spec["first_decay_steps"])
        tm = f32(spec.get("t_mul", 2.0)); mm = f32(spec.get("m_mul", 1.0)); a = f32(spec.get("alpha", 0.0))
        f = f32(st / fd)
        if tm == 1:
            i = np.floor(f); f = f32(f - i)
        else:
            i = np.floor(f32(math.log(f32(1 - f32(f * f32(1 - tm))))) / f32(math.log(tm)))
            sumr = f32(f32(1 - f32(math.pow(tm, i))) / f32(1 - tm))
            f = f32(f32(f - sumr) / f32(math.pow(tm, i)))
        mf = f32(math.pow(mm, i))
        c = f32(f32(0.5) * f32(mf * f32(f32(1) + f32(math.cos(f32(f32(math.pi) * f))))))
        return f32(init * f32(f32(f32(1) - a) * c + a))
    raise ValueError(s)

def seqsum(g):
    s = f32(0)
    for x in g: s = f32(s + f32(x * x))
    return s

def fma(a, b, c):
    return f32(float(a) * float(b) + float(c))

def keras_replay(d):
    hp = d["hyperparameters"]; opt = d["optimizer"]
    p = np.array(d["initial_params"], f32); G = np.array(d["gradients"], f32)
    lrspec = hp.get("learning_rate", {"sgd": 0.01}.get(opt, 0.001))
    k = hp.get("gradient_accumulation_steps"); acc = np.zeros_like(p)
    mom = f32(hp.get("momentum", 0.0)); rhod = hp.get("rho", 0.9); rho = f32(rhod)
    eps = f32(hp.get("epsilon", 1e-7)); b1d = hp.get("beta_1", 0.9); b2d = hp.get("beta_2", 0.999); b1 = f32(b1d); b2 = f32(b2d)
    wd = hp.get("weight_decay", 0.004 if opt == "adamw" else None)
    m = np.zeros_like(p); v = np.zeros_like(p); vh = np.zeros_like(p); ag = np.zeros_like(p)
    if opt == "adagrad": v = np.full_like(p, f32(hp.get("initial_accumulator_value", 0.1)))
    ema = None; emam = f32(hp.get("ema_momentum", 0.99)); F = hp.get("ema_overwrite_frequency")
    if hp.get("use_ema"): ema = np.zeros_like(p)
    out, emas, lrs = [], [], []
    it = 0; updates = 0
    for g in G:
        lr = sched_val(lrspec, it); lrs.append(lr)
        g = g.copy()
        if hp.get("loss_scale_factor"): g = (g / f32(hp["loss_scale_factor"])).astype(f32)
        do = True
        if k:
            if (it + 1) % k == 0:
                g = ((g + acc) * f32(1.0 / k)).astype(f32); acc[:] = 0
            else:
                acc = (acc + g).astype(f32); do = False
        if do:
            if hp.get("clipnorm"):
                c = f32(hp["clipnorm"]); n = f32(np.sqrt(seqsum(g)))
                g = ((g * c) * (f32(1) / max(n, c))).astype(f32)
            if hp.get("global_clipnorm"):
                c = f32(hp["global_clipnorm"]); n = f32(np.sqrt(seqsum(g)))
                g = (g * f32(c * min(f32(1)/n, f32(1)/c))).astype(f32)
            if hp.get("clipvalue"):
                g = np.clip(g, -f32(hp["clipvalue"]), f32(hp["clipvalue"]))
            if wd is not None:
                p = (p - (p * f32(wd)) * lr).astype(f32)
            if opt == "sgd":
                if mom != 0:
                    m = (m * mom - g * lr).astype(f32)
                    p = (p + (m * mom - g * lr)).astype(f32) if hp.get("nesterov") else (p + m).astype(f32)
                else:
                    p = (p - g * lr).astype(f32)
            elif opt == "adagrad":
                v = (v + g * g).astype(f32)
                p = (p - (lr * g) / np.sqrt(v + eps)).astype(f32)
            elif opt == "rmsprop":
                v = (rho * v + f32(1 - rhod) * (g * g)).astype(f32)
                if hp.get("centered"):
                    ag = (rho * ag + f32(1 - rhod) * g).astype(f32); den = v - ag * ag + eps
                else:
                    den = v + eps
                inc = ((lr * g) / np.sqrt(den)).astype(f32)
                if mom > 0:
                    m = (mom * m + inc).astype(f32); p = (p - m).astype(f32)
                else:
                    p = (p - inc).astype(f32)
            else:
                t = f32(updates + 1)
                b1p = f32(math.pow(b1, t)); b2p = f32(math.pow(b2, t))
                alpha = f32(lr * f32(math.sqrt(f32(1 - b2p))) / f32(1 - b1p))
                m = (m + (g - m) * f32(1 - b1d)).astype(f32)
                v = (v + (g * g - v) * f32(1 - b2d)).astype(f32)
                vu = v
                if hp.get("amsgrad"): vh = np.maximum(vh, v); vu = vh
                p = (p - (m * alpha) / (np.sqrt(vu) + eps)).astype(f32)
            updates += 1
        if ema is not None:
            iters = it // k if k else it
            mu = f32(0) if iters == 0 else emam
            ema = (mu * ema + (f32(1) - mu) * p).astype(f32)
            if F and (iters + 1) % F == 0: p = ema.copy()
        it += 1
        out.append(p.copy()); emas.append(None if ema is None else ema.copy())
    return np.array(out), (np.array(emas) if ema is not None else None), np.array(lrs, f32)

def vfma(a, b, c):
    """Element-wise float32 fma (product of two float32 is exact in double)."""
    return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(f32)

def torch_replay(d):
    # torch CPU kernels: add_(x, alpha=a) = fma(x, a, self); addcmul_(t1, t2, value=v) =
    # fma(v*t1, t2, self); lerp_(end, w<0.5) = fma(w, end-self, self); addcdiv_, mul_, div plain.
    hp = d["hyperparameters"]; opt = d["optimizer"]
    p = np.array(d["initial_params"], f32); G = np.array(d["gradients"], f32)
    lr = hp.get("learning_rate", {"sgd": 1e-3, "adagrad": 1e-2, "rmsprop": 1e-2}.get(opt, 1e-3))
    wd = hp.get("weight_decay", 1e-2 if opt == "adamw" else 0)
    mom = hp.get("momentum", 0); damp = hp.get("dampening", 0)
    out = []; buf = None
    s = np.full_like(p, f32(hp.get("initial_accumulator_value", 0))); sq = np.zeros_like(p); ga = np.zeros_like(p)
    m = np.zeros_like(p); v = np.zeros_like(p); vmax = np.zeros_like(p)
    for t, g in enumerate(G, 1):
        g = g.copy()
        if hp.get("maximize"): g = -g
        if wd and opt != "adamw": g = vfma(p, f32(wd), g)
        if opt == "sgd":
            if mom:
                buf = g.copy() if buf is None else vfma(g, f32(1 - damp), (buf * f32(mom)).astype(f32))
                g = vfma(buf, f32(mom), g) if hp.get("nesterov") else buf
            p = vfma(g, f32(-lr), p)
        elif opt == "adagrad":
            clr = lr / (1 + (t - 1) * hp.get("lr_decay", 0))
            s = vfma(g, g, s)
            p = (p + (f32(-clr) * g) / (np.sqrt(s) + f32(hp.get("epsilon", 1e-10)))).astype(f32)
        elif opt == "rmsprop":
            al = hp.get("rho", 0.99); eps = f32(hp.get("epsilon", 1e-8))
            sq = vfma((f32(1 - al) * g).astype(f32), g, (sq * f32(al)).astype(f32))
            if hp.get("centered"):
                ga = vfma(f32(1 - al), (g - ga).astype(f32), ga)
                avg = (np.sqrt(vfma(-ga, ga, sq)) + eps).astype(f32)
            else:
                avg = (np.sqrt(sq) + eps).astype(f32)
            if mom:
                buf = np.zeros_like(p) if buf is None else buf
                buf = ((buf * f32(mom)).astype(f32) + g / avg).astype(f32)
                p = vfma(buf, f32(-lr), p)
            else:
                p = (p + (f32(-lr) * g) / avg).astype(f32)
        else:
            b1 = hp.get("beta_1", 0.9); b2 = hp.get("beta_2", 0.999); eps = f32(hp.get("epsilon", 1e-8))
            if opt == "adamw" and wd: p = (p * f32(1 - lr * wd)).astype(f32)
            m = vfma(f32(1 - b1), (g - m).astype(f32), m)
            v = vfma((f32(1 - b2) * g).astype(f32), g, (v * f32(b2)).astype(f32))
            bc1 = 1 - b1 ** t; bc2 = 1 - b2 ** t; ss = lr / bc1
            if hp.get("amsgrad"): vmax = np.maximum(vmax, v); vv = vmax
            else: vv = v
            den = (np.sqrt(vv) / f32(math.sqrt(bc2)) + eps).astype(f32)
            p = (p + (f32(-ss) * m) / den).astype(f32)
        out.append(p.copy())
    return np.array(out), None, None

def ratio(a, r):
    return float(np.max(np.abs(a.astype(np.float64) - r) / (1e-5 * np.maximum(1, np.abs(r)))))

idx = json.load(open(os.path.join(D, "index.json")))
for e in idx:
    d = json.load(open(os.path.join(D, e["file"])))
    P, E, L = (keras_replay if d["convention"] == "keras" else torch_replay)(d)
    ref = np.array(d["params"], np.float64)
    ref = ref.astype(f32); r = ratio(P, ref.astype(np.float64)); exact = int(np.sum(np.all(P == ref, axis=1)))
    msg = "%-52s tol %.3g  bit-exact steps %d/%d" % (d["name"], r, exact, len(ref))
    if E is not None: Er = np.array(d["ema_average"], f32); msg += "  ema tol %.3g exact %d" % (ratio(E, Er.astype(np.float64)), int(np.sum(np.all(E == Er, axis=1))))
    if L is not None: msg += "  lr mismatches %d" % int(np.sum(L != np.array(d["learning_rates"], f32)))
    print(msg)
if not os.path.exists(os.path.join(D, "schedules.json")):
    sys.exit(0)
sd = json.load(open(os.path.join(D, "schedules.json")))
for s in sd["schedules"]:
    mine = np.array([sched_val(s["learning_rate"], i) for i in sd["steps"]], f32)
    ref = np.array(s["values"], f32)
    bad = np.nonzero(mine != ref)[0]
    print("schedule %-32s mismatches %d %s" % (s["name"], len(bad), [(int(i), float(mine[i]), float(ref[i])) for i in bad[:4]]))
