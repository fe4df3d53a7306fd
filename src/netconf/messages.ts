/**
 * The NETCONF messages the client writes and the few parts of replies it reads itself (RFC 6241):
 * hellos, the rpc envelope, an rpc-reply's message-id and its `<rpc-error>`s. Pure.
 */
import { DecodeError } from '../errors';
import { childElements, parseNetconfXml, type XmlElement } from './xml';

export const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const BASE_10 = 'urn:ietf:params:netconf:base:1.0';
export const BASE_11 = 'urn:ietf:params:netconf:base:1.1';

/** Ours: both base versions, so a base:1.1 server switches to chunked framing. */
export const CLIENT_HELLO =
  `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${BASE_NS}"><capabilities>` +
  `<capability>${BASE_10}</capability><capability>${BASE_11}</capability></capabilities></hello>`;

export function rpcMessage(messageId: string, body: string): string {
  return `<rpc message-id="${messageId}" xmlns="${BASE_NS}">${body}</rpc>`;
}

export interface ServerHello {
  capabilities: string[];
  sessionId: string | null;
}

/** The server's hello; a DecodeError says what is wrong with it. */
export function parseServerHello(message: string): ServerHello {
  const format = 'NETCONF <hello>';
  const root = parseNetconfXml(message, format);
  if (root.name !== 'hello' || root.ns !== BASE_NS) {
    throw new DecodeError(format, `expected <hello> in ${BASE_NS}, got <${root.name}>`);
  }
  const capabilities = childElements(root, 'capabilities')
    .flatMap((list) => childElements(list, 'capability'))
    .map((capability) => capability.text.trim());
  if (!capabilities.includes(BASE_10) && !capabilities.includes(BASE_11)) {
    throw new DecodeError(format, `it offers neither ${BASE_10} nor ${BASE_11}`);
  }
  const [sessionId] = childElements(root, 'session-id');
  return { capabilities, sessionId: sessionId ? sessionId.text.trim() : null };
}

/**
 * A comment's body cannot run past its first `-->`: each character has one way to match, so
 * many leading comments cost linear time instead of backtracking across them.
 */
const REPLY_START =
  /^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--(?:[^-]|-(?!->))*-->\s*)*<(?:[A-Za-z_][\w.-]*:)?rpc-reply\b([^>]*)>/;
const MESSAGE_ID = /(?:^|\s)message-id\s*=\s*(?:"([^"]*)"|'([^']*)')/;

/**
 * The message-id of an `<rpc-reply>` (any prefix, either quote), read from its start tag without
 * parsing a reply that may be megabytes long. Null for anything else (a notification).
 */
export function replyMessageId(message: string): string | null {
  const start = REPLY_START.exec(message);
  const attribute = start ? MESSAGE_ID.exec(start[1] ?? '') : null;
  return attribute ? (attribute[1] ?? attribute[2] ?? null) : null;
}

/** One `<rpc-error>` of a reply (RFC 6241 §4.3). */
export interface RpcErrorInfo {
  type: string | null;
  tag: string;
  severity: string;
  message: string | null;
  path: string | null;
}

/**
 * The `<rpc-error>`s of a reply, parsed only when it has any (most replies are data and are left
 * to the decoders). A DecodeError when the reply does not parse.
 */
export function parseRpcErrors(message: string): RpcErrorInfo[] {
  if (!/<(?:[\w.-]+:)?rpc-error\b/.test(message)) return [];
  const root = parseNetconfXml(message, 'NETCONF <rpc-reply>');
  if (root.name !== 'rpc-reply' || root.ns !== BASE_NS) return [];
  return childElements(root, 'rpc-error').map((error) => ({
    type: leafText(error, 'error-type'),
    tag: leafText(error, 'error-tag') ?? 'unknown',
    severity: leafText(error, 'error-severity') ?? 'error',
    message: leafText(error, 'error-message'),
    path: leafText(error, 'error-path'),
  }));
}

function leafText(parent: XmlElement, name: string): string | null {
  const text = childElements(parent, name)[0]?.text.trim();
  return text ? text : null;
}
