// The one log path: whatever text from AWS, git or the event it is given, the runner finds no
// workflow command in the output but the one the log function issues itself.
import { jest } from '@jest/globals';
import { workflowCommands } from './support/workflow-commands.js';
import { createLog, safeData, safeLine, type Log } from '../src/log.js';

/** Text as an alias description, an alarm reason or a branch name could carry it. */
const HOSTILE = [
  'x\n::error title=injected::PWNED',
  'x\r::add-mask::orders',
  'x\r\n  ::stop-commands::resume',
  '::set-output name=result::promoted',
  ' \u00a0\t::warning::leading whitespace',
  '\u200b\ufeff::warning::invisible characters first',
  'x\u2028::error::line separator',
  'x\u0085::error::next line',
  'x\v::error::vertical tab',
  'x\f::error::form feed',
  'x ##[error]legacy anywhere',
  '##[add-mask]orders',
  '#\n#[error]split legacy',
  'x%0A::error::looks escaped',
  '\u001b[2K::error::escape sequence',
];

let written: string[];
let log: Log;

beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  log = createLog();
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
});

const output = () => written.join('');
const lines = () =>
  output()
    .split(/\r\n|\r|\n/)
    .slice(0, -1);

describe('the log', () => {
  it.each(HOSTILE)('writes %j as one line that is no command, alone or within a message', (text) => {
    log.info(text);
    log.info(`Post step: nothing to do (the alias was last written by run ${text}).`);
    expect(lines()).toHaveLength(2);
    expect(workflowCommands(output())).toEqual([]);
  });

  it.each(HOSTILE)('issues exactly its own annotation for %j, with our title', (text) => {
    log.warning(`Rolling back: ${text}`, 'Rollback');
    log.error(`Rolling back: ${text}`, 'Rollback');
    log.notice(`Rolling back: ${text}`, 'Rollback');
    log.fail(`Rolled back: ${text}`);
    expect(lines()).toHaveLength(4);
    expect(workflowCommands(output()).map((c) => [c.form, c.name, c.properties])).toEqual([
      ['command', 'warning', { title: 'Rollback' }],
      ['command', 'error', { title: 'Rollback' }],
      ['command', 'notice', { title: 'Rollback' }],
      ['command', 'error', {}],
    ]);
    expect(process.exitCode).toBe(1);
  });

  it.each(HOSTILE)('names a group %j without any other command', (text) => {
    log.startGroup(`Step 1 of 2: ${text}`);
    log.endGroup();
    expect(workflowCommands(output()).map((c) => c.name)).toEqual(['group', 'endgroup']);
  });

  it('keeps a hostile title to the title', () => {
    log.warning('message', 'x\n::error::y,z:w');
    const [command, ...more] = workflowCommands(output());
    expect(more).toEqual([]);
    expect(command).toMatchObject({
      name: 'warning',
      properties: { title: 'x ::error::y,z:w' },
      data: 'message',
    });
  });

  it("keeps an annotation's line breaks inside its data, and the rest of its text as it was", () => {
    log.error('2 problems found:\n- "alarms": x\r\n- "strategy": 50% for 1m');
    expect(workflowCommands(output())).toEqual([
      expect.objectContaining({
        name: 'error',
        data: '2 problems found:\n- "alarms": x\n- "strategy": 50% for 1m',
      }),
    ]);
  });

  it('never leaves a group open, nor closes one that is not', () => {
    log.endGroup();
    log.startGroup('Step 1');
    log.startGroup('Step 2');
    log.endGroup();
    log.endGroup();
    log.startGroup('Step 3');
    log.fail('Rolled back');
    expect(workflowCommands(output()).map((c) => c.name)).toEqual([
      'group',
      'endgroup',
      'group',
      'endgroup',
      'group',
      'endgroup',
      'error',
    ]);
  });
});

describe('safeLine and safeData', () => {
  it('leave ordinary text alone', () => {
    const text = 'Rolled back: gate alarms failed: orders-errors is ALARM: 50% > 1% (arn:aws:iam::1:role/x)';
    expect(safeLine(text)).toBe(text);
    expect(safeData(text)).toBe(text);
  });

  it('defuse what the runner would read as a command', () => {
    expect(safeLine('a\r\n\r\n::error::x')).toBe('a ::error::x');
    expect(safeLine('  ::add-mask::x')).toBe('  : :add-mask::x');
    expect(safeLine('\u200b::x::')).toBe('\u200b: :x::');
    expect(safeLine('ok ##[error]x ##[group]y')).toBe('ok ## [error]x ## [group]y');
    expect(safeLine('a\u001b[31mb\u0000')).toBe('a\uFFFD[31mb\uFFFD');
    expect(safeData('a\r\nb\u2028c\rd')).toBe('a\nb\nc\nd');
    expect(safeData('a\n##[error]b')).toBe('a\n## [error]b');
  });
});
