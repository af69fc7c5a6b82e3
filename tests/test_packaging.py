"""The wheel installs one top-level name, `minetrace`, and the code imports only through it.

Why: the folders keep the layout's names (graph/, ingest/, queries/, app/) but installed as top-level packages
those generic names would collide with any other package called `graph` or `app` in a user's environment.
`pyproject.toml` maps each folder under the `minetrace` namespace (setuptools `package-dir`); these tests keep
that mapping complete (a new sub-package must be listed) and keep bare imports from creeping back.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("app", "graph", "ingest", "queries")
BARE = set(FOLDERS)


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed_under_the_namespace() -> None:
    listed = set(_config()["tool"]["setuptools"]["packages"])
    on_disk = {"minetrace." + ".".join(init.parent.relative_to(ROOT).parts)
               for folder in FOLDERS for init in (ROOT / folder).rglob("__init__.py")}
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - on_disk == set(), "listed but not on disk"
    assert _config()["tool"]["setuptools"]["package-dir"] == {f"minetrace.{f}": f for f in FOLDERS}


def _bare_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.split(".")[0] in BARE]
    return out


def test_no_module_imports_the_bare_folder_names() -> None:
    files = [p for d in (*FOLDERS, "tests", "bench", "scripts") if (ROOT / d).exists()
             for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 100
    found = [hit for p in files for hit in _bare_imports(p)]
    assert found == [], "import through minetrace.<folder>: " + "; ".join(found[:10])


def test_the_detector_sees_a_bare_import(tmp_path: Path) -> None:
    probe = ROOT / "tests" / "_probe_bare_import.py"
    try:
        probe.write_text("from graph.schema import X\nimport minetrace.graph\n", encoding="utf-8")
        assert _bare_imports(probe) == ["tests/_probe_bare_import.py:1: graph.schema"]
    finally:
        probe.unlink()


def test_the_installed_package_is_the_namespace() -> None:
    import minetrace.app.cli as cli

    assert Path(cli.__file__).resolve() == ROOT / "app" / "cli.py"


def test_the_wheel_has_one_top_level_name(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy: building in the checkout would leave build/ behind
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in (*FOLDERS, "pyproject.toml", "README.md", "LICENSE"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, src / name, **(
            {"ignore": ignore} if (ROOT / name).is_dir() else {}))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("minetrace-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"minetrace"}
    for data in ("minetrace/queries/default_policy.yaml", "minetrace/queries/presets/eu-2017-821.yaml",
                 "minetrace/ingest/starter/facilities.csv", "minetrace/app/explorer/assets/favicon.png",
                 "minetrace/queries/glossary.yaml"):
        assert data in names, f"package data missing from the wheel: {data}"
    assert "minetrace/__init__.py" not in names  # an implicit namespace: other minetrace-* wheels may join it
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "minetrace = minetrace.app.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
