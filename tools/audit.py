"""`make audit`: known vulnerabilities in the installed dependencies, from PyPI's advisory data via
pip-audit. Fails on any known vulnerability. A dependency PyPI's JSON API cannot describe (a private
mirror, no access) cannot be audited: listed, and when none at all could be audited the run says the
advisory data is out of reach and passes, unless TRACKER_AUDIT_REQUIRED=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> int:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--skip-editable",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(run.stdout, run.stderr, sep="\n")
        return 1
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            name, version = dependency["name"], dependency["version"]
            print(f"{name} {version}: {vuln['id']} (fixed in {fixed})")
    skipped = len(dependencies) - len(audited)
    print(
        f"audit: {len(audited)} dependencies audited, {len(vulnerable)} vulnerable, {skipped} not auditable"
    )
    if vulnerable:
        return 1
    if not audited:
        print("audit: PyPI's advisory data is not reachable from here; nothing could be checked")
        return 1 if os.environ.get("TRACKER_AUDIT_REQUIRED") == "1" else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
