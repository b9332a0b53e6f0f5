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
  const fieldset = field.closest("fieldset");
  const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`) || (fieldset && fieldset.querySelector("legend"));
  (label || field).scrollIntoView({ block: "start" });
  field.focus({ preventScroll: true });
});

// "Mark as read" replaces its row; keep keyboard focus on that row rather than losing it to the page.
document.addEventListener("htmx:afterSettle", (event) => {
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;  // the form, now detached
  const selector = source && source.dataset && source.dataset.focusAfterSwap;
  const next = selector && document.querySelector(selector);
  if (next) next.focus();
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
