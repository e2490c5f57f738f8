"""A set of scenario and hierarchy files, validated together.

Cross-file rules live here: ids are unique (a clinic file may replace a stock
file of the same id only by saying ``overrides: true``), calm scenes exist,
every hierarchy step names a scenario and level that exist, and every asset a
scenario names is found and, given an asset checker, opened.

Where files come from: the stock ``scenes/``, ``hierarchies/``, ``dialogues/`` and
``questionnaires/`` folders plus
clinic library folders (see :func:`library_folders`). A scenario's assets are
looked up next to its file first, then in its library folder's ``assets/``,
then in the stock ``assets/`` — the same folders at validation and at run time
(:meth:`Library.asset_dirs`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from vrtherapy.authoring.character import CharacterSpec
from vrtherapy.authoring.dialogue import DialogueSpec, dialogue_from_document, is_dialogue
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
from vrtherapy.authoring.scenario import (
    ObjectSpec,
    ScenarioSpec,
    resolve_file,
    scenario_from_document,
)
from vrtherapy.authoring.stock import (
    assets_dir,
    dialogues_dir,
    hierarchies_dir,
    questionnaires_dir,
    scenes_dir,
)
from vrtherapy.authoring.validation import did_you_mean
from vrtherapy.authoring.yamlsource import (
    MAX_DOCUMENT_CHARS,
    DataPath,
    Document,
    SourceMap,
    read_yaml,
)

YAML_SUFFIXES = (".yaml", ".yml")
LIBRARY_ENV = "VRTHERAPY_LIBRARY"
ASSETS_FOLDER = "assets"


class AssetCheck(Protocol):
    """Opens an asset file as the world will: (errors, warnings), each a sentence. With
    ``character`` (a partner's ``model:``) it opens the file as that character and
    checks the mapping's names against it."""

    def __call__(
        self, path: Path, character: CharacterSpec | None = None
    ) -> tuple[Sequence[str], Sequence[str]]: ...


class LibraryFolderError(ValueError):
    """A clinic library folder that was named does not exist or is not a folder."""


@dataclass(frozen=True)
class Library:
    """Validated scenarios, hierarchies, questionnaires and dialogues, by id, with the file
    each came from.

    ``assets`` holds, per scenario id, the folders its asset files are looked up
    in, in order; ``warnings`` are things that do not stop a file from loading
    (e.g. a model's animations, which are not played).
    """

    scenarios: dict[str, ScenarioSpec] = field(default_factory=dict)
    hierarchies: dict[str, HierarchySpec] = field(default_factory=dict)
    questionnaires: dict[str, QuestionnaireSpec] = field(default_factory=dict)
    dialogues: dict[str, DialogueSpec] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    assets: dict[str, tuple[Path, ...]] = field(default_factory=dict)
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

    def asset_dirs(self, scenario_id: str) -> tuple[Path, ...]:
        """Where the assets of a scenario are looked up, in order (stock assets for a
        scenario the library does not know, e.g. one built in code)."""
        return self.assets.get(scenario_id, (assets_dir(),))


def library_folders(
    given: Sequence[Path] = (),
    *,
    environ: Mapping[str, str] | None = None,
    user_library: Path | None = None,
) -> list[Path]:
    """The clinic library folders, in search order, each once.

    ``user_library`` (the user data folder's ``library/``) when it exists, then
    each folder of ``$VRTHERAPY_LIBRARY`` (a path list separated by
    ``os.pathsep``), then the ``given`` folders (``--library``). A folder named
    in the environment or given that does not exist raises LibraryFolderError:
    a typo must not silently hide a clinic's scenarios.
    """
    env = os.environ if environ is None else environ
    named: list[tuple[Path, str]] = []
    if user_library is not None and user_library.is_dir():
        named.append((user_library, "the user data folder"))
    for part in env.get(LIBRARY_ENV, "").split(os.pathsep):
        if part.strip():
            named.append((Path(part.strip()).expanduser(), f"${LIBRARY_ENV}"))
    named.extend((Path(g), "--library") for g in given)
    out: list[Path] = []
    seen: set[Path] = set()
    for folder, where in named:
        if not folder.is_dir():
            raise LibraryFolderError(f"library folder {folder} (from {where}) is not a folder")
        key = folder.resolve()
        if key not in seen:
            seen.add(key)
            out.append(folder)
    return out


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the YAML files inside them, sorted; keep files as given.

    A folder's ``assets/`` subfolder holds models and sounds, not authored files,
    and is not searched.
    """
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.suffix in YAML_SUFFIXES
                    and ASSETS_FOLDER not in f.relative_to(p).parts[:-1]
                )
            )
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
    spec: ScenarioSpec | HierarchySpec | QuestionnaireSpec | DialogueSpec
    source: SourceMap
    path: Path
    stock: bool


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _asset_dirs(path: Path, roots: Sequence[Path]) -> tuple[Path, ...]:
    """Next to the file, then its library folder's assets/, then the stock assets/."""
    stock = assets_dir()
    if any(_inside(path, d) for d in (scenes_dir(), hierarchies_dir(), dialogues_dir())):
        return (path.parent, stock)
    root = next((r for r in roots if _inside(path, r)), path.parent)
    return (path.parent, root / ASSETS_FOLDER, stock)


def load_library(
    paths: Iterable[Path] | None = None,
    *,
    context: Iterable[Path] | None = None,
    libraries: Sequence[Path] = (),
    check_asset: AssetCheck | None = None,
) -> Library:
    """Load and validate files (folders are searched for ``*.yaml``).

    With no ``paths``, the stock ``scenes/``, ``hierarchies/``, ``dialogues/`` and
    ``questionnaires/`` folders and every clinic folder in ``libraries`` are
    loaded. ``context`` files are loaded too, so that references into them
    resolve, and their own problems are reported as well (a stock scenario brings the
    stock dialogues along). ``check_asset`` opens
    each asset file a scenario names
    (without it, assets are only looked up). Raises AuthoringError with every
    problem of every file.
    """
    stock_folders = [scenes_dir(), hierarchies_dir(), dialogues_dir(), questionnaires_dir()]
    if paths is None:
        paths = [*stock_folders, *libraries]
    paths = list(paths)
    roots = [*libraries, *(p for p in paths if p.is_dir())]
    files = yaml_files(paths)
    seen = {f.resolve() for f in files}
    context = list(context or [])
    if any(_inside(f, scenes_dir()) for f in files + yaml_files(context)):
        # the stock scenarios' partners speak the stock dialogues: they come together
        context.append(dialogues_dir())
    for extra in yaml_files(context):
        if extra.resolve() not in seen:
            files.append(extra)
            seen.add(extra.resolve())
    problems: list[Problem] = []
    warnings: list[Problem] = []
    loaded: list[_Loaded] = []
    # Files that failed are reported once, at their own cause; references into them
    # are not reported again. 'broken' holds their ids; 'unnamed' is set when a file
    # failed before its id could be known (an empty or unparsable file), and then no
    # reference can be called unknown until that file reads.
    broken = _Broken()
    folders: dict[Path, tuple[Path, ...]] = {}
    for path in files:
        doc = None
        stock = any(_inside(path, f) for f in stock_folders)
        try:
            doc = read_yaml(path, display_path(path))
            spec: ScenarioSpec | HierarchySpec | QuestionnaireSpec | DialogueSpec
            if is_dialogue(doc):
                spec = dialogue_from_document(doc, list(_asset_dirs(path, roots)))
            elif is_questionnaire(doc, path):
                spec = questionnaire_from_document(doc)
            elif is_hierarchy(doc, path):
                spec = hierarchy_from_document(doc)
            else:
                dirs = folders[path] = _asset_dirs(path, roots)
                spec = scenario_from_document(doc, list(dirs))
                if check_asset is not None:
                    found = _check_assets(spec, doc.source, dirs, check_asset)
                    problems.extend(found[0])
                    warnings.extend(found[1])
            loaded.append(_Loaded(spec, doc.source, path, stock))
        except AuthoringError as exc:
            problems.extend(exc.problems)
            broken.add(doc, path)
    lib = Library(warnings=warnings)
    owners = _owners(loaded, problems, warnings)
    for spec_id, item in owners.items():
        lib.files[spec_id] = item.path
        if isinstance(item.spec, ScenarioSpec):
            lib.scenarios[spec_id] = item.spec
            lib.assets[spec_id] = folders[item.path]
        elif isinstance(item.spec, QuestionnaireSpec):
            lib.questionnaires[spec_id] = item.spec
        elif isinstance(item.spec, DialogueSpec):
            lib.dialogues[spec_id] = item.spec
        else:
            lib.hierarchies[spec_id] = item.spec
            lib.warnings.extend(hierarchy_warnings(item.spec, item.source))
    problems.extend(_cross_check(lib, owners, broken))
    if problems:
        raise AuthoringError(problems, warnings)
    return lib


def _owners(
    loaded: list[_Loaded], problems: list[Problem], warnings: list[Problem]
) -> dict[str, _Loaded]:
    """Each id's file. A clinic file replaces a stock file of the same id only when it
    says ``overrides: true``; any other shared id is an error naming both files."""
    owners: dict[str, _Loaded] = {}
    any_stock = any(item.stock for item in loaded)
    for item in sorted(loaded, key=lambda i: not i.stock):  # stock first
        spec_id = item.spec.id
        first = owners.get(spec_id)
        if first is None:
            owners[spec_id] = item
            if _overrides(item) and any_stock and not item.stock:
                warnings.append(
                    item.source.problem(
                        ("overrides",),
                        f"'overrides: true', but there is no stock file with id '{spec_id}'",
                        "remove 'overrides: true'",
                        severity="warning",
                    )
                )
            continue
        where = f"{first.source.path}:{first.source.value(('id',)).line}"
        if first.stock and not item.stock and _overrides(item):
            owners[spec_id] = item
            continue
        if first.stock and not item.stock:
            problems.append(
                item.source.problem(
                    ("id",),
                    f"id '{spec_id}' is already used by the stock file {where}",
                    "choose another id, or add 'overrides: true' to replace the stock file "
                    "with this one",
                )
            )
            continue
        problems.append(
            item.source.problem(
                ("id",),
                f"duplicate id '{spec_id}': already used by {where}",
                "every scenario and hierarchy needs its own id",
            )
        )
    return owners


def _overrides(item: _Loaded) -> bool:
    return bool(getattr(item.spec, "overrides", False))


def _objects(objs: Sequence[ObjectSpec], path: DataPath) -> Iterator[tuple[DataPath, ObjectSpec]]:
    for i, obj in enumerate(objs):
        yield (*path, i), obj
        yield from _objects(obj.children, (*path, i, "children"))


def _check_assets(
    spec: ScenarioSpec, source: SourceMap, dirs: Sequence[Path], check: AssetCheck
) -> tuple[list[Problem], list[Problem]]:
    """Open every asset the scenario names, as the world will at run time."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    opened: dict[Path, tuple[Sequence[str], Sequence[str]]] = {}
    for opath, obj in _objects(spec.objects, ("objects",)):
        if obj.asset is None:
            continue
        found = resolve_file(obj.asset, list(dirs))
        if found is None:
            continue  # the scenario's own check reported it
        if found not in opened:
            opened[found] = check(found)
        errors, notes = opened[found]
        at: DataPath = (*opath, "asset")
        where = display_path(found)
        problems.extend(source.problem(at, f"asset '{obj.asset}' ({where}): {e}") for e in errors)
        warnings.extend(
            source.problem(at, f"asset '{obj.asset}' ({where}): {w}", severity="warning")
            for w in notes
        )
    for i, partner in enumerate(spec.partners):
        if partner.model is None:
            continue
        found = resolve_file(partner.model.file, list(dirs))
        if found is None:
            continue  # the scenario's own check reported it
        errors, notes = check(found, character=partner.model)
        at = ("partners", i, "model", "file")
        label = f"character model '{partner.model.file}' ({display_path(found)})"
        problems.extend(source.problem(at, f"{label}: {e}") for e in errors)
        warnings.extend(source.problem(at, f"{label}: {w}", severity="warning") for w in notes)
    return problems, warnings


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
        problems.extend(_partner_dialogues(lib, sid, owners[sid].source, broken))
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


def _partner_dialogues(lib: Library, sid: str, src: SourceMap, broken: _Broken) -> list[Problem]:
    """Every partner's dialogue exists, and each of its speakers is a partner of the scenario."""
    problems: list[Problem] = []
    scenario = lib.scenarios[sid]
    partner_ids = [p.id for p in scenario.partners]
    for i, partner in enumerate(scenario.partners):
        if partner.dialogue is None:
            continue
        path = ("partners", i, "dialogue")
        dialogue = lib.dialogues.get(partner.dialogue)
        if dialogue is None:
            if not broken.covers(partner.dialogue):
                problems.append(
                    src.problem(
                        path,
                        f"partner '{partner.id}' names unknown dialogue '{partner.dialogue}'",
                        did_you_mean(partner.dialogue, lib.dialogues, "known dialogues")
                        if lib.dialogues
                        else "no dialogue file was loaded; validate it together with this file",
                    )
                )
            continue
        voice_language = partner.voice.name.rsplit("/", 1)[-1].split("-")[0].lower()
        if voice_language != dialogue.language.split("-")[0]:
            lib.warnings.append(
                src.problem(
                    ("partners", i, "voice") if partner.voice.name != "en" else path,
                    f"partner '{partner.id}' speaks dialogue '{dialogue.id}' (language "
                    f"'{dialogue.language}') with the voice '{partner.voice.name}'",
                    f"set 'voice: {{name: {dialogue.language.lower()}}}' (see 'espeak-ng "
                    "--voices'), unless the accent is meant",
                    severity="warning",
                )
            )
        for flag in partner.flags:
            if flag not in dialogue.flags:
                problems.append(
                    src.problem(
                        ("partners", i, "flags", flag),
                        f"partner '{partner.id}' sets flag '{flag}', which dialogue "
                        f"'{dialogue.id}' does not declare",
                        did_you_mean(flag, dialogue.flags, "its flags")
                        if dialogue.flags
                        else "the dialogue declares no flags",
                        at_key=True,
                    )
                )
        for speaker in sorted(dialogue.speakers - set(partner_ids)):
            problems.append(
                src.problem(
                    path,
                    f"dialogue '{dialogue.id}' has lines for '{speaker}', who is not a partner "
                    f"of scenario '{sid}'",
                    did_you_mean(speaker, partner_ids, "its partners"),
                )
            )
    return problems
