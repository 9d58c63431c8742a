"""backend/ knows nothing of pages: only the application factory imports the web layer.

backend/__init__.py says so; this keeps it true. A service that must reach
the web layer (say, a cached receipt to drop) sends a signal instead
(backend/privacy.py: personal_data_changed).
"""
from __future__ import annotations

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"
FACTORY = BACKEND / "__init__.py"


def _imported_modules(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
    return out


def test_no_backend_module_imports_the_web_layer():
    sources = [p for p in BACKEND.rglob("*.py") if p != FACTORY and "migrations" not in p.parts]
    assert len(sources) > 20
    offenders = {str(p.relative_to(BACKEND.parent)): m for p in sources for m in _imported_modules(p)
                 if m == "kiosk" or m.startswith("kiosk.")}
    assert offenders == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from kiosk.receipts import receipt_cache\n    import kiosk\n")
    assert _imported_modules(sample) == ["kiosk.receipts", "kiosk"]
