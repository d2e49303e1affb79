/* A copy button on every code block: it copies what a reader types, nothing else.
 *
 * A console session (```console, or lines starting with "$ ") gives its
 * commands without the "$ " and without what they printed; a Python
 * session (```pycon, or ">>> " lines) its ">>> " and "... " lines without
 * the prompts or the output; any other block is copied as it is shown.
 * A command continued with a trailing backslash keeps its next lines.
 */
(() => {
  "use strict";

  const CONSOLE = /^\$ /;
  const PYTHON = /^(>>>|\.\.\.)( |$)/;

  function languageOf(block) {
    const found = /\bhighlight-([\w-]+)/.exec(block.className);
    return found ? found[1] : "";
  }

  function promptOf(lines, language) {
    if (language === "console" || lines.some((line) => CONSOLE.test(line))) return CONSOLE;
    if (language === "pycon" || lines.some((line) => line.startsWith(">>> "))) return PYTHON;
    return null;
  }

  /* What a reader types to run ``text``, a block in ``language``. */
  function typedIn(text, language) {
    const lines = text.replace(/\n$/, "").split("\n");
    const prompt = promptOf(lines, language);
    if (prompt === null) return lines.join("\n");
    const typed = [];
    let continued = false;
    for (const line of lines) {
      if (prompt.test(line)) {
        typed.push(line.replace(prompt, ""));
      } else if (continued) {
        typed.push(line);
      } else {
        continue; // output
      }
      continued = line.endsWith("\\");
    }
    return typed.join("\n");
  }

  /* The clipboard API needs a secure context; a page opened from a file falls back. */
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("the browser refused to copy"));
  }

  function addButton(block) {
    const pre = block.querySelector("pre");
    if (pre === null || block.querySelector(":scope > .stairway-copy")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "stairway-copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy the code");
    button.addEventListener("click", () => {
      const text = typedIn(pre.innerText, languageOf(block.parentElement || block));
      copy(text).then(
        () => say(button, "Copied"),
        () => say(button, "Select and copy by hand"),
      );
    });
    block.appendChild(button);
  }

  function say(button, words) {
    button.textContent = words;
    button.classList.add("stairway-copy-done");
    setTimeout(() => {
      button.textContent = "Copy";
      button.classList.remove("stairway-copy-done");
    }, 2000);
  }

  // for the site's browser test: what a block's button copies
  window.stairwayTypedIn = typedIn;

  function addButtons() {
    document.querySelectorAll("div.highlight").forEach(addButton);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addButtons);
  } else {
    addButtons();
  }
})();
