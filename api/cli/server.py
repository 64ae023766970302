"""gunicorn, started in-process with the app factory."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _LevelPathServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from api import create_app

        return create_app()


def run_gunicorn(*, host: str, port: int, workers: int) -> None:
    _LevelPathServer({
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": "-",
        "timeout": 60,
    }).run()
