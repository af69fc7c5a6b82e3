"""Explorer settings read once per run: which store, upload limits, password variable.

Why a module of its own: the CLI (`minetrace app`) passes the store and the password variable to
the Streamlit process through the environment (and script arguments), and every page and test
reads them through the same few functions instead of poking at ``os.environ``.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

#: the store `minetrace app` hands to the explorer process; MINETRACE_STORE (graph.store.STORE_ENV) is left as the
#: user set it, because with a Neo4j URI it names the workspace's local folder (graph.workspace)
EXPLORER_STORE_ENV = "MINETRACE_EXPLORER_STORE"
#: env var naming the env var that holds the password (empty / unset: no password)
PASSWORD_ENV_ENV = "MINETRACE_PASSWORD_ENV"
#: env var holding the policy the explorer starts with: a preset name (us-sec-1502, eu-2017-821) or a YAML file
POLICY_ENV = "MINETRACE_POLICY"

#: upload limits: per file (MB, also given to Streamlit as server.maxUploadSize) and files per upload
MAX_UPLOAD_MB = 50
MAX_UPLOAD_FILES = 200


@dataclass(frozen=True)
class Settings:
    store: str
    password_env: str | None
    max_upload_mb: int = MAX_UPLOAD_MB
    max_upload_files: int = MAX_UPLOAD_FILES
    #: the policy the explorer starts with (preset name or YAML file); None = the default preset
    policy: str | None = None

    @property
    def password(self) -> str | None:
        """The password, or None when the explorer is open (the local default)."""
        if not self.password_env:
            return None
        return os.environ.get(self.password_env) or None


def _script_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    parser.add_argument("--password-env")
    parser.add_argument("--policy")
    known, _ = parser.parse_known_args(argv)
    return known


def load_settings(argv: list[str] | None = None) -> Settings:
    """Script arguments (after ``--`` in `streamlit run`) win over the environment."""
    args = _script_args(sys.argv[1:] if argv is None else argv)
    from minetrace.graph.store import resolve_store_target  # the one rule: $MINETRACE_STORE, else ./.minetrace

    store = args.store or os.environ.get(EXPLORER_STORE_ENV) or resolve_store_target(None)
    password_env = args.password_env or os.environ.get(PASSWORD_ENV_ENV) or None
    max_mb = int(os.environ.get("MINETRACE_MAX_UPLOAD_MB", MAX_UPLOAD_MB))
    max_files = int(os.environ.get("MINETRACE_MAX_UPLOAD_FILES", MAX_UPLOAD_FILES))
    policy = args.policy or os.environ.get(POLICY_ENV) or None
    return Settings(store=store, password_env=password_env, max_upload_mb=max_mb, max_upload_files=max_files,
                    policy=policy)
