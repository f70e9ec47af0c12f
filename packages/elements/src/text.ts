/**
 * Escaping and width estimation for the string exporters. Tokens are arbitrary model text: they
 * may hold markup, control characters or newlines, and must come out as the same visible text.
 */

/**
 * Escapes text for XML/HTML text content and double- or single-quoted attribute values. Characters XML 1.0
 * cannot hold at all (C0 controls other than tab and newlines, lone surrogates, U+FFFE/U+FFFF) are replaced
 * too (a control by its visible control picture, the others by U+FFFD), so a class name or title holding one
 * still gives a well-formed SVG.
 */
export function escapeXML(text: string): string {
  return xmlSafe(String(text))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `text` without the characters XML 1.0 forbids (see escapeXML). */
export function xmlSafe(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the XML-invalid control characters being replaced
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)))
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g, '\uFFFD')
  );
}

/**
 * Text as drawn in one SVG line: XML 1.0 forbids most C0 control characters, and SVG text cannot
 * break lines, so a control character becomes its visible Unicode control picture ("\u0007" -> "␇"), a
 * newline a visible "↵" and a tab four spaces. Only what XML cannot hold and no glyph shows (a lone UTF-16
 * surrogate, the noncharacters U+FFFE and U+FFFF) becomes U+FFFD.
 */
export function svgVisibleText(text: string): string {
  return (
    text
      .replace(/\r\n|\r|\n/g, '↵')
      .replace(/\t/g, '    ')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the XML-invalid control characters being replaced
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)))
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g, '\uFFFD')
  );
}

// East Asian wide and fullwidth ranges (approximate): such characters take two monospace cells.
const WIDE =
  /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;
// Variation selectors (U+FE00-FE0F) are marks (\p{M}) too.
const ZERO_WIDTH = /^[\p{M}\u200B-\u200F]$/u;

const graphemes: ((text: string) => string[]) | undefined =
  typeof Intl !== 'undefined' && 'Segmenter' in Intl
    ? (
        (seg) => (text: string) =>
          [...seg.segment(text)].map((s) => s.segment)
      )(new Intl.Segmenter(undefined, { granularity: 'grapheme' }))
    : undefined;

/**
 * Width of `text` in monospace cells: one per user-perceived character (grapheme), two when it holds a wide
 * character, so an emoji ZWJ sequence or a letter with combining marks counts once. Without Intl.Segmenter,
 * code points, combining marks and zero-width characters not counted.
 */
export function monospaceCells(text: string): number {
  let n = 0;
  if (graphemes) {
    for (const g of graphemes(text)) n += WIDE.test(g) ? 2 : 1;
    return n;
  }
  for (const ch of text) n += WIDE.test(ch) ? 2 : ZERO_WIDTH.test(ch) ? 0 : 1;
  return n;
}
