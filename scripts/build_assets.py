"""Copy the front-end assets from node_modules to where our own routes serve them.

The NHS.UK frontend's built files go to passport/static/vendor/nhsuk (served under /assets/). The
stylesheet loads the Frutiger web font from the NHS CDN. We serve nothing from a CDN (and our
Content-Security-Policy would block it), so the @font-face rules that point off-site are removed; the
NHS.UK font stack then falls back to Arial, as it does on any device without the font.

plotly.js for the dashboard goes to passport/static/vendor/plotly (served by metrics.views.plotly_js):
the prebuilt "basic" partial bundle from the npm registry (plotly.js-basic-dist-min: the scatter, bar and
pie traces; our charts use scatter and bar), 1.2 MB instead of the 4.8 MB full bundle in the Python
plotly wheel. Beside it goes a gzip copy made here, once, at level 9, which the route sends to browsers
that accept gzip (so no request ever pays for compressing it).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "passport" / "static" / "vendor" / "nhsuk"
OFFSITE_FONT_FACE = re.compile(r"@font-face\{[^}]*url\(https?://[^}]*\}")
PLOTLY_PACKAGE = ROOT / "node_modules" / "plotly.js-basic-dist-min"
PLOTLY_SOURCE = "plotly-basic.min.js"
# Keep in step with passport/metrics/charts.py (PLOTLY_JS, PLOTLY_JS_GZIP) and the Makefile (ASSETS).
PLOTLY_TARGET = ROOT / "passport" / "static" / "vendor" / "plotly"
PLOTLY_BUNDLE = "plotly-basic.min.js"


def copy_nhsuk() -> int:
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
    return removed


def copy_plotly() -> tuple[str, int, int]:
    """The basic bundle with a first line saying what it is and where it came from (its own banner, which
    follows, reads "plotly.js (basic - minified) vX"), and its gzip copy: (version, bytes, gzip bytes)."""
    version = json.loads((PLOTLY_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    js = (PLOTLY_PACKAGE / PLOTLY_SOURCE).read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    header = (
        f"/* plotly.js v{version}, basic bundle (scatter, bar, pie traces): npm plotly.js-basic-dist-min "
        f"{version}, copied by scripts/build_assets.py */\n"
    )
    data = (header + js).encode("utf-8")
    # mtime=0: the same bundle always gives the same compressed bytes.
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    shutil.rmtree(PLOTLY_TARGET, ignore_errors=True)
    PLOTLY_TARGET.mkdir(parents=True)
    (PLOTLY_TARGET / PLOTLY_BUNDLE).write_bytes(data)
    (PLOTLY_TARGET / f"{PLOTLY_BUNDLE}.gz").write_bytes(packed)
    return version, len(data), len(packed)


def main() -> int:
    for folder in (DIST, PLOTLY_PACKAGE):
        if not folder.is_dir():
            print(f"{folder} is missing: run `npm ci` first", file=sys.stderr)
            return 1
    removed = copy_nhsuk()
    print(f"NHS.UK frontend assets in {TARGET.relative_to(ROOT)} ({removed} off-site font rules removed)")
    version, size, packed = copy_plotly()
    print(
        f"plotly.js {version} basic bundle in {PLOTLY_TARGET.relative_to(ROOT)}: {size:,} bytes, "
        f"{packed:,} gzipped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
