"""Python client for optd, the optimizer service.

    from optd_client import Client
    client = Client("http://127.0.0.1:8080")
    session = client.create_session(id="run-1", optimizer="adam", convention="pytorch",
                                    params=initial, learning_rate=1e-3)
    params = session.step(gradient)        # float32 numpy array, the parameters after the step

``optd_client.torch.RemoteOptimizer`` is a torch.optim.Optimizer that steps through optd.
"""
from .client import Client, Session
from .errors import (InvalidRequest, OptdConnectionError, OptdError, PreconditionFailed, ServerUnavailable,
                     SessionExists, SessionNotFound)

__all__ = ["Client", "Session", "OptdError", "OptdConnectionError", "SessionNotFound", "SessionExists",
           "PreconditionFailed", "InvalidRequest", "ServerUnavailable"]
__version__ = "0.1.0"
