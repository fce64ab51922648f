// Errors are shown until dismissed; notices fade after a few seconds.

const MAX_ALERTS = 3;

function box(id) {
  return document.getElementById(id);
}

/** Words for any error: ApiError and network errors carry a message meant for people. */
export function describe(error) {
  const text = error && typeof error.message === 'string' && error.message
    ? error.message : String(error ?? 'Something went wrong');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Show an error banner (same text twice is shown once). */
export function showError(error) {
  const text = describe(error);
  const alerts = box('alerts');
  for (const existing of alerts.children) {
    if (existing.dataset.text === text) return;
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  const item = document.createElement('div');
  item.className = 'alert';
  item.dataset.text = text;
  const words = document.createElement('span');
  words.textContent = text;
  item.append(words, close);
  close.addEventListener('click', () => item.remove());
  alerts.append(item);
  while (alerts.children.length > MAX_ALERTS) alerts.firstElementChild.remove();
}

/** Remove every error banner (on navigation). */
export function clearErrors() {
  box('alerts').replaceChildren();
}

/** A short-lived notice. */
export function notify(text, ms = 5000) {
  const item = document.createElement('div');
  item.className = 'notice';
  item.textContent = text;
  box('notices').append(item);
  setTimeout(() => item.remove(), ms);
}
