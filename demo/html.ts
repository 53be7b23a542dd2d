// The job summary as GitHub shows it, for looking at without GitHub: GitHub-flavoured Markdown
// rendered to HTML, the Mermaid charts drawn in the page by Mermaid's browser bundle (copied
// beside the pages, so they work offline), and a style close to GitHub's.
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Marked } from 'marked';

export const MERMAID_BUNDLE = 'mermaid.min.js';

/** Copies Mermaid's browser bundle into `dir`, where the pages one level below load it. */
export function copyMermaidBundle(dir: string): void {
  const require = createRequire(import.meta.url);
  const dist = join(require.resolve('mermaid/package.json'), '..', 'dist', MERMAID_BUNDLE);
  copyFileSync(dist, join(dir, MERMAID_BUNDLE));
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page for one summary; `title` is ours (the scenario's name). */
export function summaryHtml(markdown: string, title: string): string {
  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      code({ text, lang }) {
        return lang === 'mermaid' ? `<pre class="mermaid">${escapeHtml(text)}</pre>\n` : false;
      },
    },
  });
  const body = marked.parse(markdown, { async: false });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}: job summary</title>
<style>${STYLE}</style>
</head>
<body>
<div class="summary">
<div class="summary-title">${escapeHtml(title)} summary</div>
<div class="markdown-body">
${body}
</div>
</div>
<script src="../${MERMAID_BUNDLE}"></script>
<script>mermaid.initialize({ startOnLoad: true, theme: 'default' });</script>
</body>
</html>
`;
}

// Close to the Actions run page: a bordered box, GitHub's type, tables and quotes.
const STYLE = `
body { margin: 0; padding: 24px; background: #f6f8fa; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.summary { max-width: 920px; margin: 0 auto; background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; }
.summary-title { padding: 12px 16px; border-bottom: 1px solid #d1d9e0; font-weight: 600; font-size: 14px; }
.markdown-body { padding: 16px 24px 24px; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; margin: 8px 0 16px; }
.markdown-body h4 { font-size: 1em; font-weight: 600; margin: 24px 0 16px; }
.markdown-body p, .markdown-body blockquote, .markdown-body table, .markdown-body pre, .markdown-body details { margin: 0 0 16px; }
.markdown-body blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
.markdown-body table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body th { font-weight: 600; }
.markdown-body tr { background: #fff; border-top: 1px solid #d1d9e0; }
.markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body sub { color: #59636e; }
.markdown-body code { padding: .2em .4em; font-size: 85%; background: #818b981f; border-radius: 6px; }
.markdown-body pre.mermaid { background: #fff; text-align: center; }
.markdown-body summary { cursor: pointer; }
`;
