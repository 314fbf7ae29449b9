"""Copy the NHS.UK frontend's built files from node_modules to where our /assets/ route serves them.

The stylesheet loads the Frutiger web font from the NHS CDN. We serve nothing from a CDN (and our
Content-Security-Policy would block it), so the @font-face rules that point off-site are removed; the
NHS.UK font stack then falls back to Arial, as it does on any device without the font.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "passport" / "static" / "vendor" / "nhsuk"
OFFSITE_FONT_FACE = re.compile(r"@font-face\{[^}]*url\(https?://[^}]*\}")


def main() -> int:
    if not DIST.is_dir():
        print(f"{DIST} is missing: run `npm ci` first", file=sys.stderr)
        return 1
    shutil.rmtree(TARGET, ignore_errors=True)
    TARGET.mkdir(parents=True)
    css = (DIST / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    css, removed = OFFSITE_FONT_FACE.subn("", css)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    (TARGET / "nhsuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (DIST / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    (TARGET / "nhsuk-frontend.min.js").write_text(
        re.sub(r"//# sourceMappingURL=\S+", "", js), encoding="utf-8"
    )
    shutil.copytree(DIST / "assets", TARGET, dirs_exist_ok=True)
    print(f"NHS.UK frontend assets in {TARGET.relative_to(ROOT)} ({removed} off-site font rules removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
