"""The Sphinx extension that turns the README, the lessons and the exercises into a site.

It adds, without copying or changing a file:

- the README's sections on the tutorial, how-to, reference and explanation
  pages of ``docs/guide/``, and each exercise's task on its page in
  ``docs/exercises/`` (:mod:`.pages`);
- the stairway: every lesson in the sidebar, in stage order (:mod:`.navigation`);
- on each lesson page: the stage's ER diagram as an SVG drawn from its
  models, what the stage changed, the runnable examples told apart from the
  era's quoted code, and links to the stage's revision, models and golden
  SQL (:mod:`.lessons`);
- the API reference's directives, each documenting what a reader calls
  from the code itself: ``op.*`` operations, the ``stairway check``
  command's options, the pytest plugin's ini options (:mod:`.api`);
- a copy button on every code block that copies what a reader types: a
  session's commands without their prompts or output
  (``_static/stairway-copy.js``);
- a highlighted page for each of those files and for every repository file
  the README or a lesson links to (:mod:`.sources`).

``docs/conf.py`` turns it on; ``invoke docs`` builds the site.
"""

from sphinx.application import Sphinx

from stairway_site import api, console, lessons, navigation, pages, sources


def setup(app: Sphinx) -> dict:
    app.add_config_value("stairway_guide_pages", [], "env", list)
    app.add_config_value("stairway_more_pages", [], "env", list)
    app.connect("source-read", navigation.add_stairway)
    app.connect("build-finished", navigation.write_home_redirect)
    pages.setup(app)
    api.setup(app)
    lessons.setup(app)
    console.setup(app)
    sources.setup(app)
    app.add_css_file("stairway.css")
    app.add_js_file("stairway-copy.js", defer="defer")
    return {"parallel_read_safe": False, "parallel_write_safe": True, "env_version": 1}
