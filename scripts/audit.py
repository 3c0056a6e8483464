"""`make audit`: known vulnerabilities in the installed dependencies (pip-audit against PyPI's advisory data).

pip-audit reports a package it could not look up as skipped and still says "No known vulnerabilities found".
This wrapper counts audited and skipped packages and fails on either a vulnerability or a skipped package, so a
run without access to the advisory data (this machine: PyPI's per-version JSON answers 404) fails instead of passing.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

EDITABLE = "distribution marked as editable"  # ragbus itself: not on PyPI, nothing to look up


def audit(python: Path) -> dict:
    command = [str(python.parent / "pip-audit"), "--skip-editable", "--format", "json", "--progress-spinner", "off"]
    finished = subprocess.run(command, capture_output=True, text=True)
    if not finished.stdout.strip():
        raise SystemExit(f"pip-audit produced no report (exit {finished.returncode}): {finished.stderr.strip()[-500:]}")
    return json.loads(finished.stdout)


def summarise(report: dict) -> dict:
    dependencies = [d for d in report["dependencies"] if not d.get("skip_reason", "").startswith(EDITABLE)]
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    return {"packages": len(dependencies), "audited": len(dependencies) - len(skipped), "skipped": len(skipped),
            "vulnerable": [{"name": d["name"], "version": d["version"], "ids": [v["id"] for v in d["vulns"]],
                            "fix_versions": sorted({f for v in d["vulns"] for f in v.get("fix_versions", [])})}
                           for d in vulnerable],
            "skip_reasons": sorted({d["skip_reason"].split(":")[0] for d in skipped})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("reports/audit/audit.json"))
    args = parser.parse_args()
    summary = summarise(audit(Path(sys.executable)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"packages {summary['packages']}, audited {summary['audited']}, skipped {summary['skipped']}, "
          f"vulnerable {len(summary['vulnerable'])}")
    for package in summary["vulnerable"]:
        print(f"  {package['name']} {package['version']}: {', '.join(package['ids'])} (fixed in {', '.join(package['fix_versions']) or '?'})")
    for reason in summary["skip_reasons"]:
        print(f"  skipped: {reason}")
    if summary["vulnerable"] or summary["skipped"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
