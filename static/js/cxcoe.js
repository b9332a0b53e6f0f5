// Small enhancements. Every page works without them.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

// The error summary of a form sent back with errors (partials/_form_errors.html) takes the focus when the page
// loads, so that a keyboard is one Tab from the first link and a screen reader reads what went wrong.
const errorSummary = document.querySelector("[data-error-summary]");
if (errorSummary) errorSummary.focus();

// A summary link focuses its field and scrolls its label into view too (the browser's own jump to #id_field
// would put the field at the very top of the window, its label above it and out of sight).
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!field) return;
  event.preventDefault();
  // A picker (static/js/pickers.js) hides its field behind a search box, which its label now names.
  const control = field.tomselect ? field.tomselect.control_input : field;
  const fieldset = field.closest("fieldset");
  const label = document.querySelector(`label[for="${CSS.escape(control.id)}"]`) || (fieldset && fieldset.querySelector("legend"));
  (label || control).scrollIntoView({ block: "start" });
  control.focus({ preventScroll: true });
});

// After an in-place (htmx) change, the focus is not lost and what the change says is read out.
//
// When the focus was inside what the swap replaced (the button just pressed), it moves to the new content: its
// error summary, else an element marked with an empty data-focus-after-swap, else its message (elements marked
// data-announce, or role="status"), else the new content itself; a screen reader reads what takes the focus. A
// data-focus-after-swap="selector" on the element that made the request says where the focus goes instead ("Mark
// as read" moves it to its row's link). A focus elsewhere (in the search box of a live filter) stays where it is.
//
// Messages the focus did not move to (a filtered list's "4 people match", an import's new status) go into the
// page's live region (#live-region in base.html), which is there from the start and empty: a status that arrives
// already filled, as swapped content does, is often not read. Such a role="status" box then stops being a live
// region itself, so that nothing is read twice.
const focusWasInside = new WeakMap();
const settled = new WeakSet();
const MESSAGE = "[data-announce], [role='status']";
const NATIVELY_FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

document.addEventListener("htmx:beforeRequest", (event) => {
  const { target, xhr } = event.detail;
  const focused = document.activeElement;
  focusWasInside.set(xhr, Boolean(target && focused && focused !== document.body && target.contains(focused)));
});

function swappedContent(detail) {
  const target = detail.target;
  if (target && target.isConnected) return target;
  // An outerHTML swap replaced the target: its successor carries the same id.
  return (target && target.id && document.getElementById(target.id)) || null;
}

function spokenText(element) {
  const copy = element.cloneNode(true);
  copy.querySelectorAll("[aria-hidden='true']").forEach((hidden) => hidden.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

function announce(text) {
  const region = document.getElementById("live-region");
  if (!region || !text || region.textContent === text) return;  // a poll that brings the same status says nothing
  region.textContent = "";
  // Filled in a later task, so that screen readers notice a change rather than one text replacing another.
  setTimeout(() => { region.textContent = text; }, 50);
}

function focusOn(element) {
  if (!element.matches(NATIVELY_FOCUSABLE)) element.setAttribute("tabindex", "-1");
  element.focus();
}

function focusIsLost() {
  const focused = document.activeElement;
  return !focused || focused === document.body || !focused.isConnected;
}

document.addEventListener("htmx:afterSettle", (event) => {
  const detail = event.detail;
  // htmx sends this event once for each element it settled (out-of-band ones too): act once per request.
  if (!detail.xhr || settled.has(detail.xhr)) return;
  settled.add(detail.xhr);
  const content = swappedContent(detail);
  const source = detail.requestConfig && detail.requestConfig.elt;  // the form, often detached by now
  const selector = source && source.dataset && source.dataset.focusAfterSwap;
  if (!content) {
    const next = selector && document.querySelector(selector);
    if (next) next.focus();
    return;
  }
  const found = [...content.querySelectorAll(MESSAGE)];
  if (content.matches(MESSAGE)) found.unshift(content);
  const messages = found.filter((element) => !found.some((other) => other !== element && other.contains(element)));

  let next = selector ? document.querySelector(selector) : null;
  if (!next && focusWasInside.get(detail.xhr) && focusIsLost()) {
    next = content.querySelector("[data-error-summary]") || content.querySelector("[data-focus-after-swap='']")
      || messages[0] || content;
  }
  const unread = messages.filter((element) => !next || !(next.contains(element) || element.contains(next)));
  announce(unread.map(spokenText).filter(Boolean).join(" "));
  unread.forEach((element) => { if (element.getAttribute("role") === "status") element.removeAttribute("role"); });
  if (next) focusOn(next);
});

// Controls that only work with JavaScript (a copy button) stay hidden without it.
document.querySelectorAll("[data-needs-js]").forEach((element) => { element.hidden = false; });

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-from]");
  const field = button && document.getElementById(button.dataset.copyFrom);
  if (!field || !navigator.clipboard) return;
  navigator.clipboard.writeText(field.value).then(() => { button.textContent = button.dataset.copiedLabel; });
});

// A form that must act once (sending a communication) disables its button when submitted; the server refuses
// a second send anyway, this only spares the person the error page after a double click.
document.addEventListener("submit", (event) => {
  if (!event.target.matches("[data-submit-once]")) return;
  event.target.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = true; });
});

// The Markdown editor (partials/_markdown_editor.html). Its Preview button is a submit button for pages without
// JavaScript; here it asks the server (htmx) for the text as it will be shown, and the answer replaces the text box
// until Write brings the box back, the text as it was. As a plain button it is no longer what Enter in a field sends.
function showMarkdownPreview(editor, previewing) {
  editor.querySelector("textarea").hidden = previewing;
  editor.querySelector(".markdown-hint").hidden = previewing;
  editor.querySelector(".markdown-preview").hidden = !previewing;
  editor.querySelectorAll("[data-markdown-write], [data-markdown-preview]").forEach((tab) => {
    const pressed = tab.matches("[data-markdown-preview]") === previewing;
    tab.setAttribute("aria-pressed", String(pressed));
    tab.classList.toggle("active", pressed);
  });
}

if (window.htmx) {
  document.querySelectorAll("[data-markdown-preview]").forEach((button) => {
    button.type = "button";
    button.setAttribute("aria-pressed", "false");
  });
}

document.addEventListener("click", (event) => {
  const write = event.target.closest("[data-markdown-write]");
  const editor = write && write.closest("[data-markdown-editor]");
  if (!editor) return;
  showMarkdownPreview(editor, false);
  document.getElementById("live-region").textContent = "";  // so that the next preview is read out again
  editor.querySelector("textarea").focus();
});

// An in-place request that fails (the server answers an error, or doesn't answer) says so at the top of the page,
// as an alert, rather than leaving the button to do nothing. Answers an element swaps in anyway (the Markdown
// preview's 413) are not failures.
function sayRequestFailed(event) {
  if (event.detail.xhr && event.detail.xhr.status === 413) return;
  const main = document.getElementById("main");
  if (!main || main.querySelector("[data-request-failed-alert]")) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.dataset.requestFailedAlert = "";
  alert.textContent = main.dataset.requestFailed;
  document.getElementById("live-region").after(alert);
}
document.addEventListener("htmx:responseError", sayRequestFailed);
document.addEventListener("htmx:sendError", sayRequestFailed);

// Too long a text is answered 413 with the reason, which shows in the preview like any answer.
document.addEventListener("htmx:beforeSwap", (event) => {
  const editor = event.detail.target && event.detail.target.closest("[data-markdown-editor]");
  if (editor && event.detail.xhr.status === 413) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:afterSettle", (event) => {
  const editor = event.detail.target && event.detail.target.closest("[data-markdown-editor]");
  if (!editor) return;
  showMarkdownPreview(editor, true);
  announce(editor.dataset.previewShown);
});
