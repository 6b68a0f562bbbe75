"""The optd step API as a researcher would write it in Python: FastAPI + numpy, Adam (Keras).

A peer for benchmarks/run, not a product: it implements what the benchmark drives, with optd's
wire format, and nothing else.

  POST /v1/sessions            {"id", "optimizer": "adam" | {"name": "adam", ...}, "params" | "size"}
  POST /v1/sessions/{id}/step  application/json ([...] or {"gradient": [...]}) or
                               application/octet-stream (little-endian float32); the answer is
                               {"step", "params"} or raw float32, following Accept, else the request

Adam with Keras 3's update (keras/src/optimizers/adam.py, "epsilon hat"), in numpy float32, in
place on preallocated buffers. A gradient with a NaN or inf, or of the wrong length, is refused
(422) before anything changes, as optd does.

Run it in its strongest honest setup (benchmarks/run does):
  uvicorn fastapi_optd:app --loop uvloop --http httptools --no-access-log --workers 1
orjson parses and prints JSON (it prints a numpy float32 as the shortest decimal that reads back
to the same float32, like optd).
"""

import numpy as np
import orjson
from fastapi import FastAPI, Request, Response

app = FastAPI()
sessions = {}
RAW = "application/octet-stream"
JSON = "application/json"


def problem(status, code, detail):
    body = orjson.dumps({"type": "about:blank", "title": code, "status": status, "detail": detail, "code": code})
    return Response(body, status_code=status, media_type="application/problem+json")


class Adam:
    """Keras 3 Adam: m += (g - m)(1 - b1); v += (g² - v)(1 - b2); p -= m·alpha / (sqrt(v) + eps)."""

    def __init__(self, params, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params = params
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self.scratch = np.empty_like(params)
        self.lr = np.float32(learning_rate)
        self.beta_1, self.beta_2 = np.float32(beta_1), np.float32(beta_2)
        self.one_minus_beta_1 = np.float32(1 - beta_1)
        self.one_minus_beta_2 = np.float32(1 - beta_2)
        self.epsilon = np.float32(epsilon)
        self.step = 0

    def apply(self, g):
        t = np.float32(self.step + 1)
        alpha = self.lr * np.sqrt(np.float32(1) - self.beta_2 ** t) / (np.float32(1) - self.beta_1 ** t)
        m, v, s, p = self.m, self.v, self.scratch, self.params
        np.subtract(g, m, out=s); s *= self.one_minus_beta_1; m += s           # m += (g - m)(1 - b1)
        np.multiply(g, g, out=s); s -= v; s *= self.one_minus_beta_2; v += s   # v += (g² - v)(1 - b2)
        np.sqrt(v, out=s); s += self.epsilon                                     # sqrt(v) + eps
        np.divide(m, s, out=s); s *= alpha; p -= s                               # p -= m·alpha / (...)
        self.step += 1


@app.post("/v1/sessions", status_code=201)
async def create(request: Request):
    doc = orjson.loads(await request.body())
    optimizer = doc.get("optimizer", "adam")
    hyper = {} if isinstance(optimizer, str) else {k: v for k, v in optimizer.items() if k != "name"}
    if "params" in doc:
        params = np.asarray(doc["params"], dtype=np.float32)
    else:
        params = np.zeros(int(doc["size"]), dtype=np.float32)
    sid = doc.get("id") or f"s{len(sessions) + 1}"
    sessions[sid] = Adam(params, **hyper)
    return Response(orjson.dumps({"id": sid, "size": int(params.size), "step": 0}), status_code=201,
                    media_type=JSON, headers={"Location": f"/v1/sessions/{sid}"})


@app.post("/v1/sessions/{sid}/step")
async def step(sid: str, request: Request):
    session = sessions.get(sid)
    if session is None:
        return problem(404, "session_not_found", sid)
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    body = await request.body()
    if ctype == RAW:
        if len(body) != session.params.size * 4:
            return problem(422, "length_mismatch", f"{len(body)} bytes")
        g = np.frombuffer(body, dtype="<f4")
    elif ctype == JSON:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as error:  # also NaN and Infinity, which are not JSON
            return problem(400, "invalid_json", str(error))
        if isinstance(doc, dict):
            doc = doc["gradient"]
        g = np.asarray(doc, dtype=np.float32)
        if g.shape != session.params.shape:
            return problem(422, "length_mismatch", f"{g.size} numbers")
    else:
        return problem(415, "unsupported_media_type", ctype)
    if not np.isfinite(g).all():
        return problem(422, "non_finite", "gradient has NaN or inf")
    session.apply(g)
    accept = request.headers.get("accept", "")
    answer = RAW if RAW in accept else JSON if JSON in accept else ctype
    headers = {"ETag": f'"{session.step}"'}
    if answer == RAW:
        return Response(session.params.tobytes(), media_type=RAW, headers=headers)
    return Response(orjson.dumps({"step": session.step, "params": session.params}, option=orjson.OPT_SERIALIZE_NUMPY),
                    media_type=JSON, headers=headers)
