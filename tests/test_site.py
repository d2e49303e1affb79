"""The site: built from the lessons, the README and the exercises, read in headless Chromium.

Every HTML page of the build is opened in a real browser and must load
without a console error, an exception or a failed request; every link
between pages must lead to a page (and an anchor) that exists; every
lesson's diagram must have become a picture; search must find a word of
the lessons; the landing page leads to the tutorial, the checks and the
reference; every README section is on one guide page; every exercise has
its page, after the last stage; the API reference documents every
operation, option and hook.  The landing page, a lesson, an exercise and
the API reference are looked at on a desktop and a phone, light and dark
(nothing past the screen's edge, the table of contents on the wide
screen, the diagram scrolling on the phone at its own size, dark pages
and diagrams), and copy buttons are clicked and the clipboard read.
Screenshots of each stage's diagram and of those pages go to
``site-screenshots/`` for a person to look at (CI keeps the folder); the
ones the README shows are copied to ``docs/screenshots/`` once looked at.

Chromium is Debian's package (``apt-get install -y chromium``); without it
these tests fail, saying so, and are never skipped.
"""

import importlib.util
import re
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from scripts.exercises import EXERCISES
from scripts.lessons import all_pages
from scripts.site import DOCS_PACKAGES, PROJECT_ROOT, build_site, serving
from stairway_site.pages import anchors_of, readme_sections
from stairway_site.project import repository_path, site_stages, stage_files
from tests.chromium import BrowserError, Chromium

# a browser, Chromium, on every page of the built site (pytest --full runs it)
# one worker builds the site and starts the browser, once for the module
pytestmark = [pytest.mark.full, pytest.mark.xdist_group("site")]

SCREENSHOTS = PROJECT_ROOT / "site-screenshots"
SEARCHED_WORD = "batch_alter_table"
# below a phone's header; the last step down, so the theme's "back to top" (shown when a
# reader scrolls up) stays hidden
SCROLL_TO = """(async () => {
    const frame = () => new Promise(done => requestAnimationFrame(done));
    const frames = async () => { await frame(); await frame(); };
    const target = document.querySelector(%r);
    const top = target.getBoundingClientRect().top + window.scrollY - 64;
    window.scrollTo({top: top - 8, behavior: "instant"});
    await frames();
    window.scrollTo({top: top, behavior: "instant"});
    await frames();
})()"""
LINKS = "[...document.querySelectorAll('a[href]')].map(a => a.href)"
IDS = "[...document.querySelectorAll('[id]')].map(e => e.id)"
DIAGRAMS = """[...document.querySelectorAll('svg.stairway-er')].map(svg => {
    const box = svg.getBoundingClientRect();
    return {width: box.width, height: box.height,
            tables: svg.querySelectorAll('g.er-table').length};
})"""
NEIGHBOURS = "['prev', 'next'].map(rel => document.querySelector(`link[rel=${rel}]`)?.href ?? null)"
STAIRWAY = """[...document.querySelectorAll('.sidebar-tree p.caption')]
    .filter(caption => caption.textContent.trim() === 'The stairway')
    .flatMap(caption => [...caption.nextElementSibling.querySelectorAll(':scope > li > a')])
    .map(a => a.href)"""
UNDRAWN = (
    "document.querySelectorAll('.highlight-mermaid, pre.mermaid, code.language-mermaid').length"
)


@dataclass
class Visit:
    """What a page showed the browser."""

    problems: list[str]
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    diagrams: list[dict] = field(default_factory=list)
    undrawn: int = 0
    runs: int = 0
    legacy: int = 0
    shown: int = 0
    copy_buttons: int = 0
    neighbours: list[str | None] = field(default_factory=list)
    stairway: list[str] = field(default_factory=list)


STAGES = site_stages()


def lesson_page(stage) -> str:
    return repository_path(stage.lesson).removesuffix(".md") + ".html"


# the stairway as a reader climbs it: each lesson, then the pages read after it
STAIRWAY_PAGES = [repository_path(page.path).removesuffix(".md") + ".html" for page in all_pages()]
# the steps after the last stage: a page per exercise, in their order
EXERCISE_PAGES = [
    f"docs/exercises/{number}-{exercise.slug}.html"
    for number, exercise in enumerate(EXERCISES, start=1)
]
HOME = "docs/index.html"
API_PAGE = "docs/api.html"
GUIDE_PAGES = [
    "docs/guide/tutorial.html",
    "docs/guide/how-to.html",
    "docs/guide/reference.html",
    API_PAGE,
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module into a temporary folder."""
    missing = [n for n in (*DOCS_PACKAGES, "websockets") if importlib.util.find_spec(n) is None]
    if missing:
        pytest.fail(
            f"the site's tests need {', '.join(missing)}: pip install -e '.[docs]'", pytrace=False
        )
    out = tmp_path_factory.mktemp("site")
    build_site(out)
    return out


@pytest.fixture(scope="module")
def address(site: Path):
    """The site served on a free local port."""
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; a missing Chromium fails, never skips."""
    try:
        chromium = Chromium.start()
    except BrowserError as exc:
        pytest.fail(str(exc), pytrace=False)
    with chromium:
        yield chromium


@pytest.fixture(scope="module")
def visits(site: Path, address: str, browser: Chromium) -> dict[str, Visit]:
    """Every HTML page of the site, opened once, by its path in the site."""
    SCREENSHOTS.mkdir(exist_ok=True)
    screenshots = {lesson_page(stage): f"stage{stage.number}.png" for stage in STAGES}
    found: dict[str, Visit] = {}
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        page = browser.open(address + name)
        if name == "index.html":  # it sends the visitor on to the landing page
            browser.wait_for("Page.loadEventFired")
            assert browser.evaluate("location.pathname") == "/" + HOME
        visit = Visit(
            problems=page.problems,
            links=browser.evaluate(LINKS),
            ids=set(browser.evaluate(IDS)),
            diagrams=browser.evaluate(DIAGRAMS),
            undrawn=browser.evaluate(UNDRAWN),
            runs=browser.evaluate("document.querySelectorAll('.stairway-code-runs').length"),
            legacy=browser.evaluate("document.querySelectorAll('.stairway-code-legacy').length"),
            shown=browser.evaluate("document.querySelectorAll('.stairway-code-shown').length"),
            copy_buttons=browser.evaluate(
                "document.querySelectorAll('button.stairway-copy').length"
            ),
            neighbours=browser.evaluate(NEIGHBOURS),
            stairway=browser.evaluate(STAIRWAY),
        )
        if name in screenshots and visit.diagrams:
            browser.evaluate(SCROLL_TO % ".stairway-diagram")
            browser.screenshot(SCREENSHOTS / screenshots[name])
        found[name] = visit
    return found


def test_every_page_is_opened(visits: dict[str, Visit]) -> None:
    expected = {"index.html", HOME, "search.html", "docs/benchmarks.html"}
    expected |= {lesson_page(stage) for stage in STAGES} | set(EXERCISE_PAGES) | set(GUIDE_PAGES)
    expected |= {f"code/{repository_path(p)}.html" for s in STAGES for p in stage_files(s)}
    assert expected <= set(visits), f"pages not built: {sorted(expected - set(visits))}"


def test_every_page_loads_without_console_errors(visits: dict[str, Visit]) -> None:
    problems = [f"{name}: {problem}" for name, v in visits.items() for problem in v.problems]
    assert not problems, "\n".join(problems)


def test_no_internal_link_is_broken(visits: dict[str, Visit], address: str) -> None:
    broken = []
    checked_files: dict[str, int] = {}
    for name, visit in visits.items():
        for link in visit.links:
            if not link.startswith(address):
                continue  # another site, or mailto:
            url, fragment = urldefrag(link)
            target = urlsplit(url).path.removeprefix("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if target in visits:
                if fragment and fragment not in visits[target].ids:
                    broken.append(f"{name} → {link}: no #{fragment} there")
            elif target.endswith(".html"):
                broken.append(f"{name} → {link}: no such page")
            else:  # an image, a source text: ask the server
                if target not in checked_files:
                    try:
                        with urllib.request.urlopen(url, timeout=10) as answer:
                            checked_files[target] = answer.status
                    except OSError as exc:
                        checked_files[target] = getattr(exc, "code", 0)
                if checked_files[target] != 200:
                    broken.append(f"{name} → {link}: HTTP {checked_files[target]}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage{s.number}")
def test_each_lesson_draws_its_diagram_as_an_svg(visits: dict[str, Visit], stage) -> None:
    visit = visits[lesson_page(stage)]
    assert visit.undrawn == 0, "a Mermaid block was left as text"
    assert len(visit.diagrams) == 1, f"{len(visit.diagrams)} diagrams on the page"
    diagram = visit.diagrams[0]
    assert diagram["width"] > 250 and diagram["height"] > 100, diagram
    assert diagram["tables"] == len(stage.metadata.tables)
    assert (SCREENSHOTS / f"stage{stage.number}.png").stat().st_size > 20_000


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage{s.number}")
def test_each_lesson_links_its_revision_models_and_golden_sql(
    visits: dict[str, Visit], address: str, stage
) -> None:
    links = {urldefrag(link)[0] for link in visits[lesson_page(stage)].links}
    wanted = {f"{address}code/{repository_path(path)}.html" for path in stage_files(stage)}
    assert wanted <= links, f"missing: {sorted(wanted - links)}"


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: f"stage{s.number}")
def test_each_lesson_marks_what_runs_and_what_is_quoted_each_with_a_copy_button(
    visits: dict[str, Visit], stage
) -> None:
    text = stage.lesson.read_text(encoding="utf-8")
    visit = visits[lesson_page(stage)]
    assert visit.runs == len(re.findall(r"^```pycon$", text, re.MULTILINE))
    assert visit.legacy == len(re.findall(r"^```text$", text, re.MULTILINE))
    # today's code shown for reading: the lessons' python blocks and the revision code they include
    shown = re.findall(r"^```(?:python|\{literalinclude\} .*)$", text, re.MULTILINE)
    assert visit.shown == len(shown)
    commands = len(re.findall(r"^```(?:console|sh)$", text, re.MULTILINE))
    assert visit.copy_buttons == visit.runs + visit.legacy + visit.shown + commands


@pytest.mark.parametrize("name", [HOME, *STAIRWAY_PAGES, EXERCISE_PAGES[0]])
def test_every_page_shows_the_stairway_in_stage_order(
    visits: dict[str, Visit], address: str, name: str
) -> None:
    steps = [urldefrag(link)[0] for link in visits[name].stairway]  # "#" on the page itself
    assert steps == [address + page for page in STAIRWAY_PAGES]


def test_previous_and_next_walk_the_stairway(visits: dict[str, Visit], address: str) -> None:
    walk = [HOME, *STAIRWAY_PAGES, *EXERCISE_PAGES, *GUIDE_PAGES]
    for before, page, after in zip(walk, walk[1:], walk[2:], strict=False):
        assert visits[page].neighbours == [address + before, address + after], page


def test_the_landing_page_leads_to_the_tutorial_the_checks_and_the_reference(
    visits: dict[str, Visit], address: str
) -> None:
    links = {urldefrag(link)[0] for link in visits[HOME].links}
    assert {
        address + lesson_page(STAGES[0]),
        address + "docs/guide/how-to.html",
        address + "docs/guide/reference.html",
    } <= links


def test_every_readme_section_is_on_a_guide_page(site: Path) -> None:
    guides = "".join((site / page).read_text(encoding="utf-8") for page in GUIDE_PAGES)
    guides += (site / "docs/guide/explanation.html").read_text(encoding="utf-8")
    guides += (site / "docs/guide/changelog.html").read_text(encoding="utf-8")
    missing = [
        section.title
        for section in readme_sections()
        if not any(f'id="{anchor}"' in guides for anchor in anchors_of(section.title))
    ]
    assert not missing, f"README sections not on the site: {missing}"
    tutorial = (site / "docs/guide/tutorial.html").read_text(encoding="utf-8")
    assert tutorial.count("<table") >= 2  # the stages', the exercises'
    for stage in STAGES:
        assert f'href="../{lesson_page(stage).removeprefix("docs/")}"' in tutorial


@pytest.mark.parametrize("number", range(1, len(EXERCISES) + 1))
def test_each_exercise_page_shows_its_task_with_copyable_commands(
    visits: dict[str, Visit], site: Path, number: int
) -> None:
    page = EXERCISE_PAGES[number - 1]
    text = re.sub(r"<[^>]+>", "", (site / page).read_text(encoding="utf-8"))
    assert f"Exercise {number}: " in text
    assert f"invoke exercise {number} --check" in text
    assert visits[page].copy_buttons >= 1  # the commands, to copy


def test_search_finds_batch_alter_table(browser: Chromium, address: str) -> None:
    page = browser.open(f"{address}search.html?q={SEARCHED_WORD}")
    summary = browser.wait_until(
        "document.querySelector('#search-results .search-summary')?.textContent"
    )
    found = browser.evaluate(
        "[...document.querySelectorAll('#search-results li a')].map(a => a.href)"
    )
    assert not page.problems
    lessons = {address + lesson_page(stage) for stage in STAGES}
    assert {urldefrag(link)[0] for link in found} & lessons, summary


def registered_operations() -> list[str]:
    """The names of every operation the library registers on Alembic's ``op``."""
    from alembic.operations import MigrateOperation

    from sqlalchemy_stairway import hashing, ops

    return sorted(
        name
        for module in (ops, hashing)
        for kind in vars(module).values()
        if isinstance(kind, type)
        and issubclass(kind, MigrateOperation)
        and kind.__module__ == module.__name__
        for name, value in vars(kind).items()
        if isinstance(value, classmethod)
    )


def test_the_api_reference_documents_every_operation_option_and_hook(
    visits: dict[str, Visit],
) -> None:
    from sqlalchemy_stairway.check import pytest_plugin
    from sqlalchemy_stairway.check.cli import parser
    from stairway_site.api import IniRecorder, subparser

    ids = visits[API_PAGE].ids
    operations = registered_operations()
    assert len(operations) >= 8
    missing = [f"op.{name}" for name in operations if f"op.{name}" not in ids]
    options = [
        option.lstrip("-")
        for action in subparser(parser(), "check")._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    ]
    missing += [o for o in options if f"cmdoption-stairway-check-{o}" not in ids]
    recorder = IniRecorder()
    pytest_plugin.pytest_addoption(recorder)
    missing += [n for n, *_ in recorder.options if f"confval-{n}" not in ids]
    for hook in ("hooks_file", "load_hooks"):
        if f"sqlalchemy_stairway.check.hooks.{hook}" not in ids:
            missing.append(hook)
    assert not missing, f"not in the API reference: {missing}"


# -- how pages look: on a wide screen, on a phone, in dark mode ---------------------------

SCREENS = {"desktop": (1440, 900), "phone": (390, 844)}
LESSON = lesson_page(STAGES[min(3, len(STAGES) - 1)])  # stage 4: the widest diagram
LOOKED_AT = {HOME: "landing", LESSON: "lesson", EXERCISE_PAGES[0]: "exercise", API_PAGE: "api"}
SCREENSHOTS_SHOWN = ("landing", "lesson", "exercise")  # committed under docs/screenshots/
LAYOUT = """(() => {
    const toc = document.querySelector('.toc-drawer');
    const tocBox = toc?.getBoundingClientRect();
    const svg = document.querySelector('svg.stairway-er');
    const picture = svg?.closest('.stairway-diagram-picture');
    const luminance = color => {
        const [r, g, b] = color.match(/[\\d.]+/g).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    return {
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        // blocks of the page that reach past the screen's right edge (a scroller may)
        cut: [...document.querySelectorAll('article section > *, .stairway-door')]
            .filter(block => block.getBoundingClientRect().right > window.innerWidth + 1)
            .map(block => block.className || block.tagName),
        toc: Boolean(toc && document.querySelector('.toc-tree li') && tocBox.width > 0
                     && tocBox.right <= window.innerWidth + 1),
        diagram: svg ? {shown: svg.getBoundingClientRect().width,
                        natural: svg.viewBox.baseVal.width,
                        room: picture.clientWidth, scrolls: picture.scrollWidth,
                        overflowX: getComputedStyle(picture).overflowX,
                        filter: getComputedStyle(svg).filter,
                        hint: document.querySelector('.stairway-diagram-hint').offsetHeight > 0
                       } : null,
        background: luminance(getComputedStyle(document.body).backgroundColor),
        ink: luminance(getComputedStyle(document.querySelector('article')).color),
    };
})()"""


@pytest.fixture(scope="module")
def looks(address: str, browser: Chromium) -> dict[tuple[str, str, bool], dict]:
    """Each page looked at on each screen, light and dark: (page, screen, dark) -> layout."""
    browser.open(address + HOME)
    browser.evaluate("localStorage.clear()")  # the search test's words, highlighted
    found = {}
    for screen, (width, height) in SCREENS.items():
        for dark in (False, True):
            with browser.emulating(width, height, dark=dark):
                for page, name in LOOKED_AT.items():
                    visit = browser.open(address + page)
                    assert not visit.problems, (page, screen, visit.problems)
                    found[page, screen, dark] = browser.evaluate(LAYOUT)
                    if name == "lesson":
                        browser.evaluate(SCROLL_TO % ".stairway-diagram")
                    scheme = "-dark" if dark else ""
                    browser.screenshot(SCREENSHOTS / f"{name}-{screen}{scheme}.png")
    return found


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", LOOKED_AT)
def test_no_page_scrolls_sideways(looks: dict, page: str, screen: str) -> None:
    look = looks[page, screen, False]
    assert look["overflow"] <= 0, "the page is wider than the screen"
    assert not look["cut"], "cut off at the screen's edge"


@pytest.mark.parametrize("page", [LESSON, API_PAGE])
def test_the_pages_table_of_contents_shows_on_a_wide_screen_only(looks: dict, page: str) -> None:
    assert looks[page, "desktop", False]["toc"]
    assert not looks[page, "phone", False]["toc"]  # a drawer there, behind its button


def test_a_diagram_fits_a_desktop_and_scrolls_sideways_on_a_phone_at_its_own_size(
    looks: dict,
) -> None:
    desktop = looks[LESSON, "desktop", False]["diagram"]
    assert desktop["shown"] <= desktop["room"] + 1
    phone = looks[LESSON, "phone", False]["diagram"]
    assert abs(phone["shown"] - phone["natural"]) <= 1, "shrunk to fit: its text unreadable"
    assert phone["natural"] > phone["room"], "the stage 4 diagram should not fit a phone"
    assert phone["scrolls"] > phone["room"] and phone["overflowX"] in ("auto", "scroll")
    assert phone["hint"] and not desktop["hint"], "on a phone, and only there: scroll sideways"


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("page", LOOKED_AT)
def test_dark_mode_darkens_the_page_and_its_diagrams(looks: dict, page: str, screen: str) -> None:
    light, dark = looks[page, screen, False], looks[page, screen, True]
    assert light["background"] > 0.9 and light["ink"] < 0.3
    assert dark["background"] < 0.2 and dark["ink"] > 0.7
    if dark["diagram"]:
        assert light["diagram"]["filter"] == "none"
        assert "invert" in dark["diagram"]["filter"]


@pytest.mark.parametrize("name", SCREENSHOTS_SHOWN)
@pytest.mark.parametrize("screen", SCREENS)
def test_screenshots_of_the_landing_page_a_lesson_and_an_exercise(
    looks: dict, name: str, screen: str
) -> None:
    width = SCREENS[screen][0]
    for scheme in ("", "-dark"):
        shot = SCREENSHOTS / f"{name}-{screen}{scheme}.png"
        assert shot.read_bytes()[16:20] == width.to_bytes(4, "big"), "PNG of the wrong width"
        assert shot.stat().st_size > 15_000, f"{shot.name} looks empty"
    assert (PROJECT_ROOT / "docs" / "screenshots" / f"{name}-{screen}.png").is_file(), (
        "copy it there once you have looked at it: the README shows it"
    )


# -- the copy button ------------------------------------------------------------------------


def typed_in(block: str, prompt: str) -> str:
    """What a reader types of a session ``block``: its prompt lines, without the prompt."""
    typed, continued = [], False
    for line in block.splitlines():
        if re.match(prompt, line):
            typed.append(re.sub(prompt, "", line, count=1))
        elif not continued:
            continue
        else:
            typed.append(line)
        continued = line.endswith("\\")
    return "\n".join(typed)


def first_block(markdown: str, language: str) -> str:
    return re.search(rf"^```{language}\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)[1]


def copied_by_button(browser: Chromium, block: str) -> str:
    """Click the copy button of ``block`` (a CSS selector) and read the clipboard."""
    button = f"{block} button.stairway-copy"
    browser.click(button)
    browser.wait_until(f"document.querySelector({button!r}).textContent === 'Copied'")
    return browser.evaluate("navigator.clipboard.readText()")


def test_the_copy_button_copies_commands_without_prompts_or_output(
    browser: Chromium, address: str
) -> None:
    browser.allow_clipboard(address.rstrip("/"))
    lesson = STAGES[0].lesson.read_text(encoding="utf-8")
    page = browser.open(address + lesson_page(STAGES[0]))
    assert not page.problems
    session = first_block(lesson, "console")
    copied = copied_by_button(browser, ".highlight-console")
    assert copied == typed_in(session, r"\$ ")
    assert copied and "$ " not in copied and "INFO" not in copied
    example = first_block(lesson, "pycon")
    copied = copied_by_button(browser, ".stairway-code-runs .highlight-pycon")
    assert copied == typed_in(example, r"(>>>|\.\.\.)( |$)")
    assert copied and ">>>" not in copied

    exercise = browser.open(address + EXERCISE_PAGES[0])
    assert not exercise.problems
    shown = browser.evaluate("document.querySelector('.highlight-sh pre').innerText")
    assert copied_by_button(browser, ".highlight-sh") == shown.rstrip("\n")
