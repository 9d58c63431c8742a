"""axe-core (tests/vendor/axe-core) for the browser tests: WCAG 2.2 A/AA and
best practices, serious and critical findings fail the test.

The vendored script is injected inline: only a context opened with
`bypass_csp=True` may run it under the pages' strict Content-Security-Policy.
"""
from __future__ import annotations

import json
from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING = ("serious", "critical")


def run(page) -> dict:
    """axe's full answer for the page as it is now (violations only)."""
    # A dialog still fading in reads as low contrast: let finite animations end.
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => null)))""")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""", TAGS)


def describe(violations: list[dict]) -> str:
    """One readable line per rule: id, impact, the first targets, the help text."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                            for n in v["nodes"][:3])
        more = f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else ""
        lines.append(f"{v['id']} [{v['impact']}] {targets}{more}: {v['help']}")
    return "\n".join(lines)


def check(page, folder: Path, name: str = "axe") -> list[dict]:
    """Run axe, write `<name>.json` into the test's artifacts folder, fail on
    serious or critical violations; returns every violation (any impact)."""
    result = run(page)
    assert result["testEngine"]["version"].startswith("4.")
    violations = result["violations"]
    (folder / f"{name}.json").write_text(json.dumps(
        {"url": page.url, "violations": violations}, indent=2, ensure_ascii=False))
    bad = [v for v in violations if v["impact"] in FAILING]
    assert not bad, f"axe on {page.url} ({name}):\n{describe(bad)}"
    return violations
