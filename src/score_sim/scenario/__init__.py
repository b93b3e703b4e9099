"""Scenario files: the typed, validated description of one points regime.

A scenario is a YAML file read with ``yaml.safe_load`` semantics and validated by the
pydantic models of this package. Unknown keys are refused, every problem is reported at
once with its file, line and column, and the JSON Schema that editors use for
autocompletion is generated from these models (``score-sim schema``).

The defaults follow the documented points concept (start 1000, bounds 600..1300); every
other number in a scenario is an assumption unless the scenario's ``sources:`` names where
it comes from.

Every name is importable from here (``from score_sim.scenario import Scenario``); each
lives in the module of its part of the regime:

- :mod:`~score_sim.scenario.base`: the strict base model, the kinds of number and their
  limits, who acts (:class:`Who`) and how grave a finding is (:class:`Severity`);
- :mod:`~score_sim.scenario.population`: the people, their ties and their propensities;
- :mod:`~score_sim.scenario.score`: the points scale and its grade bands;
- :mod:`~score_sim.scenario.behaviours`: behaviours, detection, inspections, false findings;
- :mod:`~score_sim.scenario.restrictions`: the restrictions of joint sanctions;
- :mod:`~score_sim.scenario.lists`: blacklists and red lists;
- :mod:`~score_sim.scenario.sanctions`: joint sanctions, their reach and spill-over;
- :mod:`~score_sim.scenario.effects`: effects on later conduct, and deterrence;
- :mod:`~score_sim.scenario.remedies`: appeals, credit repair, rescue letters;
- :mod:`~score_sim.scenario.sharing`: data sharing between agencies;
- :mod:`~score_sim.scenario.corporate`: the escalation ladder and commitment letters;
- :mod:`~score_sim.scenario.systems`: further scores and perks;
- :mod:`~score_sim.scenario.lending`: loans approved by score, repaid or defaulted;
- :mod:`~score_sim.scenario.contagion`: listings that spread to relatives and friends;
- :mod:`~score_sim.scenario.timeline`: dated policy changes;
- :mod:`~score_sim.scenario.evidence`: the ledger's entries and calibration targets;
- :mod:`~score_sim.scenario.run`: the run's length and seed, the harm metrics;
- :mod:`~score_sim.scenario.scenario`: :class:`Scenario`, all sections together;
- :mod:`~score_sim.scenario.phases`: a timeline's phases, each checked;
- :mod:`~score_sim.scenario.loading`: loading, overrides and shorthands;
- :mod:`~score_sim.scenario.messages`: problems in the author's words, located;
- :mod:`~score_sim.scenario.bundled`: the bundled scenarios;
- :mod:`~score_sim.scenario.schema`: the JSON Schema;
- :mod:`~score_sim.scenario.yaml_files`: safe YAML reading with a line and column per key;
- :mod:`~score_sim.scenario.overrides`: changing values by key path (``--set``);
- :mod:`~score_sim.scenario.ledger`: the evidence ledger, every number with its level.
"""

from score_sim.scenario.base import (
    MAX_ACTORS,
    MAX_DAYS,
    MAX_DELAY_DAYS,
    MAX_ITEMS,
    MAX_MULTIPLIER,
    MAX_RATE_PER_YEAR,
    MAX_SCORE_MAGNITUDE,
    Count,
    Days,
    DelayDays,
    FinePoints,
    Multiplier,
    Name,
    Probability,
    RatePerYear,
    ScorePoints,
    Severity,
    Switch,
    TermDays,
    Who,
)
from score_sim.scenario.base import _Strict as _Strict
from score_sim.scenario.behaviours import Behaviour, Channel, Detection, Errors, Inspections
from score_sim.scenario.bundled import bundled_dir, bundled_scenarios, resolve_scenario_path
from score_sim.scenario.contagion import RELATIONS, BySex, Contagion, Relations
from score_sim.scenario.corporate import LADDER_STAGES, Commitments, Corporate, Escalation
from score_sim.scenario.effects import Deterrence, Effects, VisibilitySignal
from score_sim.scenario.evidence import Denominator, Evidence, Level, Metric, Target
from score_sim.scenario.lending import Approval, Lending, Repayment
from score_sim.scenario.lists import (
    DEFAULT_LIST_NAMES,
    Extension,
    ListEntry,
    ListRule,
    ListType,
    Term,
)
from score_sim.scenario.lists import _default_blacklist as _default_blacklist
from score_sim.scenario.lists import _default_lists as _default_lists
from score_sim.scenario.lists import _default_redlist as _default_redlist
from score_sim.scenario.loading import (
    SHORTHAND_KEYS,
    load_scenario,
    resolve_scenario,
    scenario_from_data,
)
from score_sim.scenario.loading import _without_removed_citations as _without_removed_citations
from score_sim.scenario.messages import _PLAIN_MESSAGES as _PLAIN_MESSAGES
from score_sim.scenario.messages import _UNION_MODELS as _UNION_MODELS
from score_sim.scenario.messages import _kind_of as _kind_of
from score_sim.scenario.messages import _located as _located
from score_sim.scenario.messages import _number_text as _number_text
from score_sim.scenario.messages import _plain_message as _plain_message
from score_sim.scenario.messages import _problems_from as _problems_from
from score_sim.scenario.messages import _without_union_tags as _without_union_tags
from score_sim.scenario.population import Heterogeneity, Population, PropensityGroup, Ties
from score_sim.scenario.remedies import Appeals, CreditRepair, Remedies, RescueLetters
from score_sim.scenario.restrictions import (
    APPLICABLE,
    CITIZEN_RESTRICTIONS,
    FIRM_RESTRICTIONS,
    Restriction,
    RestrictionsByKind,
    RestrictionSet,
    by_kind,
)
from score_sim.scenario.restrictions import _check_applicable as _check_applicable
from score_sim.scenario.run import HarmMetrics, Run
from score_sim.scenario.sanctions import Reach, SanctionDesign, Sanctions, Spillover
from score_sim.scenario.scenario import Scenario
from score_sim.scenario.schema import json_schema, json_schema_text
from score_sim.scenario.score import RONGCHENG_GRADES, GradeBand, NegativeCounting, Score
from score_sim.scenario.sharing import AgencyLink, Sharing
from score_sim.scenario.systems import (
    DEFAULT_SYSTEM,
    Feeds,
    Perk,
    ScoreSystem,
    several_scores_problems,
    system_grade_names,
)
from score_sim.scenario.timeline import TimelineEntry
from score_sim.scenario.travel import TravelBans

__all__ = [
    "APPLICABLE",
    "CITIZEN_RESTRICTIONS",
    "DEFAULT_LIST_NAMES",
    "DEFAULT_SYSTEM",
    "FIRM_RESTRICTIONS",
    "LADDER_STAGES",
    "MAX_ACTORS",
    "MAX_DAYS",
    "MAX_DELAY_DAYS",
    "MAX_ITEMS",
    "MAX_MULTIPLIER",
    "MAX_RATE_PER_YEAR",
    "MAX_SCORE_MAGNITUDE",
    "RELATIONS",
    "RONGCHENG_GRADES",
    "SHORTHAND_KEYS",
    "AgencyLink",
    "Appeals",
    "Approval",
    "Behaviour",
    "BySex",
    "Channel",
    "Commitments",
    "Contagion",
    "Corporate",
    "Count",
    "CreditRepair",
    "Days",
    "DelayDays",
    "Denominator",
    "Detection",
    "Deterrence",
    "Effects",
    "Errors",
    "Escalation",
    "Evidence",
    "Extension",
    "Feeds",
    "FinePoints",
    "GradeBand",
    "HarmMetrics",
    "Heterogeneity",
    "Inspections",
    "Lending",
    "Level",
    "ListEntry",
    "ListRule",
    "ListType",
    "Metric",
    "Multiplier",
    "Name",
    "NegativeCounting",
    "Perk",
    "Population",
    "Probability",
    "PropensityGroup",
    "RatePerYear",
    "Reach",
    "Relations",
    "Remedies",
    "Repayment",
    "RescueLetters",
    "Restriction",
    "RestrictionSet",
    "RestrictionsByKind",
    "Run",
    "SanctionDesign",
    "Sanctions",
    "Scenario",
    "Score",
    "ScorePoints",
    "ScoreSystem",
    "Severity",
    "Sharing",
    "Spillover",
    "Switch",
    "Target",
    "Term",
    "TermDays",
    "Ties",
    "TimelineEntry",
    "TravelBans",
    "VisibilitySignal",
    "Who",
    "bundled_dir",
    "bundled_scenarios",
    "by_kind",
    "json_schema",
    "json_schema_text",
    "load_scenario",
    "resolve_scenario",
    "resolve_scenario_path",
    "scenario_from_data",
    "several_scores_problems",
    "system_grade_names",
]
