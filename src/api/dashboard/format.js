/* Times, durations and the small labelled pieces (badges, chips) every part of the page uses. */
import { h } from './dom.js';

export function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

export function ago(iso, now) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** A time that keeps saying how long ago it was (see refreshTimes). */
export function timeAgo(iso, prefix) {
  return h('time', {
    datetime: iso,
    'data-ago': iso,
    'data-prefix': prefix || '',
    title: new Date(iso).toString(),
  });
}

/** Brings every `timeAgo` on the page up to date; the page calls it every second. */
export function refreshTimes() {
  const now = Date.now();
  for (const el of document.querySelectorAll('time[data-ago]')) {
    const text = `${el.dataset.prefix}${ago(el.dataset.ago, now)}`;
    if (el.textContent !== text) el.textContent = text;
  }
}

export function duration(ms) {
  if (ms === null || ms === undefined) return null;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function badge(status, big) {
  return h('span', { class: big ? 'badge badge-big' : 'badge', 'data-status': status }, status);
}

export function chip(text, tone, title) {
  return h('span', { class: 'chip', 'data-tone': tone, title }, text);
}
