/**
 * NETCONF XML → a small namespace-aware element tree, and typed readers for YANG leaves, so the
 * decoders never touch fast-xml-parser's untyped output. The only file that imports the parser.
 *
 * Namespaces are resolved here rather than stripped: fast-xml-parser's `removeNSPrefix` drops
 * every `xmlns` declaration (the default one too), and a server may write `<oc-if:interfaces
 * xmlns:oc-if=…>` as well as `<interfaces xmlns=…>`; both must come out as the same
 * openconfig-interfaces node, and neither may pass for ietf-interfaces. Every element keeps its
 * children as a list (document order), so a YANG list with one entry needs no `isArray` table.
 *
 * What a hostile or broken reply can do, and what stops it:
 * - a DOCTYPE with entity definitions (billion laughs, external entities that read files): any
 *   DOCTYPE or ENTITY declaration is refused before parsing; NETCONF forbids them (RFC 6241
 *   §3.2), and only the five predefined entities and character references are decoded;
 * - truncated or malformed XML: the validator rejects it, with the line, before it is parsed
 *   (the parser alone would return whatever it had read so far);
 * - deep nesting: more than MAX_DEPTH levels is refused (the parser's own guard);
 * - sheer size: more than MAX_XML_CHARS is refused unread (both passes are linear in the size);
 * - `__proto__`-style element names: refused by the parser; names never become object keys here;
 * - elements or namespaces we do not know: ignored, never mistaken for ours (leaves are matched by
 *   name and namespace);
 * - values outside the YANG type: DecodeError naming the element path; 64-bit numbers are read
 *   as bigint, never through Number.
 * Every failure is a DecodeError; nothing here throws anything else or loops on input.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DecodeError } from '../errors';

/**
 * The largest reply parsed, in characters. 3,000 openconfig interfaces with their counters are
 * 3.5 MB and take ~0.4 s to parse and decode; this bounds a reply at a few seconds of work.
 */
export const MAX_XML_CHARS = 16 * 1024 * 1024;
/** Element nesting limit; YANG data of the modules read here is under 15 deep. */
export const MAX_DEPTH = 100;
export const UINT64_MAX = 2n ** 64n - 1n;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const DEFAULT_FORMAT = 'NETCONF XML';

/** One element with its namespace resolved. */
export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI, or null for an element in no namespace. */
  readonly ns: string | null;
  /** Attributes by their name as written (`message-id`, `or:origin`); xmlns declarations left out. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Character data directly inside this element (CDATA included), entities decoded, untrimmed. */
  readonly text: string;
  /** Where it sits, for messages: `/rpc-reply/data/interfaces/interface[2]/name`. */
  readonly path: string;
  /** Prefix → namespace in scope here ('' is the default namespace), for identityref values. */
  readonly prefixes: ReadonlyMap<string, string | null>;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&([^;&\s<]{0,32});|&/g;

/**
 * The five predefined entities and character references (XML 1.0 §4.1, §4.6), nothing else.
 * fast-xml-parser 5.12 leaves `&#65;` undecoded by default; this replaces its decoder.
 */
function decodeEntities(text: string): string {
  return text.replace(REFERENCE, (whole: string, ref: string | undefined) => {
    if (ref === undefined) throw new Error('a bare "&" is not allowed in XML text');
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const code = /^#x[0-9a-f]+$/i.test(ref)
      ? parseInt(ref.slice(2), 16)
      : /^#[0-9]+$/.test(ref)
        ? parseInt(ref.slice(1), 10)
        : NaN;
    if (Number.isNaN(code)) throw new Error(`undeclared entity ${whole}`);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new Error(`character reference ${whole} is not a character`);
    }
    return String.fromCodePoint(code);
  });
}

const ENTITY_DECODER = {
  decode: decodeEntities,
  reset: (): void => undefined,
  setXmlVersion: (): void => undefined,
  setExternalEntities: (): void => undefined,
  addInputEntities: (entities: Record<string, string>): void => {
    if (Object.keys(entities).length > 0) throw new Error('entity declarations are not accepted');
  },
};

const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  entityDecoder: ENTITY_DECODER,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_DEPTH,
});

/**
 * Parses one XML document (a NETCONF message without its framing) into its root element.
 * `format` names the input in DecodeErrors, e.g. "NETCONF reply from 198.18.1.2:830".
 */
export function parseNetconfXml(text: string, format = DEFAULT_FORMAT): XmlElement {
  if (text.length > MAX_XML_CHARS) {
    throw new DecodeError(format, `${text.length} characters is more than ${MAX_XML_CHARS}`);
  }
  const declaration = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (declaration) {
    throw new DecodeError(
      format,
      `a <!${declaration[1]}> declaration is not allowed in NETCONF (RFC 6241 §3.2)`,
      lineAt(text, declaration.index),
    );
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const open = unclosedTags(valid.err.msg);
    if (open) {
      throw new DecodeError(
        format,
        `not well-formed XML: it ends with <${open.join('/')}> still open (truncated?)`,
        lineAt(text, text.length),
      );
    }
    throw new DecodeError(format, `not well-formed XML: ${valid.err.msg}`, valid.err.line);
  }
  let nodes: unknown;
  try {
    nodes = PARSER.parse(text);
  } catch (err) {
    throw new DecodeError(format, err instanceof Error ? err.message : String(err));
  }
  const roots = asNodeList(nodes, format).filter((node) => !isText(node));
  const [root] = roots;
  if (roots.length !== 1 || root === undefined) {
    throw new DecodeError(format, `expected one root element, found ${roots.length}`);
  }
  return toElement(root, new Map([['xml', XML_NS]]), '', format);
}

/** fast-xml-parser's validator reports tags left open at the end as `Invalid '[ "a", "b" ]' found.` */
function unclosedTags(message: string): string[] | null {
  const listed = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(message)?.[1];
  if (listed === undefined) return null;
  try {
    const tags: unknown = JSON.parse(listed);
    return Array.isArray(tags) && tags.length > 0 ? tags.map(String) : null;
  } catch {
    return null;
  }
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/* ---- fast-xml-parser's preserveOrder output: [{ tag: [children], ':@': {attrs} } | { '#text': s }] */

type RawNode = Record<string, unknown>;

function asNodeList(value: unknown, format: string): RawNode[] {
  if (!Array.isArray(value)) throw new DecodeError(format, 'parser returned no node list');
  return value.map((node: unknown) => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      throw new DecodeError(format, 'parser returned a node that is not an object');
    }
    return node as RawNode;
  });
}

function isText(node: RawNode): boolean {
  return Object.prototype.hasOwnProperty.call(node, '#text');
}

function tagOf(node: RawNode): string {
  const tag = Object.keys(node).find((key) => key !== ':@');
  return tag ?? '';
}

function toElement(
  node: RawNode,
  parentScope: ReadonlyMap<string, string | null>,
  parentPath: string,
  format: string,
  position = '',
): XmlElement {
  const qname = tagOf(node);
  const rawAttributes = node[':@'];
  const attributes = new Map<string, string>();
  const declared = new Map<string, string | null>();
  if (typeof rawAttributes === 'object' && rawAttributes !== null) {
    for (const [key, value] of Object.entries(rawAttributes)) {
      const text = String(value);
      if (key === 'xmlns') declared.set('', text || null);
      else if (key.startsWith('xmlns:')) declared.set(key.slice(6), text || null);
      else attributes.set(key, text);
    }
  }
  // most elements declare nothing and share their parent's scope
  const scope = declared.size === 0 ? parentScope : new Map([...parentScope, ...declared]);
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const name = colon === -1 ? qname : qname.slice(colon + 1);
  const path = `${parentPath}/${name}${position}`;
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') {
    throw new DecodeError(format, `${path}: namespace prefix "${prefix}" is not declared`);
  }
  const rawChildren = asNodeList(node[qname], format);
  const texts: string[] = [];
  const elements = rawChildren.filter((child) => {
    if (!isText(child)) return true;
    texts.push(String(child['#text']));
    return false;
  });
  const counts = new Map<string, number>();
  for (const child of elements) counts.set(tagOf(child), (counts.get(tagOf(child)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const children = elements.map((child) => {
    const tag = tagOf(child);
    const nth = (seen.get(tag) ?? 0) + 1;
    seen.set(tag, nth);
    return toElement(child, scope, path, format, (counts.get(tag) ?? 0) > 1 ? `[${nth}]` : '');
  });
  return {
    name,
    ns: ns ?? null,
    attributes,
    children,
    text: texts.join(''),
    path,
    prefixes: scope,
  };
}

/* ---- Finding elements ---- */

/** Every child named `name` in namespace `ns` (by default the parent's): a YANG list's entries. */
export function childElements(
  parent: XmlElement,
  name: string,
  ns: string | null = parent.ns,
): XmlElement[] {
  return parent.children.filter((child) => child.name === name && child.ns === ns);
}

/** Module namespaces of the children, for messages about data that was not understood. */
export function describeChildren(parent: XmlElement): string {
  const names = parent.children.map((child) => `<${child.name}> (${child.ns ?? 'no namespace'})`);
  return names.length === 0 ? 'nothing' : [...new Set(names)].join(', ');
}

/* ---- Typed leaf readers ---- */

/** A YANG identityref value: `ianaift:ethernetCsmacd` → name and the namespace of its prefix. */
export interface Identity {
  name: string;
  /** Null when the prefix (or, without one, the default namespace) is not declared in scope. */
  ns: string | null;
}

/**
 * Readers of one container's leaves, each returning null when the leaf is absent and throwing
 * DecodeError (in `format`, naming the element path) when it is there but not of its YANG type.
 * A container or leaf given twice is an error: which one holds is unknown.
 */
export interface LeafReader {
  /** A container (or any single child element). */
  element(parent: XmlElement, name: string, ns?: string | null): XmlElement | null;
  /** A string leaf, exactly as sent. */
  string(parent: XmlElement, name: string, ns?: string | null): string | null;
  /** Every value of a leaf-list, in order, trimmed. */
  list(parent: XmlElement, name: string, ns?: string | null): string[];
  enumeration<T extends string>(
    parent: XmlElement,
    name: string,
    values: readonly T[],
    ns?: string | null,
  ): T | null;
  boolean(parent: XmlElement, name: string, ns?: string | null): boolean | null;
  /** An unsigned integer up to `max` (uint8…uint64, counter64, gauge64), exact. */
  unsigned(parent: XmlElement, name: string, max: bigint, ns?: string | null): bigint | null;
  identity(parent: XmlElement, name: string, ns?: string | null): Identity | null;
  /** Every value of a leaf-list of identityrefs, in order. */
  identities(parent: XmlElement, name: string, ns?: string | null): Identity[];
  /** The DecodeError this reader would throw, for a decoder's own checks. */
  error(element: XmlElement, message: string): DecodeError;
}

export function leafReader(format: string): LeafReader {
  const error = (element: XmlElement, message: string): DecodeError =>
    new DecodeError(format, `${element.path}: ${message}`);
  const element = (
    parent: XmlElement,
    name: string,
    ns: string | null = parent.ns,
  ): XmlElement | null => {
    const found = childElements(parent, name, ns);
    if (found.length > 1) throw error(parent, `<${name}> appears ${found.length} times`);
    return found[0] ?? null;
  };
  const leafText = (leaf: XmlElement): string => {
    if (leaf.children.length > 0) throw error(leaf, 'expected a value, found elements');
    return leaf.text;
  };
  const identityOf = (leaf: XmlElement): Identity => {
    const value = leafText(leaf).trim();
    const match = /^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)$/.exec(value);
    if (!match || match[2] === undefined) {
      throw error(leaf, `${JSON.stringify(value)} is not an identity`);
    }
    // RFC 7950 §9.10.3: without a prefix, the default namespace in effect on the leaf
    return { name: match[2], ns: leaf.prefixes.get(match[1] ?? '') ?? null };
  };
  const token = (
    parent: XmlElement,
    name: string,
    ns?: string | null,
  ): [XmlElement, string] | null => {
    const leaf = element(parent, name, ns);
    return leaf ? [leaf, leafText(leaf).trim()] : null;
  };
  return {
    element,
    error,
    string(parent, name, ns) {
      const leaf = element(parent, name, ns);
      return leaf ? leafText(leaf) : null;
    },
    list(parent, name, ns = parent.ns) {
      return childElements(parent, name, ns).map((leaf) => leafText(leaf).trim());
    },
    enumeration(parent, name, values, ns) {
      const found = token(parent, name, ns);
      if (!found) return null;
      const [leaf, value] = found;
      const known = values.find((candidate) => candidate === value);
      if (known === undefined) {
        throw error(leaf, `${JSON.stringify(value)} is not one of ${values.join(', ')}`);
      }
      return known;
    },
    boolean(parent, name, ns) {
      const found = token(parent, name, ns);
      if (!found) return null;
      const [leaf, value] = found;
      if (value !== 'true' && value !== 'false') {
        throw error(leaf, `${JSON.stringify(value)} is not a boolean (true or false)`);
      }
      return value === 'true';
    },
    unsigned(parent, name, max, ns) {
      const found = token(parent, name, ns);
      if (!found) return null;
      const [leaf, value] = found;
      if (!/^\+?[0-9]{1,30}$/.test(value)) {
        throw error(leaf, `${JSON.stringify(value)} is not an unsigned integer`);
      }
      const number = BigInt(value.replace('+', ''));
      if (number > max) throw error(leaf, `${value} is above its maximum ${max}`);
      return number;
    },
    identity(parent, name, ns) {
      const leaf = element(parent, name, ns);
      return leaf ? identityOf(leaf) : null;
    },
    identities(parent, name, ns = parent.ns) {
      return childElements(parent, name, ns).map(identityOf);
    },
  };
}

/** Bigint → number when it is exactly representable; null otherwise (the model holds numbers). */
export function exactNumber(value: bigint | null): number | null {
  if (value === null || value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}
