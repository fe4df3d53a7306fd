/**
 * RFC 6242 message framing, byte by byte: end-of-message (`]]>]]>`, base:1.0) and chunked
 * (`\n#<size>\n<data>…\n##\n`, base:1.1). The reader is incremental: it takes reads of any size
 * from the SSH channel and returns whole messages, so a delimiter or a multi-byte UTF-8 character
 * split across reads survives. Messages are decoded as UTF-8 only once they are complete.
 */

export type Framing = 'eom' | 'chunked';

/** Input that breaks the framing rules: the session cannot continue after it. */
export class FramingError extends Error {
  override readonly name = 'FramingError';
}

const EOM = Buffer.from(']]>]]>');
const LF = 0x0a;
const HASH = 0x23;
/** RFC 6242 §4.2: chunk-size is 1..4294967295, so at most 10 digits. */
const MAX_CHUNK_SIZE = 4294967295;
const MAX_SIZE_DIGITS = 10;

/** @defaultValue 64 MiB: far above any interfaces reply, low enough to stop a runaway peer. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function encodeEom(xml: string): Buffer {
  return Buffer.concat([Buffer.from(xml, 'utf8'), EOM]);
}

/** One chunk holding the whole message, then end-of-chunks. */
export function encodeChunked(xml: string): Buffer {
  const data = Buffer.from(xml, 'utf8');
  if (data.length === 0) throw new FramingError('a chunked message needs at least one byte');
  return Buffer.concat([Buffer.from(`\n#${data.length}\n`), data, Buffer.from('\n##\n')]);
}

export function encodeMessage(xml: string, framing: Framing): Buffer {
  return framing === 'eom' ? encodeEom(xml) : encodeChunked(xml);
}

type ChunkState =
  /** Expecting the LF that starts a chunk header or end-of-chunks. */
  | 'lf'
  /** Expecting the `#` after it. */
  | 'hash'
  /** After `\n#`: a digit 1-9 starts a size, a second `#` ends the message. */
  | 'size-or-end'
  /** Reading size digits until LF. */
  | 'size'
  /** After `\n##`: expecting the final LF. */
  | 'end-lf'
  /** Copying chunk data. */
  | 'data';

/**
 * Turns reads into messages. `framing` may change between messages (after the hello exchange):
 * call `next()` until it returns undefined, switch, and the bytes still held are read with the
 * new framing.
 */
export class MessageReader {
  private currentFraming: Framing;
  private readonly maxMessageBytes: number;
  /** Bytes received and not yet consumed. */
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** EOM: parts of `buffered` already searched for the delimiter, their bytes, their last bytes. */
  private eomScannedParts = 0;
  private eomScannedBytes = 0;
  private eomTail: Buffer = Buffer.alloc(0);
  /** Chunked: parser state and the data of the message so far. */
  private chunkState: ChunkState = 'lf';
  private sizeDigits = '';
  private dataLeft = 0;
  private messageParts: Buffer[] = [];
  private messageBytes = 0;

  constructor(framing: Framing = 'eom', maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.currentFraming = framing;
    this.maxMessageBytes = maxMessageBytes;
  }

  get framing(): Framing {
    return this.currentFraming;
  }

  /** Switches between messages; bytes held since the last one are read with the new framing. */
  set framing(framing: Framing) {
    this.currentFraming = framing;
    this.keep(this.takeAll());
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.buffered.push(data);
    this.bufferedBytes += data.length;
  }

  /** The next complete message, or undefined until more bytes arrive. Throws FramingError. */
  next(): string | undefined {
    return this.currentFraming === 'eom' ? this.nextEom() : this.nextChunked();
  }

  /** True while part of a message is held: a session ending now lost it. */
  get holdsPartialMessage(): boolean {
    return this.bufferedBytes > 0 || this.messageBytes > 0 || this.chunkState !== 'lf';
  }

  private nextEom(): string | undefined {
    // Only bytes not searched yet are searched, with the few before them, so a large message
    // arriving in many reads costs linear time.
    while (this.eomScannedParts < this.buffered.length) {
      const part = this.buffered[this.eomScannedParts]!;
      const window = this.eomTail.length > 0 ? Buffer.concat([this.eomTail, part]) : part;
      const at = window.indexOf(EOM);
      if (at >= 0) {
        const end = this.eomScannedBytes - this.eomTail.length + at;
        const all = this.takeAll();
        this.keep(all.subarray(end + EOM.length));
        return all.subarray(0, end).toString('utf8');
      }
      this.eomScannedParts += 1;
      this.eomScannedBytes += part.length;
      this.eomTail = window.subarray(Math.max(0, window.length - (EOM.length - 1)));
    }
    if (this.bufferedBytes > this.maxMessageBytes) this.tooLarge(this.bufferedBytes);
    return undefined;
  }

  private nextChunked(): string | undefined {
    while (this.bufferedBytes > 0) {
      const input = this.takeAll();
      let pos = 0;
      while (pos < input.length) {
        if (this.chunkState === 'data') {
          const take = Math.min(this.dataLeft, input.length - pos);
          this.messageParts.push(input.subarray(pos, pos + take));
          this.messageBytes += take;
          this.dataLeft -= take;
          pos += take;
          if (this.dataLeft === 0) this.chunkState = 'lf';
          continue;
        }
        const ended = this.readHeaderByte(input[pos]!);
        pos += 1;
        if (ended) {
          this.keep(input.subarray(pos));
          return this.finishMessage();
        }
      }
    }
    return undefined;
  }

  /** One byte of a chunk header or end-of-chunks; true when it completed a message. */
  private readHeaderByte(byte: number): boolean {
    switch (this.chunkState) {
      case 'lf':
        this.expect(byte === LF, byte, 'LF before a chunk header');
        this.chunkState = 'hash';
        return false;
      case 'hash':
        this.expect(byte === HASH, byte, "'#' in a chunk header");
        this.chunkState = 'size-or-end';
        return false;
      case 'size-or-end':
        if (byte === HASH) {
          this.expect(this.messageBytes > 0, byte, 'a chunk before end-of-chunks');
          this.chunkState = 'end-lf';
          return false;
        }
        this.expect(byte >= 0x31 && byte <= 0x39, byte, 'a chunk size (digit 1-9)');
        this.sizeDigits = String.fromCharCode(byte);
        this.chunkState = 'size';
        return false;
      case 'size':
        if (byte === LF) {
          this.startChunk();
          return false;
        }
        this.expect(byte >= 0x30 && byte <= 0x39, byte, 'a chunk size digit or LF');
        this.sizeDigits += String.fromCharCode(byte);
        this.expect(this.sizeDigits.length <= MAX_SIZE_DIGITS, byte, 'a chunk size ≤ 4294967295');
        return false;
      case 'end-lf':
        this.expect(byte === LF, byte, 'LF ending end-of-chunks');
        this.chunkState = 'lf';
        return true;
      default:
        throw new FramingError(`chunked framing: unexpected state ${this.chunkState}`);
    }
  }

  private startChunk(): void {
    const size = Number(this.sizeDigits);
    if (size > MAX_CHUNK_SIZE) {
      throw new FramingError(`chunked framing: chunk size ${this.sizeDigits} above 4294967295`);
    }
    if (this.messageBytes + size > this.maxMessageBytes) this.tooLarge(this.messageBytes + size);
    this.dataLeft = size;
    this.chunkState = 'data';
  }

  private finishMessage(): string {
    const text = Buffer.concat(this.messageParts, this.messageBytes).toString('utf8');
    this.messageParts = [];
    this.messageBytes = 0;
    return text;
  }

  private expect(ok: boolean, byte: number, what: string): void {
    if (ok) return;
    const shown =
      byte >= 0x20 && byte < 0x7f
        ? `'${String.fromCharCode(byte)}'`
        : `0x${byte.toString(16).padStart(2, '0')}`;
    throw new FramingError(`chunked framing: expected ${what}, got ${shown}`);
  }

  private tooLarge(bytes: number): never {
    throw new FramingError(
      `message of ${bytes} bytes or more exceeds the ${this.maxMessageBytes}-byte limit`,
    );
  }

  private takeAll(): Buffer {
    const all =
      this.buffered.length === 1
        ? this.buffered[0]!
        : Buffer.concat(this.buffered, this.bufferedBytes);
    this.keep(Buffer.alloc(0));
    return all;
  }

  /** Holds `rest` as the only unread bytes, not searched yet. */
  private keep(rest: Buffer): void {
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    this.eomScannedParts = 0;
    this.eomScannedBytes = 0;
    this.eomTail = Buffer.alloc(0);
  }
}
