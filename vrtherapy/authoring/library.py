"""A set of scenario and hierarchy files, validated together.

Cross-file rules live here: ids are unique, calm scenes exist, and every
hierarchy step names a scenario and level that exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.hierarchy import (
    HierarchySpec,
    hierarchy_from_document,
    hierarchy_warnings,
)
from vrtherapy.authoring.questionnaire import (
    QuestionnaireSpec,
    is_questionnaire,
    questionnaire_from_document,
)
from vrtherapy.authoring.scenario import ScenarioSpec, scenario_from_document
from vrtherapy.authoring.stock import (
    assets_dir,
    hierarchies_dir,
    questionnaires_dir,
    scenes_dir,
)
from vrtherapy.authoring.validation import did_you_mean
from vrtherapy.authoring.yamlsource import MAX_DOCUMENT_CHARS, Document, SourceMap, read_yaml

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Library:
    """Validated scenarios, hierarchies and questionnaires, by id, with the file each came from."""

    scenarios: dict[str, ScenarioSpec] = field(default_factory=dict)
    hierarchies: dict[str, HierarchySpec] = field(default_factory=dict)
    questionnaires: dict[str, QuestionnaireSpec] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # allowed, but probably not meant

    def scenario(self, scenario_id: str) -> ScenarioSpec:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            raise KeyError(
                f"no scenario '{scenario_id}'; "
                + did_you_mean(scenario_id, self.scenarios, "known scenarios")
            ) from None

    def hierarchy(self, hierarchy_id: str) -> HierarchySpec:
        try:
            return self.hierarchies[hierarchy_id]
        except KeyError:
            raise KeyError(
                f"no hierarchy '{hierarchy_id}'; "
                + did_you_mean(hierarchy_id, self.hierarchies, "known hierarchies")
            ) from None


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the YAML files inside them, sorted; keep files as given."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix in YAML_SUFFIXES))
        else:
            out.append(p)
    return out


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def is_hierarchy(doc: Document, path: Path) -> bool:
    if isinstance(doc.data, dict):
        if "steps" in doc.data:
            return True
        if any(k in doc.data for k in ("levels", "parameters", "objects", "family")):
            return False
    return "hierarch" in path.parent.name


_ID_LINE = re.compile(r"""^id:[ \t]*["']?([A-Za-z0-9_.-]+)""", re.MULTILINE)


@dataclass
class _Broken:
    """What is known of the files that failed to load."""

    ids: set[str] = field(default_factory=set)
    unnamed: bool = False

    def add(self, doc: Document | None, path: Path) -> None:
        if doc is not None:
            spec_id = doc.data.get("id") if isinstance(doc.data, dict) else None
        else:  # not even YAML: look for an 'id:' line in the text
            try:
                with path.open("rb") as f:
                    head = f.read(MAX_DOCUMENT_CHARS).decode("utf-8", errors="replace")
            except OSError:
                head = ""
            found = _ID_LINE.search(head)
            spec_id = found.group(1) if found else None
        if isinstance(spec_id, str):
            self.ids.add(spec_id)
        elif not (is_hierarchy(doc, path) if doc else "hierarch" in path.parent.name):
            # it may have been a scenario
            self.unnamed = True

    def covers(self, spec_id: str) -> bool:
        """Whether ``spec_id`` may belong to a file that failed (so it is not 'unknown')."""
        return self.unnamed or spec_id in self.ids


@dataclass
class _Loaded:
    spec: ScenarioSpec | HierarchySpec | QuestionnaireSpec
    source: SourceMap
    path: Path


def load_library(
    paths: Iterable[Path] | None = None,
    *,
    context: Iterable[Path] | None = None,
    asset_dirs: list[Path] | None = None,
) -> Library:
    """Load and validate files (folders are searched for ``*.yaml``).

    ``context`` files are loaded too, so that references into them resolve, and
    their own problems are reported as well. With no paths, the stock
    ``scenes/``, ``hierarchies/`` and ``questionnaires/`` folders are loaded. Raises AuthoringError
    with every problem of every file.
    """
    if paths is None:
        paths = [scenes_dir(), hierarchies_dir(), questionnaires_dir()]
    assets = asset_dirs if asset_dirs is not None else [assets_dir()]
    files = yaml_files(paths)
    seen = {f.resolve() for f in files}
    for extra in yaml_files(context or []):
        if extra.resolve() not in seen:
            files.append(extra)
            seen.add(extra.resolve())
    problems: list[Problem] = []
    loaded: list[_Loaded] = []
    # Files that failed are reported once, at their own cause; references into them
    # are not reported again. 'broken' holds their ids; 'unnamed' is set when a file
    # failed before its id could be known (an empty or unparsable file), and then no
    # reference can be called unknown until that file reads.
    broken = _Broken()
    for path in files:
        doc = None
        try:
            doc = read_yaml(path, display_path(path))
            spec: ScenarioSpec | HierarchySpec | QuestionnaireSpec
            if is_questionnaire(doc, path):
                spec = questionnaire_from_document(doc)
            elif is_hierarchy(doc, path):
                spec = hierarchy_from_document(doc)
            else:
                spec = scenario_from_document(doc, [path.parent, *assets])
            loaded.append(_Loaded(spec, doc.source, path))
        except AuthoringError as exc:
            problems.extend(exc.problems)
            broken.add(doc, path)
    lib = Library()
    owners: dict[str, _Loaded] = {}
    for item in loaded:
        spec_id = item.spec.id
        if spec_id in owners:
            first = owners[spec_id]
            first_line = first.source.value(("id",)).line
            problems.append(
                item.source.problem(
                    ("id",),
                    f"duplicate id '{spec_id}': already used by {first.source.path}:{first_line}",
                    "every scenario and hierarchy needs its own id",
                )
            )
            continue
        owners[spec_id] = item
        lib.files[spec_id] = item.path
        if isinstance(item.spec, ScenarioSpec):
            lib.scenarios[spec_id] = item.spec
        elif isinstance(item.spec, QuestionnaireSpec):
            lib.questionnaires[spec_id] = item.spec
        else:
            lib.hierarchies[spec_id] = item.spec
            lib.warnings.extend(hierarchy_warnings(item.spec, item.source))
    problems.extend(_cross_check(lib, owners, broken))
    if problems:
        raise AuthoringError(problems)
    return lib


def _cross_check(lib: Library, owners: dict[str, _Loaded], broken: _Broken) -> list[Problem]:
    problems: list[Problem] = []
    for sid, scenario in lib.scenarios.items():
        calm = scenario.calm_scene
        if (
            calm is not None
            and calm != sid
            and calm not in lib.scenarios
            and not broken.covers(calm)
        ):
            problems.append(
                owners[sid].source.problem(
                    ("calm_scene",),
                    f"calm scene '{calm}' is not a known scenario",
                    did_you_mean(calm, lib.scenarios, "known scenarios"),
                )
            )
    for hid, hierarchy in lib.hierarchies.items():
        src = owners[hid].source
        for i, step in enumerate(hierarchy.steps):
            if step.scenario not in lib.scenarios:
                if broken.covers(step.scenario):
                    continue
                problems.append(
                    src.problem(
                        ("steps", i, "scenario"),
                        f"step {i + 1} names unknown scenario '{step.scenario}'",
                        did_you_mean(step.scenario, lib.scenarios, "known scenarios"),
                    )
                )
                continue
            scenario = lib.scenarios[step.scenario]
            if step.level is not None and step.level not in scenario.level_names:
                problems.append(
                    src.problem(
                        ("steps", i, "level"),
                        f"scenario '{scenario.id}' has no level '{step.level}'",
                        did_you_mean(step.level, scenario.level_names, "its levels"),
                    )
                )
    return problems
