// The pickers of cxcoe/lib/pickers.py, made search boxes by Tom Select. Loaded (after Tom Select) only on pages
// whose form has one. Without this file they are a native select (units, indented by depth) and an email box or a
// textarea of addresses (people), and the form works the same: the values sent are the same.
//
// A unit picker (select[data-unit-picker]) searches the name, the code and the names above each unit ("Acme › Sales"
// for EMEA). A person picker (input or textarea[data-person-picker]) asks data-lookup-url as one types,
// shows "Name — address" and writes the address into the box, so the server reads what it reads without JavaScript;
// a whole address nobody matches can still be used as it is, as in the plain box.
(() => {
  const ADDRESS = /^[^\s@,;]+@[^\s@,;]+$/;

  // Each chosen item's remove button says what it does (Tom Select's own reads "×"); the keyboard uses Backspace.
  function removeButton(control) {
    const html = () => {
      const button = document.createElement("div");
      Object.assign(button, { className: "remove", title: control.dataset.removeLabel, tabIndex: -1, textContent: "×" });
      button.setAttribute("role", "button");
      button.setAttribute("aria-label", control.dataset.removeLabel);
      return button;
    };
    return { remove_button: { html } };
  }

  function unitSettings(select) {
    const nameFirst = [{ field: "name", weight: 3 }, { field: "code", weight: 2 }, { field: "above", weight: 1 }];
    // The option's text is the name indented for the native select: the search and the boxes want it bare.
    select.querySelectorAll("option[data-code]").forEach((option) => { option.dataset.name = option.textContent.trim(); });
    return {
      plugins: select.multiple ? removeButton(select) : [],
      allowEmptyOption: !select.multiple,  // "All units", "None (top level)": an empty choice stays a choice
      maxOptions: null,  // browsing shows the whole tree, not its first 50
      refreshThrottle: 0,  // filtering is quick; a late refresh would open the list (and take the focus) again
      searchField: nameFirst,
      sortField: [{ field: "$score" }, { field: "$order" }],
      render: {
        option(data, escape) {
          if (!data.code) return `<div>${escape(data.text)}</div>`;
          const depth = Math.min(Number(data.depth) || 0, 6);
          return `<div class="picker-unit picker-depth-${depth}">${escape(data.name)}`
            + (data.above ? `<small class="picker-above">${escape(data.above)}</small>` : "") + "</div>";
        },
        item(data, escape) {
          if (!data.code) return `<div>${escape(data.text)}</div>`;
          const place = data.above ? `${data.above} › ${data.name}` : data.name;
          return `<div title="${escape(place)}">${escape(data.name)} <small class="picker-code">${escape(data.code)}</small></div>`;
        },
        no_results: (data, escape) => `<div class="no-results">${escape(select.dataset.noResults)}</div>`,
      },
    };
  }

  function personLabel(data, escape) {
    if (!data.name) return `<div>${escape(data.email)}</div>`;
    return `<div>${escape(data.name)} <span class="picker-address">— ${escape(data.email)}</span></div>`;
  }

  function personSettings(box) {
    const many = box.dataset.personPicker === "many";
    return {
      plugins: removeButton(box),
      maxItems: many ? null : 1,
      delimiter: ",",
      dataAttr: "data-people",
      valueField: "email",
      labelField: "name",
      searchField: ["name", "email"],
      create: (input) => ({ email: input.trim().toLowerCase(), name: "" }),
      createFilter: (input) => ADDRESS.test(input.trim()),
      persist: false,
      refreshThrottle: 0,
      shouldLoad: (query) => query.trim().length >= 2,
      load(query, callback) {
        const url = `${box.dataset.lookupUrl}?q=${encodeURIComponent(query)}`;
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((answer) => callback(answer.results))
          .catch(() => callback());
      },
      render: {
        option: personLabel,
        item: personLabel,
        option_create: (data, escape) => `<div class="create">${escape(box.dataset.useAddress)} <strong>${escape(data.input)}</strong></div>`,
        no_results: (data, escape) => `<div class="no-results">${escape(box.dataset.noResults)}</div>`,
      },
    };
  }

  // htmx keeps a copy of the page for the Back button, Tom Select's box included: a restored copy is a plain
  // control again before it is made a picker, or it would get a second box.
  function unwrapCopy(control) {
    const copy = control.nextElementSibling;
    if (copy && copy.classList.contains("ts-wrapper")) copy.remove();
    control.classList.remove("tomselected", "ts-hidden-accessible");
    control.removeAttribute("tabindex");
    control.removeAttribute("aria-hidden");
    const label = document.querySelector(`label[for="${CSS.escape(control.id)}-ts-control"]`);
    if (label) label.htmlFor = control.id;
  }

  function enhance(control) {
    if (control.tomselect || typeof TomSelect === "undefined") return;
    if (control.classList.contains("tomselected")) unwrapCopy(control);
    const picker = new TomSelect(control, control.matches("[data-unit-picker]") ? unitSettings(control) : personSettings(control));
    // The search box takes the control's place: its label names the box now, and the error and the hint that the
    // form tied to the control (BootstrapFormMixin) describe it. The control, kept for the form, is not read out.
    for (const name of ["aria-describedby", "aria-invalid"]) {
      if (control.hasAttribute(name)) picker.control_input.setAttribute(name, control.getAttribute(name));
    }
    control.setAttribute("aria-hidden", "true");
  }

  function enhanceWithin(root) {
    root.querySelectorAll("[data-unit-picker], [data-person-picker]").forEach(enhance);
  }

  enhanceWithin(document);
  // Forms swapped in by htmx, and pages it restores from its history.
  document.addEventListener("htmx:load", (event) => enhanceWithin(event.detail.elt));
  document.addEventListener("htmx:historyRestore", () => enhanceWithin(document));
})();
