"""The app's controls: a scenario's key rules as labelled sliders and switches, and checking.

A teacher moves the rules being taught: how fast findings fade (half-life), who enters the
blacklist and the red list and for how long, whether restrictions feed back into conduct,
how often reports are wrong, and how far a sanction reaches through ties. Each rule is a
:class:`RuleControl` naming the scenario key it sets (the same key paths as ``--set``), its
unit and its range. :func:`check_settings` turns what was typed and moved into a validated
:class:`~score_sim.scenario.Scenario`, or into one message per control, so that bad input
is answered next to the control that holds it, never with a traceback. Nothing a page sends
is trusted: the scenario must be one the app offers, and every value must be one its
control offers (:mod:`score_sim.app.offer`), slider ranges included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from score_sim.errors import ScenarioError
from score_sim.scenario import Scenario, resolve_scenario

if TYPE_CHECKING:
    from score_sim.app.offer import Offer

ControlKind = Literal["int", "float", "switch", "reach"]

GENERAL = ""
"""The key of messages that belong to no single control (shown above the controls)."""

MAX_CITIZENS = 1_000_000
"""Most citizens (and firms) one browser tab may build: a classroom shares one server."""

POPULATION_KEYS = ("population.citizens", "population.firms", "run.steps", "run.seed")

MAX_DAYS = 36_500
"""Most days a tab may run (a century, the most a scenario may have)."""
MAX_SEED = 2**63 - 1
"""Largest seed (numpy's seeds are unsigned 64-bit; scenarios keep them below 2**63)."""


@dataclass(frozen=True)
class RuleControl:
    """One rule a student can change: a slider or a switch over one scenario key.

    Attributes:
        key: the scenario key path it sets (as ``--set`` takes it).
        label: what it is, in words.
        unit: the unit shown after the value ("days", "points", ...), "" for none.
        kind: ``int`` or ``float`` (a slider), ``switch`` (on/off) or ``reach`` (a switch
            that gives a tie the restrictions in :attr:`restrictions`, or none).
        section: the group it is shown in.
        minimum: smallest slider value.
        maximum: largest slider value.
        step: slider step.
        nullable: a switch turns the rule off (the value becomes None), as a half-life of
            None means scores never fade.
        off_label: what the switch says when a nullable rule is off.
        restrictions: for ``reach``: what a reached tie suffers when the switch is on.
        help: one sentence on what the rule does.
    """

    key: str
    label: str
    unit: str
    kind: ControlKind
    section: str
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 1.0
    nullable: bool = False
    off_label: str = ""
    restrictions: tuple[str, ...] = ()
    help: str = ""

    def format(self, value: Any) -> str:
        """The value in words with its unit, as shown next to the control."""
        if value is None:
            return self.off_label or "off"
        if self.kind in ("switch", "reach"):
            return "on" if value else "off"
        number = f"{value:,.0f}" if self.kind == "int" else f"{value:g}"
        return f"{number} {self.unit}".strip()

    def override(self, value: Any) -> Any:
        """The scenario value the control's value stands for (a reach switch: restrictions)."""
        if self.kind == "reach":
            return list(self.restrictions) if value else []
        return value


def get_key(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """The value at a dotted key path of scenario data, or ``default`` when absent."""
    value: Any = data
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value


def _restriction_words(restrictions: tuple[str, ...]) -> str:
    return ", ".join(r.replace("_", " ") for r in restrictions)


def rule_controls(scenario: Scenario) -> list[RuleControl]:
    """The rules of ``scenario`` a student can change, grouped by section.

    A list's threshold is offered only when the scenario's list has one; reach switches
    only when listed actors are restricted at all (a tie the scenario leaves unreached is
    given, when switched on, the restrictions of the listed actor itself).
    """
    data = scenario.to_data()
    lower, upper = scenario.score.lower, scenario.score.upper
    step = 5.0 if upper - lower >= 200 else 1.0
    controls = [
        RuleControl(
            "score.half_life_days",
            "Half-life of a finding",
            "days",
            "int",
            "Scores",
            minimum=7,
            maximum=1825,
            step=1,
            nullable=True,
            off_label="never fades",
            help="Scores drift back toward the baseline; after this many days half of a "
            "finding's points are gone.",
        )
    ]
    named = {"blacklist": "Blacklist", "redlist": "Red list"}
    for name, rule in data["lists"].items():
        title = named.get(name, name.replace("_", " ").capitalize())
        controls.append(
            RuleControl(
                f"lists.{name}.enabled",
                f"{title} in force",
                "",
                "switch",
                title,
                help=f"Whether the {title.lower()} exists at all.",
            )
        )
        for threshold, words in (
            ("score_below", "Enter when the score falls below"),
            ("score_at_least", "Enter at a score of at least"),
        ):
            if rule["enter"] is not None and rule["enter"][threshold] is not None:
                controls.append(
                    RuleControl(
                        f"lists.{name}.enter.{threshold}",
                        words,
                        "points",
                        "int",
                        title,
                        minimum=lower,
                        maximum=upper,
                        step=step,
                    )
                )
        if rule["min_days"] is None:
            continue
        controls += [
            RuleControl(
                f"lists.{name}.min_days",
                "Shortest stay",
                "days",
                "int",
                title,
                minimum=1,
                maximum=1825,
                help="An entry lasts at least this long.",
            ),
            RuleControl(
                f"lists.{name}.max_days",
                "Longest stay",
                "days",
                "int",
                title,
                minimum=1,
                maximum=3650,
                help="An entry ends after this long at the latest.",
            ),
        ]
    controls += [
        RuleControl(
            "effects.enabled",
            "Feedback: restrictions make misconduct likelier",
            "",
            "switch",
            "Feedback",
            help="On: a restricted actor (no credit, no job, no welfare) misbehaves more "
            "often, as the scenario's multipliers say; off: restrictions change nothing.",
        ),
        RuleControl(
            "errors.false_finding_rate_per_year",
            "False findings",
            "per actor per year",
            "float",
            "Erroneous reports",
            maximum=0.5,
            step=0.01,
            help="Records of misconduct that never happened.",
        ),
        RuleControl(
            "errors.malicious_denunciation_rate_per_year",
            "Malicious denunciations",
            "per citizen per year",
            "float",
            "Erroneous reports",
            maximum=0.5,
            step=0.01,
            help="Fabricated reports against a relative or friend.",
        ),
        RuleControl(
            "errors.misidentification.surveillance",
            "Faces matched to the wrong person",
            "share of camera findings",
            "float",
            "Erroneous reports",
            maximum=0.5,
            step=0.01,
        ),
    ]
    own = _restrictions(data["sanctions"]["blacklist"])
    if own:
        for tie, words in (
            ("legal_representative", "Legal representative of a sanctioned firm"),
            ("staff", "Staff of a sanctioned firm"),
            ("family", "Family of a sanctioned citizen"),
            ("parent_company", "Parent company of a sanctioned branch"),
        ):
            restrictions = _restrictions(data["sanctions"]["reach"][tie]) or own
            controls.append(
                RuleControl(
                    f"sanctions.reach.{tie}",
                    words,
                    "",
                    "reach",
                    "Reach of sanctions",
                    restrictions=restrictions,
                    help=f"When on, they suffer: {_restriction_words(restrictions)}.",
                )
            )
    return controls


def control_value(scenario: Scenario, control: RuleControl) -> Any:
    """A control's value in ``scenario`` (what the slider or switch shows)."""
    value = get_key(scenario.to_data(), control.key)
    if control.kind == "reach":
        return bool(value)
    if control.kind == "switch":
        return bool(value)
    if value is None:
        return None if control.nullable else 0
    return int(value) if control.kind == "int" else float(value)


@dataclass(frozen=True)
class Settings:
    """Everything a student has set: the scenario, the population and run, and the rules.

    The population, days and seed are the text typed into their boxes (checked by
    :func:`check_settings`); ``rules`` maps a :class:`RuleControl` key to its value.
    """

    scenario: str = "baseline"
    citizens: str = "10,000"
    firms: str = "500"
    days: str = ""
    seed: str = ""
    rules: dict[str, Any] = field(default_factory=dict)

    def with_rule(self, key: str, value: Any) -> Settings:
        """These settings with one rule changed."""
        return replace(self, rules={**self.rules, key: value})


def parse_whole_number(text: str, what: str, minimum: int = 0) -> int | None:
    """A whole number typed by a student ("10,000" and "10 000" too); None when blank.

    Raises:
        ValueError: with a message for the student, for text that is not a whole number
            or one below ``minimum``.
    """
    cleaned = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        number = int(cleaned)
    except ValueError:
        try:
            as_float = float(cleaned)
        except ValueError:
            raise ValueError(f"{what} must be a whole number, not {text.strip()!r}") from None
        if not as_float.is_integer():
            raise ValueError(f"{what} must be a whole number, not {text.strip()!r}") from None
        number = int(as_float)
    if number < minimum:
        raise ValueError(f"{what} must be at least {minimum:,}, not {number:,}")
    return number


def _problem_controls(key: str, message: str, control_keys: list[str]) -> list[str]:
    """The controls a problem at ``key`` belongs to (none: it is a general problem).

    A section's own check (``max_days must be at least min_days`` at ``lists.blacklist``)
    goes to the controls of that section its message names, else to all of them.
    """
    if key in control_keys:
        return [key]
    inside = [k for k in control_keys if key and k.startswith(key + ".")]
    if inside:
        named = [k for k in inside if k.rsplit(".", 1)[1] in message]
        return named or inside
    holding = [k for k in control_keys if key.startswith(k + ".")]  # an item inside a value
    return holding


def check_settings(
    settings: Settings, offer: Offer | None = None
) -> tuple[Scenario | None, dict[str, str]]:
    """The scenario the settings describe, or a message for each control that is wrong.

    Args:
        settings: what the page sent.
        offer: the scenarios the page may choose [default: the server's]; a scenario not
            offered is refused without reading anything.

    Returns:
        ``(scenario, {})`` when everything is valid; ``(None, messages)`` otherwise, where
        ``messages`` maps a control's key (``population.citizens``, ``run.seed``, a
        :class:`RuleControl` key, or :data:`GENERAL`) to what is wrong with it.
    """
    from score_sim.app.offer import checked_rule_value, checked_text, current_offer

    messages: dict[str, str] = {}
    try:
        base = (offer or current_offer()).load(settings.scenario)
    except ScenarioError as error:
        return None, {GENERAL: "; ".join(p.message for p in error.problems)}
    numbers: dict[str, int | None] = {}
    for key, text, what, minimum in (
        ("population.citizens", settings.citizens, "citizens", 0),
        ("population.firms", settings.firms, "firms", 0),
        ("run.steps", settings.days, "days", 1),
        ("run.seed", settings.seed, "the seed", 0),
    ):
        text, problem = checked_text(text, what.capitalize())
        if problem:
            messages[key] = problem
            continue
        try:
            numbers[key] = parse_whole_number(text, what.capitalize(), minimum)
        except ValueError as error:
            messages[key] = str(error)
    for key, maximum in (("run.steps", MAX_DAYS), ("run.seed", MAX_SEED)):
        number = numbers.get(key)
        if number is not None and number > maximum:
            what = "days" if key == "run.steps" else "the seed"
            messages[key] = f"{what.capitalize()} must be at most {maximum:,}, not {number:,}"
    citizens = numbers.get("population.citizens")
    for key, what in (("population.citizens", "citizens"), ("population.firms", "firms")):
        number = numbers.get(key)
        if number is not None and number > MAX_CITIZENS:
            messages[key] = (
                f"at most {MAX_CITIZENS:,} {what} in the browser app (run larger cities "
                f"with `score-sim run --{what} N`)"
            )
    if messages:
        return None, messages
    controls = {c.key: c for c in rule_controls(base)}
    overrides = {}
    for key, value in settings.rules.items():
        control = controls.get(key)
        if control is None:
            messages[GENERAL] = "a rule this scenario does not offer was sent; press Reset"
            continue
        checked, problem = checked_rule_value(control, value, control_value(base, control))
        if problem:
            messages[key] = problem
        else:
            overrides[key] = control.override(checked)
    if messages:
        return None, messages
    try:
        scenario = resolve_scenario(
            base,
            overrides,
            seed=numbers["run.seed"],
            steps=numbers["run.steps"],
            citizens=citizens,
            firms=numbers["population.firms"],
        )
        from score_sim.memory import check_population

        check_population(scenario.population.citizens, scenario.population.firms, scenario.name)
    except ScenarioError as error:
        keys = [*POPULATION_KEYS, *controls]
        for problem in error.problems:
            targets = _problem_controls(problem.key, problem.message, keys) or [GENERAL]
            for target in targets:
                text = problem.message
                if target == GENERAL and problem.key:
                    text = f"{problem.key}: {text}"
                messages[target] = f"{messages[target]}; {text}" if target in messages else text
        return None, messages
    return scenario, {}


def _restrictions(value: list[str] | dict[str, list[str]] | None) -> tuple[str, ...]:
    """A restriction set as data (flat, or per kind of actor) as one tuple of names."""
    if isinstance(value, dict):
        return tuple(dict.fromkeys(r for kind in value.values() for r in kind))
    return tuple(value or ())
