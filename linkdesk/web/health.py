"""GET /healthz: whether the database answers, the queue, the relay's last word, the webhooks'
queue and last answer, the version.

200 with a small JSON object while the database answers, 503 when it does not. It names no
client, address, token or secret: a monitoring probe may see it.
"""

from __future__ import annotations

from importlib import metadata

from aiohttp import web


def _version() -> str:
    try:
        return metadata.version("linkdesk")
    except metadata.PackageNotFoundError:
        return "unknown"


def add_health(app: web.Application, store, runtime=None) -> None:
    """Add /healthz to `app`; `runtime` (if given) says what this process runs."""
    version = _version()

    async def healthz(_request: web.Request) -> web.Response:
        from linkdesk.hooks.status import hooks_json
        from linkdesk.web.accept import HEADERS

        try:
            health = await store.pipeline.health()
            hooks = await store.hooks.health()
            sessions = len(await store.ssh.open_sessions())
        except Exception as exc:  # any database fault is a 503, said in a word
            return web.json_response({"status": "unavailable", "database": False,
                                      "error": type(exc).__name__, "version": version},
                                     status=503, headers=HEADERS)
        now = store.clock()
        age = health.oldest_age_s(now)
        body = {
            "status": "ok",
            "database": True,
            "queue": health.waiting,
            "oldest_waiting_s": None if age is None else round(age, 1),
            "relay": {"ok": health.relay.ok, "said": health.relay.said,
                      "problem": health.relay.kind, "delivery_paused": health.relay.paused,
                      "at": health.relay.at.isoformat() + "Z" if health.relay.at else None},
            "service_alive": health.service is not None,
            "hooks": hooks_json(hooks, now),
            "ssh_sessions": sessions,
            "version": version,
        }
        if runtime is not None:
            body["this_process"] = {"role": runtime.role, "runs_pipeline": runtime.runs_pipeline}
        return web.json_response(body, headers=HEADERS)

    app.router.add_get("/healthz", healthz)
