// Small DOM helpers shared by every part of the page. Product text is data: it only ever goes in as text nodes.

export const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
};

/** Build an element. props: className, text, dataset, attrs, on{event}; children: nodes or strings (as text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) node.setAttribute(name, String(v));
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const fmt = {
  // Rounds tiny negatives (float noise around a distance of 0) to 0 rather than showing "-0.0000".
  num: (value, digits) => {
    const text = Number(value).toFixed(digits);
    return Number(text) === 0 ? (0).toFixed(digits) : text;
  },
  price: (value) => Number(value).toFixed(2),
  ms: (value) => `${Number(value).toFixed(1)} ms`,
  weight: (value) => (Number.isInteger(value) ? String(value) : Number(value).toFixed(1)),
  time: (date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }),
};

export function productLine(p) {
  return `${p.brand} · ${p.category} · ${fmt.price(p.price)} · ★ ${fmt.num(p.rating, 1)}`;
}

export function setBusy(button, busy, busyLabel) {
  if (busy) {
    button.dataset.label = button.textContent;
    button.textContent = busyLabel;
    button.disabled = true;
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.disabled = false;
  }
}

let toastTimer = 0;

/** A short note at the bottom of the screen, for actions whose effect is in a panel that may be scrolled away. */
export function toast(message) {
  const node = $("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, 3500);
}

export function hideToast() {
  clearTimeout(toastTimer);
  $("toast").hidden = true;
}

export function flash(button, label) {
  const original = button.dataset.label || button.textContent;
  button.textContent = label;
  button.classList.add("done");
  setTimeout(() => {
    button.textContent = original;
    button.classList.remove("done");
  }, 1200);
}
