/**
 * Escaping and width estimation for the string exporters. Tokens are arbitrary model text: they
 * may hold markup, control characters or newlines, and must come out as the same visible text.
 */

/** Escapes text for XML/HTML text content and double- or single-quoted attribute values. */
export function escapeXML(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Text as drawn in one SVG line: XML 1.0 forbids most C0 control characters, and SVG text cannot
 * break lines, so control characters become U+FFFD, a newline a visible "↵" and a tab four spaces.
 */
export function svgVisibleText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, '↵')
    .replace(/\t/g, '    ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the XML-invalid control characters being replaced
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}

// East Asian wide and fullwidth ranges (approximate): such characters take two monospace cells.
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;

/** Width of `text` in monospace cells (code points; wide characters count two). */
export function monospaceCells(text: string): number {
  let n = 0;
  for (const ch of text) n += WIDE.test(ch) ? 2 : 1;
  return n;
}
