// Copy buttons: <button data-copy="ELEMENT_ID"> copies that element's text. Loaded as a file so
// the Content-Security-Policy can forbid inline script.
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source) return;
  try {
    // A read-only input (a one-time secret shown for selecting by hand) holds its text as a value.
    await navigator.clipboard.writeText((source instanceof HTMLInputElement ? source.value : source.textContent).trim());
    button.textContent = 'Copied';
    const announcer = document.getElementById('copy-announcer');
    if (announcer) announcer.textContent = button.getAttribute('data-copied') || 'Copied';
  } catch {
    if (source instanceof HTMLInputElement) source.select();
    else {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    button.textContent = 'Press Ctrl+C';
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 2000);
});

// Progressive enhancements; every page works without them.
document.addEventListener('DOMContentLoaded', () => {
  // File pickers exist only with JS: they read a metadata file into the textarea next to them.
  for (const element of document.querySelectorAll('.js-only')) element.hidden = false;
  for (const input of document.querySelectorAll('input[type=file][data-load-into]')) {
    input.addEventListener('change', async () => {
      const target = document.getElementById(input.getAttribute('data-load-into'));
      const file = input.files && input.files[0];
      if (target && file) target.value = await file.text();
    });
  }
  // The customer form: show only the IdP settings panel that the chosen source uses.
  const choices = document.querySelectorAll('input[data-source-choice]');
  const showChosenPanel = () => {
    const chosen = document.querySelector('input[data-source-choice]:checked');
    for (const panel of document.querySelectorAll('[data-source-panel]')) {
      panel.hidden = chosen ? panel.getAttribute('data-source-panel') !== chosen.value : false;
    }
  };
  for (const choice of choices) choice.addEventListener('change', showChosenPanel);
  if (choices.length > 0) showChosenPanel();
  // An application's sign-in link follows the chosen customer at once (without JS: Show link).
  for (const select of document.querySelectorAll('select[data-signin-link]')) {
    select.addEventListener('change', () => {
      const target = document.getElementById(select.getAttribute('data-signin-link'));
      const url = new URL(select.getAttribute('data-signin-base'));
      if (select.value) url.searchParams.set('idpid', select.value);
      if (target) target.textContent = url.toString();
    });
  }
});
