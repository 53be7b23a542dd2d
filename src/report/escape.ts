// Text from AWS, git or the event payload must render as text: in a Markdown table cell, in
// inline text and inside HTML, in the job summary and in a pull-request comment. Escaping every
// Markdown and HTML metacharacter does all three; a few GitHub-only effects need more (below).

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Zero-width space: after "@" it stops GitHub from notifying whoever the text names; after "#"
 * before digits and inside "GH-123" it stops GitHub from linking (and cross-referencing) an issue,
 * which a backslash does not.
 */
const ZWSP = '\u200b';

export function escapeMarkdown(text: string): string {
  return (
    text
      // Bidirectional overrides could make the text read differently from what it is.
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
      // `$` starts GitHub's math; the rest are Markdown's own. Before the entities, whose `#`
      // (as in &#39;) must not be escaped.
      .replace(/[\\`*_{}[\]()#+\-.!|~$]/g, (c) => `\\${c}`)
      // A URL in the text would become a link (GitHub's autolinks): only the report's own links are.
      .replace(/:\/\//g, '\\://')
      .replace(/[&<>"']/g, (c) => ENTITIES[c]!)
      .replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`)
      // After the entities: "#" escaped here has a backslash before it, an entity's has not.
      .replace(/\\#(?=\d)/g, `\\#${ZWSP}`)
      .replace(/\b(gh)(?=\\-\d)/gi, `$1${ZWSP}`)
      // A line break (Unicode's too) would end a table row or a paragraph; other control characters
      // mean nothing here.
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/\r\n|[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, ' ')
  );
}

/**
 * A URL for a Markdown link target: http(s) only (anything else becomes "#"). Characters that
 * could end the link or break out of it, and any outside printable ASCII, are percent-encoded;
 * existing %XX escapes are kept as they are.
 */
export function escapeUrl(url: string): string {
  if (!/^https?:\/\//i.test(url)) return '#';
  return [...url].map((c) => (/[A-Za-z0-9\-._~:/?#@!$&*+,;=%]/.test(c) ? c : percentEncode(c))).join('');
}

function percentEncode(char: string): string {
  return [...new TextEncoder().encode(char)]
    .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}

/** A Markdown link whose text and target are both escaped. */
export function link(text: string, url: string): string {
  return `[${escapeMarkdown(text)}](${escapeUrl(url)})`;
}
