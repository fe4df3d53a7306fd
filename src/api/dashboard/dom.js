/*
 * Building and placing elements. Every text goes in as a text node, never as markup, so nothing
 * the API says can become part of the page's code.
 */

export const SVG_NS = 'http://www.w3.org/2000/svg';
/** How long a card or event stays highlighted after it changed. */
const HIGHLIGHT_MS = 8000;

export const byId = (id) => document.getElementById(id);

/** An HTML element: `h('span', { class: 'x' }, 'text', child)`; null, undefined and false are left out. */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, as `h`. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Puts `items` (elements) into `list` in this order, moving only those out of place. */
export function arrange(list, items) {
  items.forEach((item, index) => {
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
  });
  while (list.children.length > items.length) list.lastElementChild.remove();
}

export function highlight(el) {
  el.classList.remove('changed');
  void el.offsetWidth; // restart the animation
  el.classList.add('changed');
  setTimeout(() => el.classList.remove('changed'), HIGHLIGHT_MS);
}
