"""Production settings: `check --deploy` is clean with the variables README.md documents."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """The documented production variables (README: "Environment variables"), nothing else."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DJANGO_SETTINGS_MODULE": "culture.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x3Jq-9v" * 10,
        "ALLOWED_HOSTS": "culture.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://culture.example.com",
        "SITE_URL": "https://culture.example.com",
        # Model checks ask the server for its version, so this must be a reachable database:
        # the one this test run uses (production points at its own).
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": "redis://redis.example.com:6379/0",
        "MAIL_URL": "smtp://mailer:secret@smtp.example.com:587?tls=1",
        "DEFAULT_FROM_EMAIL": "Culture <culture@example.com>",
        "BEHIND_PROXY": "true",
        "PROXY_COUNT": "1",
        "VAR_DIR": str(tmp_path / "var"),
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_the_documented_production_variables(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_production_turns_https_off(tmp_path):
    # Proves the check above can fail: without HTTPS the deploy checks must complain.
    result = check_deploy(production_env(tmp_path, HTTPS="false"))
    assert result.returncode != 0
    assert "security.W008" in result.stderr or "security.W008" in result.stdout


def test_readme_documents_every_environment_variable_the_settings_read():
    import re

    settings_source = (ROOT / "culture" / "settings.py").read_text()
    read = set(
        re.findall(
            r"""(?:environ\.get|environ\[|env_bool|env_list)\(?\s*["']([A-Z][A-Z0-9_]+)["']""",
            settings_source,
        )
    )
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "DEBUG"} <= read
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in read if f"| `{name}` |" not in readme)
    assert not undocumented, f"README.md's variable table lacks: {undocumented}"


def test_the_image_holds_every_app_and_the_translations():
    """The Dockerfile copies each of the project's own apps that settings install, and the
    compiled catalogues: an app left out is an image that cannot start."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = {line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")}
    own = {
        app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()
    }
    assert own, "no app of the project found in INSTALLED_APPS"
    assert own - copied == set()
    assert {"templates", "static", "locale"} <= copied
    assert sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.mo"))
