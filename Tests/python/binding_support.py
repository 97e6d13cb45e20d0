"""What the Python binding's tests share: the emulator's fleet, environments, secret checks."""

import pathlib

from clients import client_env as shared_client_env, closed_port_url  # noqa: F401 (re-exported)
from emulator import TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGE_ROOT = REPO / "examples" / "python"
DCSCTL_PY = PACKAGE_ROOT / "dcsctl.py"

# The emulator's default fleet.
RUNNING_6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
RUNNING_5 = "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"
RUNNING_4 = "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a"
RUNNING_3 = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f"  # Redis 3.0: cannot be flushed
FROZEN = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
GENERATED = [f"emu-{n:04d}" for n in range(1, 121)]  # --generated-instances 120

SECRETS = {"TEST_SK": TEST_SK, "TEST_AUTH_TOKEN": TEST_AUTH_TOKEN, "TEST_SECURITY_TOKEN": TEST_SECURITY_TOKEN}


def leaked_secrets(*texts):
    """The names (never the values) of the test secrets that appear in any of `texts`, so that an
    assertion on it cannot print a secret: `assert leaked_secrets(text) == []`."""
    return sorted(name for name, secret in SECRETS.items() for text in texts if secret in str(text))


def client_env(emulator, **extra):
    """The environment dcs_config_from_env reads, pointing at `emulator`, with the package importable."""
    return shared_client_env(emulator, PYTHONPATH=str(PACKAGE_ROOT), **extra)
