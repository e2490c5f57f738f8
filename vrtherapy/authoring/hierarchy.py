"""The hierarchy format (``hierarchies/*.yaml``): a graded list of exposure steps.

A hierarchy template names scenarios and levels; the session engine copies it
for a client, who may then reorder and re-rate the steps.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from vrtherapy.authoring.common import Id, Model, Name, Percent
from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.validation import validate
from vrtherapy.authoring.yamlsource import Document, SourceMap, read_yaml

Minutes = Annotated[float, Field(gt=0, le=240)]


class ExpectancySpec(Model):
    """Inhibitory learning: the feared outcome asked about before and after a trial."""

    feared_outcome: str
    question: str = "How likely is it that this will happen? (0–100%)"


class HierarchyStep(Model):
    scenario: Id
    level: Name | None = None
    intensity: Percent | None = None
    anticipated_suds: Percent
    title: str | None = None
    notes: str | None = None
    expectancy: ExpectancySpec | None = None
    # how long the protocol suggests staying on this step (a guide, not a timer)
    suggested_minutes: Minutes | None = None


class PlanSpec(Model):
    """The course a protocol plans: how many sessions, how long each, time in VR."""

    sessions: Annotated[int, Field(ge=1, le=50)]
    session_minutes: Minutes
    exposure_minutes: Minutes | None = None  # time in VR per session, where it is less
    source: str | None = None  # where the plan comes from, e.g. "Freeman et al. 2018"


class HabituationSettings(Model):
    """Propose stepping up when SUDS fell by ``drop`` of the step's peak and held."""

    drop: Annotated[float, Field(gt=0, lt=1)] = 0.5
    hold_min: Annotated[float, Field(ge=0, le=60)] = 2.0
    absolute_threshold: Percent | None = None
    min_time_on_step_min: Annotated[float, Field(ge=0, le=120)] = 3.0


class VariabilitySettings(Model):
    enabled: bool = False
    band: Annotated[int, Field(ge=1, le=5)] = 1
    seed: int | None = None


class InhibitorySettings(Model):
    """Propose up (or a variation) when the expectancy was violated by ``violation_margin``.

    A trial lasts ``min_trial_min`` (0: as long as the SUDS interval); the expectancy is
    re-tested after every trial. So that a step never stalls, a proposal is also made
    after ``propose_after_trials`` trials or ``propose_after_min`` minutes on the step
    without a violation.
    """

    violation_margin: Percent = 20.0
    min_trial_min: Annotated[float, Field(ge=0, le=120)] = 3.0
    propose_after_trials: Annotated[int, Field(ge=1, le=20)] = 3
    propose_after_min: Annotated[float, Field(gt=0, le=240)] = 15.0
    variability: VariabilitySettings = VariabilitySettings()


class StepDownSettings(Model):
    ceiling: Percent = 85.0
    consecutive: Annotated[int, Field(ge=1, le=10)] = 2
    on_stop_request: bool = True
    comfort_threshold: Annotated[float, Field(ge=0, le=20)] | None = 10.0


# the progression modes; each is implemented in vrtherapy.session.policies.POLICIES
ProgressionMode = Literal["habituation", "inhibitory", "manual"]


class ProgressionSettings(Model):
    mode: ProgressionMode = "habituation"
    auto: bool = False
    habituation: HabituationSettings = HabituationSettings()
    inhibitory: InhibitorySettings = InhibitorySettings()
    step_down: StepDownSettings = StepDownSettings()


class PromptSettings(Model):
    suds_interval_min: Minutes = 2.0
    settle_time_s: Annotated[float, Field(ge=0, le=600)] = 30.0
    timeout_s: Annotated[float, Field(ge=5, le=600)] = 45.0
    comfort_enabled: bool = False
    comfort_interval_min: Minutes = 1.0


class HierarchySpec(Model):
    """A validated hierarchy template. Build one with :func:`load_hierarchy`."""

    id: Id
    title: str
    description: str = ""
    suds_scale: Literal[10, 100] = 100
    overrides: bool = False  # a clinic file that replaces the stock hierarchy of the same id
    prompts: PromptSettings = PromptSettings()
    progression: ProgressionSettings = ProgressionSettings()
    plan: PlanSpec | None = None
    steps: Annotated[list[HierarchyStep], Field(min_length=1)]


def _valid_steps(data: Any) -> list[tuple[int, HierarchyStep]]:
    """The steps that validate on their own, for checks after a structural error."""
    raw = data.get("steps") if isinstance(data, dict) else None
    out: list[tuple[int, HierarchyStep]] = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        with contextlib.suppress(ValidationError):
            out.append((i, HierarchyStep.model_validate(item)))
    return out


def check_steps(steps: list[tuple[int, HierarchyStep]], source: SourceMap) -> list[Problem]:
    """Checks within one hierarchy file (references to scenarios are checked by the library)."""
    problems: list[Problem] = []
    for i, step in steps:
        if (step.level is None) == (step.intensity is None):
            problems.append(
                source.problem(
                    ("steps", i),
                    "a step needs exactly one of 'level' or 'intensity'",
                    "name a level of the scenario, or give an intensity 0–100",
                )
            )
    return problems


def check_plan(plan: PlanSpec | None, source: SourceMap) -> list[Problem]:
    if plan is None or plan.exposure_minutes is None:
        return []
    if plan.exposure_minutes <= plan.session_minutes:
        return []
    return [
        source.problem(
            ("plan", "exposure_minutes"),
            f"{plan.exposure_minutes:g} min in VR is longer than the session "
            f"({plan.session_minutes:g} min)",
            "time in VR is part of the session: make 'exposure_minutes' at most 'session_minutes'",
        )
    ]


def hierarchy_warnings(spec: HierarchySpec, source: SourceMap) -> list[Problem]:
    """Things that are allowed but probably not meant (they do not fail validation)."""
    if spec.progression.mode != "inhibitory":
        return []
    return [
        source.problem(
            ("steps", i),
            f"step {i + 1} has no 'expectancy', but the hierarchy uses inhibitory learning",
            "add 'expectancy: {feared_outcome: ...}' so the client is asked about what they "
            f"fear; without it, a proposal comes only after "
            f"{spec.progression.inhibitory.propose_after_trials} trials or "
            f"{spec.progression.inhibitory.propose_after_min:g} min",
            severity="warning",
        )
        for i, step in enumerate(spec.steps)
        if step.expectancy is None
    ]


def hierarchy_from_document(doc: Document) -> HierarchySpec:
    spec, problems = validate(HierarchySpec, doc)
    steps = list(enumerate(spec.steps)) if spec is not None else _valid_steps(doc.data)
    problems = problems + check_steps(steps, doc.source)
    if spec is not None:
        problems += check_plan(spec.plan, doc.source)
    if problems or spec is None:
        raise AuthoringError(problems)
    return spec


def load_hierarchy(path: Path) -> HierarchySpec:
    """Load and validate one hierarchy file on its own (scenario references unchecked)."""
    return hierarchy_from_document(read_yaml(path))
