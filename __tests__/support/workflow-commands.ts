// A step's output read as the GitHub runner reads it, for the workflow commands in it: lines split
// on \r and \n; `::name key=value,...::data` once leading whitespace is trimmed; the legacy
// `##[name key=value;...]data` anywhere in a line. Stricter than the runner in one way: any name
// counts, registered or not, so that a test also catches a command the runner might add.

export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
  form: 'command' | 'legacy';
  line: string;
}

export function workflowCommands(output: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of output.split(/\r\n|\r|\n/)) {
    const command = parseCommand(line) ?? parseLegacy(line);
    if (command) commands.push(command);
  }
  return commands;
}

function parseCommand(line: string): WorkflowCommand | undefined {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith('::')) return undefined;
  const end = trimmed.indexOf('::', 2);
  if (end < 0) return undefined;
  const [name = '', properties] = split(trimmed.slice(2, end), ' ');
  return {
    name,
    properties: parseProperties(properties ?? '', ','),
    data: unescape(trimmed.slice(end + 2)),
    form: 'command',
    line,
  };
}

function parseLegacy(line: string): WorkflowCommand | undefined {
  const start = line.indexOf('##[');
  const end = start < 0 ? -1 : line.indexOf(']', start);
  if (end < 0) return undefined;
  const [name = '', properties] = split(line.slice(start + 3, end), ' ');
  return {
    name,
    properties: parseProperties(properties ?? '', ';'),
    data: unescape(line.slice(end + 1)),
    form: 'legacy',
    line,
  };
}

function split(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function parseProperties(text: string, separator: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of text.split(separator).filter(Boolean)) {
    const [key = '', value = ''] = split(pair, '=');
    properties[key] = unescape(value);
  }
  return properties;
}

function unescape(text: string): string {
  return text
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%3B/gi, ';')
    .replace(/%5D/gi, ']')
    .replace(/%25/g, '%');
}
