"""What the app offers a page: the scenarios it may choose, and each control's values.

A browser is never trusted: every value a page sends (the scenario chosen, a number typed,
a slider moved, a switch flipped, the twin world's rule and value) is checked here, on the
server, against what the page was offered, and a value outside the offer is refused with a
sentence for the page. In particular the server reads only the bundled scenarios and the
files the teacher named when starting the app (``score-sim app --scenario my.yaml``), never a
path that came from a browser.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from score_sim.errors import ScenarioError
from score_sim.text_safety import shown

if TYPE_CHECKING:
    from score_sim.app.controls import RuleControl
    from score_sim.scenario import Scenario

SCENARIOS_ENVIRONMENT = "SCORE_SIM_APP_SCENARIOS"
"""How ``score-sim app`` hands the teacher's scenario files to the page (a JSON list)."""

MAX_TEXT_LENGTH = 40
"""Longest text a box of the page takes (a number of citizens, days, a seed)."""


class Offer:
    """The scenarios a page may choose: the bundled ones and the teacher's files.

    Args:
        files: scenario files the teacher named when starting the app. Each is offered
            under the name it was given by (``my.yaml``), or its path when that name is
            taken.
    """

    def __init__(self, files: Sequence[str | Path] = ()) -> None:
        from score_sim.scenario import bundled_scenarios

        self.bundled: dict[str, Path] = bundled_scenarios()
        self.files: dict[str, Path] = {}
        for file in files:
            label = str(file)
            path = Path(file).resolve()
            if path in self.files.values():
                continue
            if label in self.bundled or label in self.files:
                label = str(path)
            self.files[label] = path
        self._loaded: dict[str, Scenario] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Every scenario the page offers, the teacher's first."""
        return [*self.files, *self.bundled]

    def default(self) -> str:
        """The scenario a new page starts with: the teacher's first, else the baseline."""
        if self.files:
            return next(iter(self.files))
        return "baseline" if "baseline" in self.bundled else next(iter(self.bundled), "")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self.files or name in self.bundled)

    def load(self, name: object) -> Scenario:
        """The offered scenario ``name``, read once (bundled or the teacher's file).

        Raises:
            ScenarioError: ``name`` is not offered (nothing is read then), or its file has
                become unreadable or invalid since the app started.
        """
        if name not in self:
            raise ScenarioError.of(
                "scenario",
                None,
                None,
                "",
                f"{shown(name)} is not one of the scenarios this app offers; choose one "
                "from the list",
            )
        assert isinstance(name, str)
        with self._lock:
            if name not in self._loaded:
                from score_sim.scenario import load_scenario

                path = self.files.get(name) or self.bundled[name]
                self._loaded[name] = load_scenario(path)
            return self._loaded[name]


_offer: Offer | None = None
_offer_lock = threading.Lock()


def current_offer() -> Offer:
    """The server's offer: the bundled scenarios and the teacher's files, if any."""
    global _offer
    with _offer_lock:
        if _offer is None:
            _offer = Offer(teacher_files())
        return _offer


def set_offer(offer: Offer | None) -> None:
    """Use ``offer`` from now on (None: read it again from the environment)."""
    global _offer
    with _offer_lock:
        _offer = offer


def teacher_files() -> list[str]:
    """The scenario files the teacher named when starting the app (from the environment)."""
    text = os.environ.get(SCENARIOS_ENVIRONMENT, "")
    if not text:
        return []
    try:
        files = json.loads(text)
    except ValueError:
        return []
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


# --- values a page sends ------------------------------------------------------------------


def allowed_range(control: RuleControl, own: Any) -> tuple[float, float]:
    """The values a slider offers: its range, widened to hold the scenario's own value."""
    low, high = float(control.minimum), float(control.maximum)
    if isinstance(own, int | float) and not isinstance(own, bool) and math.isfinite(own):
        low, high = min(low, float(own)), max(high, float(own))
    return low, high


def checked_rule_value(control: RuleControl, value: Any, own: Any) -> tuple[Any, str | None]:
    """A control's value as a page sent it, checked against what the control offers.

    Args:
        control: the slider or switch.
        value: what the page sent.
        own: the scenario's own value of the control (a slider's range holds it).

    Returns:
        ``(value, None)`` with the value in its proper type, or ``(None, message)``.
    """
    if control.kind in ("switch", "reach"):
        if isinstance(value, bool):
            return value, None
        return None, f"{control.label}: a switch is on or off, not {shown(value)}"
    if value is None:
        if control.nullable:
            return None, None
        return None, f"{control.label}: this rule cannot be switched off"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"{control.label}: a number is needed, not {shown(value)}"
    if not math.isfinite(value):
        return None, f"{control.label}: a finite number is needed, not {value!r}"
    low, high = allowed_range(control, own)
    if control.kind == "int":
        if not float(value).is_integer():
            return None, f"{control.label}: a whole number is needed, not {value:g}"
        value = int(value)
    else:
        value = float(value)
    if not low <= value <= high:
        return None, (
            f"{control.label}: {value:g} is outside the slider's range "
            f"{low:g} to {high:g} {control.unit}".rstrip()
        )
    return value, None


def checked_text(value: Any, what: str) -> tuple[str, str | None]:
    """What a page typed into a box: short text, else a message (nothing is parsed then)."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", f"{what}: text is needed, not {shown(value)}"
    if len(value) > MAX_TEXT_LENGTH:
        return "", f"{what}: at most {MAX_TEXT_LENGTH} characters"
    return value, None
