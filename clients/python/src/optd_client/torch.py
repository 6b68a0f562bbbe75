"""``RemoteOptimizer``: a torch.optim.Optimizer whose state lives in an optd session.

    model = torch.nn.Linear(4, 2)
    opt = RemoteOptimizer(model.parameters(), url="http://127.0.0.1:8080", session="run-1",
                          optimizer="adam", convention="pytorch", learning_rate=1e-3)
    loss_fn(model(x), y).backward(); opt.step(); opt.zero_grad()

Every step flattens the gradients of all parameters (in ``model.parameters()`` order) into one
float32 vector, sends it, and copies the parameters optd answers back into the model.
"""
import uuid
from typing import Any, Dict, Iterable, List, Optional

import numpy as np
import torch

from .client import Client, Session
from .errors import SessionExists

_IF_EXISTS = ("resume", "error", "replace")
_STATE_FORMAT = "optd-client/1"


def _same(a: Any, b: Any) -> bool:
    """Whether two hyperparameter values agree once the server's float32 rounding is applied."""
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in b and _same(v, b[k]) for k, v in a.items())
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return np.float32(a) == np.float32(b)
    return a == b


class RemoteOptimizer(torch.optim.Optimizer):
    """A torch optimizer that steps through an optd session.

    ``session``: the session id (None: the server names a new session). ``optimizer``,
    ``convention`` and the keyword hyperparameters (Keras names: ``learning_rate``, ``beta_1``,
    ``beta_2``, ``epsilon``, ``weight_decay``, ``momentum``, ``rho``, ... see GET /v1/optimizers)
    are used when the session is created, starting from the model's current parameters.

    ``if_exists`` says what happens when a session with that id already exists:

    - ``"resume"`` (default): attach to it, the way a restarted trainer picks its run up again.
      Its optimizer, convention and size must match, and so must every hyperparameter passed here
      (ValueError otherwise: change them with ``opt.session.patch(...)``). The server's parameters
      are copied into the model: the session, not the fresh model, holds the run.
    - ``"error"``: raise ``SessionExists``.
    - ``"replace"``: delete it and create a new session from the model's parameters.

    Each group in ``param_groups`` holds the session's resolved hyperparameters, plus ``lr`` for
    ``learning_rate``. Changing them (by hand or with a ``torch.optim.lr_scheduler``) PATCHes the
    session before the next step. All groups share one session, so they share hyperparameters:
    per-group options are refused.

    A step whose request fails on a connection error or a 5xx is retried with the same
    ``Idempotency-Key``, so it is applied exactly once. A parameter with no gradient (``grad``
    None) is sent a zero gradient, unlike torch.optim which skips it (with momentum or Adam a zero
    gradient still moves it); a step where no parameter has a gradient sends nothing.
    ``state_dict()`` downloads the session's checkpoint; ``load_state_dict()`` uploads it to this
    optimizer's session (creating or replacing it) and copies its parameters into the model.
    """

    def __init__(self, params: Iterable, url: Optional[str] = None, session: Optional[str] = None,
                 optimizer: str = "adam", convention: str = "pytorch", *, client: Optional[Client] = None,
                 token: Optional[str] = None, wire: str = "raw", if_exists: str = "resume",
                 retries: int = 5, timeout: float = 60.0, **hyperparameters: Any):
        if if_exists not in _IF_EXISTS:
            raise ValueError(f"if_exists must be one of {_IF_EXISTS}")
        if client is None:
            if url is None:
                raise ValueError("RemoteOptimizer needs url= (or client=)")
            client = Client(url, token=token, wire=wire, retries=retries, timeout=timeout)
        self.client = client
        self._ready = False
        super().__init__(params, {})
        for group in self.param_groups:
            extra = set(group) - {"params"}
            if extra:
                raise ValueError(f"per-group options {sorted(extra)} are not supported: one optd session "
                                 "applies one set of hyperparameters; pass them as keyword arguments")
        self._params: List[torch.Tensor] = [p for group in self.param_groups for p in group["params"]]
        self._sizes = [p.numel() for p in self._params]
        self.size = sum(self._sizes)
        self.session = self._open(session, optimizer, convention, if_exists, hyperparameters)
        self._ready = True

    # -- session set-up ---------------------------------------------------------------------

    def _open(self, session_id: Optional[str], optimizer: str, convention: str, if_exists: str,
              hyperparameters: Dict[str, Any]) -> Session:
        initial = self._flat_params()
        create = dict(optimizer=optimizer, convention=convention, params=initial, id=session_id, **hyperparameters)
        try:
            session = self.client.create_session(**create)
        except SessionExists:
            if if_exists == "error":
                raise
            session = self.client.session(session_id)
            if if_exists == "replace":
                session.delete()
                session = self.client.create_session(**create)
            else:
                self._check_resumable(session.info(), optimizer, convention, hyperparameters)
                self._write_params(session.params())
        self._adopt(session.info_cache)
        return session

    def _check_resumable(self, info: Dict[str, Any], optimizer: str, convention: str,
                         hyperparameters: Dict[str, Any]) -> None:
        resolved = info["optimizer"]
        problems = []
        if resolved.get("name") != optimizer:
            problems.append(f"optimizer is {resolved.get('name')!r}, not {optimizer!r}")
        if info.get("convention") != convention:
            problems.append(f"convention is {info.get('convention')!r}, not {convention!r}")
        if info.get("size") != self.size:
            problems.append(f"size is {info.get('size')}, the model has {self.size} parameters")
        for name, value in hyperparameters.items():
            if not _same(value, resolved.get(name)):
                problems.append(f"{name} is {resolved.get(name)!r}, not {value!r}")
        if problems:
            raise ValueError(f"session {info['id']!r} exists and cannot be resumed as asked: " + "; ".join(problems)
                             + " (if_exists='replace' starts over; session.patch() changes hyperparameters)")

    def _adopt(self, info: Dict[str, Any]) -> None:
        """Mirrors the session's resolved hyperparameters into every param group."""
        settings = {k: v for k, v in info["optimizer"].items() if k != "name"}
        lr = settings.get("learning_rate")
        if isinstance(lr, (int, float)) and not isinstance(lr, bool):
            settings["lr"] = lr
        for group in self.param_groups:
            for key in [k for k in group if k != "params"]:
                del group[key]
            group.update(settings)
        self._synced = dict(settings)

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        if getattr(self, "_ready", False):
            raise NotImplementedError("an optd session has a fixed size: create a new RemoteOptimizer instead")
        super().add_param_group(param_group)

    # -- vectors ----------------------------------------------------------------------------

    def _flat_params(self) -> np.ndarray:
        flat = np.empty(self.size, dtype=np.float32)
        offset = 0
        for p, n in zip(self._params, self._sizes):
            flat[offset:offset + n] = p.detach().to("cpu", torch.float32).reshape(-1).numpy()
            offset += n
        return flat

    def _flat_grads(self) -> Optional[np.ndarray]:
        if all(p.grad is None for p in self._params):
            return None
        flat = np.zeros(self.size, dtype=np.float32)
        offset = 0
        for p, n in zip(self._params, self._sizes):
            if p.grad is not None:
                grad = p.grad.to_dense() if p.grad.is_sparse else p.grad
                flat[offset:offset + n] = grad.detach().to("cpu", torch.float32).reshape(-1).numpy()
            offset += n
        return flat

    @torch.no_grad()
    def _write_params(self, flat: np.ndarray) -> None:
        if flat.shape != (self.size,):
            raise ValueError(f"the session holds {flat.shape[0]} parameters, the model {self.size}")
        offset = 0
        for p, n in zip(self._params, self._sizes):
            p.copy_(torch.from_numpy(flat[offset:offset + n]).reshape(p.shape))
            offset += n

    # -- torch.optim.Optimizer --------------------------------------------------------------

    def _sync_hyperparameters(self) -> None:
        group = self.param_groups[0]
        changes = {}
        for key, value in group.items():
            if key in ("params", "lr") or key not in self._synced:
                continue
            if not _same(value, self._synced[key]) or not _same(self._synced[key], value):
                changes[key] = value
        if "lr" in group and "lr" in self._synced and group["lr"] != self._synced["lr"]:
            changes["learning_rate"] = group["lr"]
        if changes:
            self._adopt(self.session.patch(**changes))

    @torch.no_grad()
    def step(self, closure=None):
        """Sends the flattened gradient as one step and writes the answered parameters back."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        gradient = self._flat_grads()
        if gradient is None:
            return loss
        self._sync_hyperparameters()
        # One key per logical step: the transport's retries repeat it, the server applies it once.
        params = self.session.step(gradient, idempotency_key=uuid.uuid4().hex)
        self._write_params(params)
        return loss

    def state_dict(self) -> Dict[str, Any]:
        """The session's checkpoint (safetensors bytes, the full optimizer state) plus bookkeeping.

        Saving it with ``torch.save`` and loading it with ``load_state_dict`` restores the session
        exactly (parameters, optimizer state, step, hyperparameters), on this or another server.
        """
        groups = []
        index = 0
        for group in self.param_groups:
            count = len(group["params"])
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": list(range(index, index + count))})
            index += count
        return {"state": {}, "param_groups": groups,
                "optd": {"format": _STATE_FORMAT, "session": self.session.id, "size": self.size,
                         "checkpoint": self.session.checkpoint()}}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Uploads the checkpoint into this optimizer's session and copies its parameters into the model."""
        optd = state_dict.get("optd") if isinstance(state_dict, dict) else None
        if not isinstance(optd, dict) or optd.get("format") != _STATE_FORMAT:
            raise ValueError("not a RemoteOptimizer state dict (a torch.optim state dict cannot be "
                             "turned into an optd session)")
        if optd.get("size") != self.size:
            raise ValueError(f"the state dict holds {optd.get('size')} parameters, the model {self.size}")
        info = self.session.restore(optd["checkpoint"])
        self._write_params(self.session.params())
        self._adopt(info)

    def close(self) -> None:
        """Closes the connection (the session stays on the server; ``opt.session.delete()`` removes it)."""
        self.client.close()
