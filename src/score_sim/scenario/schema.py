"""The JSON Schema of scenario files, generated from the models (``score-sim schema``).

Editors use it for autocompletion and checking; the copy committed at
``scenarios/scenario.schema.json`` is :func:`json_schema_text`, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from score_sim.scenario.scenario import Scenario


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, generated from the models."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "score-sim scenario"
    return schema


def json_schema_text() -> str:
    """The JSON Schema as the text committed next to the scenarios."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
