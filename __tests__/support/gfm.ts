// The report as GitHub shows it: GitHub-flavoured Markdown rendered to HTML (marked), then read
// as a browser would (jsdom). `renderedProblems` lists whatever a reader would see wrong: HTML
// that came from inputs, escapes or entities left in the visible text, links that are not ours,
// and charts that Mermaid cannot parse.
import { JSDOM } from 'jsdom';
import { Marked, type Token } from 'marked';
import { mermaidBlocks, parseMermaid } from './mermaid.js';

/** The only HTML tags the report writes itself. */
const OWN_TAGS = /<\/?(details|summary|sub)>|<br>/g;
/** What GitHub-flavoured Markdown makes of the report's Markdown, plus our own tags. */
const ELEMENTS = new Set(
  'h3 h4 p strong em table thead tbody tr th td a blockquote pre code details summary sub br'
    .toUpperCase()
    .split(' '),
);
const ATTRIBUTES: Record<string, string[]> = { A: ['href'], TH: ['align'], TD: ['align'], CODE: ['class'] };
const OUR_LINKS = /^(https:\/\/([a-z0-9-]+\.console\.aws\.amazon\.com|github\.com)\/\S*|#)$/;

export function renderGfm(markdown: string): string {
  return new Marked({ gfm: true }).parse(markdown, { async: false });
}

/** Every raw HTML fragment in the Markdown, as the GFM parser sees it. */
function rawHtml(markdown: string): string[] {
  const marked = new Marked({ gfm: true });
  const found: string[] = [];
  marked.walkTokens(marked.lexer(markdown), (token: Token) => {
    if (token.type === 'html') found.push(token.raw.trim());
  });
  return found;
}

export async function renderedProblems(markdown: string): Promise<string[]> {
  const problems: string[] = [];
  for (const html of rawHtml(markdown)) {
    if (html.replace(OWN_TAGS, '').includes('<')) problems.push(`raw HTML not ours: ${html}`);
  }
  const document = new JSDOM(renderGfm(markdown)).window.document;
  for (const element of document.body.querySelectorAll('*')) {
    if (!ELEMENTS.has(element.tagName)) problems.push(`element <${element.tagName.toLowerCase()}>`);
    for (const attribute of element.getAttributeNames()) {
      if (!ATTRIBUTES[element.tagName]?.includes(attribute))
        problems.push(`attribute ${attribute} on <${element.tagName.toLowerCase()}>`);
    }
  }
  for (const a of document.querySelectorAll('a')) {
    const href = a.getAttribute('href') ?? '';
    if (!OUR_LINKS.test(href)) problems.push(`link to ${href} (text "${a.textContent}")`);
  }
  // The visible text, charts aside (Mermaid draws those).
  for (const chart of document.querySelectorAll('code.language-mermaid')) chart.remove();
  const text = document.body.textContent ?? '';
  for (const m of text.matchAll(/.{0,30}\\.{0,30}/g)) problems.push(`backslash in the text: ${m[0]}`);
  for (const m of text.matchAll(/.{0,30}&(#\d+|#x[0-9a-f]+|[a-z]+);.{0,30}/gi))
    problems.push(`entity in the text: ${m[0]}`);
  for (const chart of mermaidBlocks(markdown)) {
    await parseMermaid(chart).catch((error: unknown) =>
      problems.push(`chart does not parse: ${String(error)}`),
    );
  }
  return problems;
}
