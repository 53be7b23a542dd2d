// Mermaid's own parser in Node: it sanitizes labels with DOMPurify, which needs a DOM, so a
// jsdom window is installed before mermaid loads.
import { JSDOM } from 'jsdom';

type Mermaid = { parse(text: string): Promise<{ diagramType: string } | false> };
let loaded: Promise<Mermaid> | undefined;

function mermaid(): Promise<Mermaid> {
  loaded ??= (async () => {
    const g = globalThis as unknown as { window?: unknown };
    g.window ??= new JSDOM('').window;
    const module = (await import('mermaid')) as unknown as { default: Mermaid };
    return module.default;
  })();
  return loaded;
}

/** The diagrams in a Markdown text's ```mermaid blocks. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

/** Parses a diagram; rejects with Mermaid's parse error. */
export async function parseMermaid(diagram: string): Promise<string> {
  const result = await (await mermaid()).parse(diagram);
  if (!result) throw new Error('mermaid could not parse the diagram');
  return result.diagramType;
}
