// The runner's file commands (GITHUB_OUTPUT, GITHUB_STATE) read back, for unit tests of the entry
// points and for the end-to-end runner alike.
import { readFileSync } from 'node:fs';

/** Parses a file command (GITHUB_OUTPUT, GITHUB_STATE): `name<<DELIM\nvalue\nDELIM` or `name=value` lines. */
export function readFileCommand(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i]!);
      values[name!] = body.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      values[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return values;
}
