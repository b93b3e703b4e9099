"""Sphinx configuration of score-sim's documentation site.

Built by ``sphinx-build -W -b html docs docs/_build/html`` (``.ci/run`` does it), offline:
no intersphinx, no remote scripts or fonts (no MathJax: maths would show as its source). The
pages generated from the code (the command line, the scenario format, one page per
bundled scenario with its figure) are written by ``docs/_ext/generate.py`` when the
build starts; the lesson notebooks are copied in and executed by myst-nb.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))

import score_sim  # noqa: E402

project = "score-sim"
author = "score-sim contributors"
copyright = "score-sim contributors, MIT licence"
release = version = score_sim.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "generate",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md", "jupyter_execute"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# MyST: tables, definition lists and headings anchors for links between pages
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# myst-nb: run the lessons at build time, once, in a temporary folder (they write runs/);
# a cache beside the build keeps a second build quick
nb_execution_mode = "cache"
nb_execution_cache_path = str(HERE / "_build" / "jupyter_cache")
nb_execution_in_temp = True
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_ipywidgets_js = {}  # no widget scripts from a CDN
nb_merge_streams = True

# the API reference: every module of the package, found by walking it
autosummary_generate = True
autosummary_imported_members = False
# each class and function is documented where it is defined, not again where a package
# re-exports it (score_sim.scenario re-exports its modules' models)
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autoclass_content = "class"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# offline: no MathJax from a CDN; maths (none so far) is shown as its source
html_math_renderer = "source"

html_theme = "pydata_sphinx_theme"
html_title = f"score-sim {version}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 5,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "getting-started": []}
html_show_sourcelink = False
html_copy_source = False
suppress_warnings = ["mystnb.unknown_mime_type"]
