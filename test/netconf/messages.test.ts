/**
 * src/netconf/messages.ts: the parts of a message the client reads without the XML parser.
 */
import { describe, expect, it } from 'vitest';
import { replyMessageId } from '../../src/netconf/messages';

const NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

describe('replyMessageId', () => {
  it('reads the message-id after a declaration and comments, with any prefix and quote', () => {
    expect(
      replyMessageId(
        `<?xml version="1.0"?>\n<!-- a -- b --><rpc-reply message-id="7" xmlns="${NS}"/>`,
      ),
    ).toBe('7');
    expect(
      replyMessageId(`<nc:rpc-reply xmlns:nc="${NS}" message-id='x-1'><nc:ok/></nc:rpc-reply>`),
    ).toBe('x-1');
  });

  it('is null for a notification and for an rpc-reply inside a comment', () => {
    expect(replyMessageId('<notification xmlns="urn:x"/>')).toBeNull();
    expect(replyMessageId(`<!-- <rpc-reply message-id="1"> --><notification/>`)).toBeNull();
  });

  it('decides quickly on a notification after many comments (no catastrophic backtracking)', () => {
    const message = '<!--x-->'.repeat(40) + '<notification/>';
    const started = performance.now();
    expect(replyMessageId(message)).toBeNull();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('still finds a reply after many comments', () => {
    const message =
      '<!--x-->\n'.repeat(1000) + `<rpc-reply message-id="42" xmlns="${NS}"><ok/></rpc-reply>`;
    expect(replyMessageId(message)).toBe('42');
  });
});
