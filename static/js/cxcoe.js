// Small enhancements. Every page works without them.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
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
