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
