"""The production mode of docs/deployment.md: with its environment set, ``manage.py check --deploy``
reports no issue at all (every security setting on), and without a SECRET_KEY it refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="q" * 20 + "Zx9-ProductionSecretKey-" + "7" * 30,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="qingnong.example.cn",
        CSRF_TRUSTED_ORIGINS="https://qingnong.example.cn",
        PUBLIC_BASE_URL="https://qingnong.example.cn",
        DATABASE_URL="sqlite:///:memory:",
    )
    env.update(extra)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issue_in_production_mode():
    done = _manage("check", "--deploy", "--fail-level", "DEBUG", env=_production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    done = _manage("check", env=env)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
