/** Small text helpers shared by the decoders. */

/** Shortens text quoted in an error message to at most 60 characters. */
export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
