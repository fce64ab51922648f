// DOM building without parsing HTML: every string from the server lands in a text node or an
// attribute, never in markup.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'required', 'selected']);

/** Create an element: h('a', {href, class, onclick}, 'text', childNode, [more]). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Append children (nodes or strings, nested arrays allowed; null/false skipped). */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Only http(s) links from the server become clickable. */
export function safeUrl(url) {
  try {
    const parsed = new URL(String(url), location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

// The platforms this cahts knows, with label, colour and icon, from GET /api/platforms/catalog
// (the adapters); loaded once after sign-in by loadPlatforms().
export const PLATFORMS = new Map();

/** Fill PLATFORMS from the server's catalogue (once). */
export async function loadPlatforms(get) {
  if (PLATFORMS.size) return;
  const { items } = await get('/api/platforms/catalog');
  for (const item of items) PLATFORMS.set(item.name, item);
}

const ICON_PATH = /^\/(?:static\/icons|api\/platforms\/[a-z0-9_-]+)\/?[a-z0-9_.-]*\.svg$/;

/** A platform's icon: the catalogue's picture (a same-origin path), else the unknown one. */
export function platformIcon(platform, size = 20) {
  const known = PLATFORMS.get(platform);
  const src = known && ICON_PATH.test(known.icon_url) ? known.icon_url : '/static/icons/unknown.svg';
  return h('img', {
    class: 'platform-icon',
    src,
    alt: known?.label ?? 'Other platform',
    title: known?.label ?? String(platform ?? 'unknown'),
    width: size,
    height: size,
  });
}

export function platformName(platform) {
  return PLATFORMS.get(platform)?.label ?? String(platform ?? 'unknown');
}

export function platformColor(platform) {
  return PLATFORMS.get(platform)?.color ?? '#888888';
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then a date. */
export function ago(iso) {
  if (!iso) return 'never';
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (seconds < 0) return `in ${until(iso)}`;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  if (seconds < 2 * 86400) return 'yesterday';
  if (seconds < 7 * 86400) return `${Math.floor(seconds / 86400)} days ago`;
  return new Date(iso).toLocaleDateString();
}

/** How long until a moment: "40 min", "5 h", "12 days". */
export function until(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

/** A message's time: "14:05" today, else "3 Mar 14:05". */
export function clock(iso) {
  if (!iso) return '';
  const when = new Date(iso);
  const time = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (when.toDateString() === new Date().toDateString()) return time;
  return `${when.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

/** Seconds as words: "45 s", "12 min", "3.5 h"; "—" when unknown. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
