// The benchmark's results as Markdown tables: printed by `npm run bench` and written between the
// markers of the README's Performance section, from bench/results/latest.json alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import type { ApiPerPollRow } from './api-economy.js';
import type { DetectionRow } from './detection.js';
import type { OverheadFigures, ReactionFigures, StartupFigures } from './local.js';

export interface BenchResults {
  detection: DetectionRow[];
  reaction: ReactionFigures;
  overhead: OverheadFigures;
  startup: StartupFigures;
  apiPerPoll: ApiPerPollRow[];
  notes: Record<string, string>;
  /** When and on what the figures were made. */
  machine: { date: string; node: string; cpus: number };
}

export const README_START = '<!-- bench:start (npm run bench writes this part) -->';
export const README_END = '<!-- bench:end -->';

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const orDash = (value: number | null) => (value === null ? '—' : `${value.toFixed(0)} s`);

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderTables(r: BenchResults): string {
  const detection = table(
    [
      'errors ×',
      'req/s',
      'runs',
      'analysis rolls back',
      'median time',
      'alarm rolls back',
      'alarm threshold',
      'known-baseline single look',
    ],
    r.detection.map((d) => [
      d.errorRatio,
      d.requestsPerSecond,
      d.runs,
      percent(d.analysisRollbackRate),
      orDash(d.analysisMedianSecondsToDetect),
      percent(d.alarmRollbackRate),
      `≥ ${d.alarmThresholdErrorsPerMinute}/min`,
      percent(d.referenceKnownBaselineDetection),
    ]),
  );
  const api = table(
    ['alarms', 'functions', 'DescribeAlarms / poll', 'GetMetricData / poll', 'metric queries / poll'],
    r.apiPerPoll.map((a) => [a.alarms, a.functions, a.describeAlarms, a.getMetricData, a.queriesPerPoll]),
  );
  const speed = table(
    ['figure', 'value', 'goal'],
    [
      [
        `reaction: alarm enters ALARM → alias back (poll ${r.reaction.pollSeconds} s, ${r.reaction.trials} trials)`,
        `median ${r.reaction.medianSeconds} s, max ${r.reaction.maxSeconds} s`,
        `≤ ${r.reaction.pollSeconds + 1} s`,
      ],
      [
        `overhead: ${r.overhead.steps}-step plan, publish included (median of ${r.overhead.runs})`,
        `${r.overhead.wallSeconds} s wall for ${r.overhead.plannedSeconds} s planned`,
        '< 2 s over',
      ],
      [
        `start-up: node dist/index.js → first AWS request (median of ${r.startup.runs})`,
        `${r.startup.medianMsToFirstRequest} ms`,
        '',
      ],
      [
        'start-up: → exit on a missing input',
        `${r.startup.medianMsToExitOnMissingInput} ms`,
        '`aws-lambda-deploy`: about 0.2 s',
      ],
      [
        'bundles: dist/index.js, dist/post.js',
        `${(r.startup.bundleBytes / 1e6).toFixed(2)} MB, ${(r.startup.postBundleBytes / 1e6).toFixed(2)} MB`,
        '`aws-lambda-deploy`: 3.9 MB',
      ],
    ],
  );
  return [
    `Detection within the first step of \`Canary10Percent5Minutes\` (${r.detection[0]?.weightPercent ?? 10}% weight, ` +
      `baseline error rate ${percent(r.detection[0]?.baselineErrorRate ?? 0.01)}; errors × 1 is the false-rollback rate):`,
    '',
    detection,
    '',
    'AWS requests per poll:',
    '',
    api,
    '',
    'Speed (the bundled action against the local cloud, `analysis: off`):',
    '',
    speed,
    '',
    `Made on ${r.machine.date.slice(0, 10)}, Node ${r.machine.node}, ${r.machine.cpus} CPUs.`,
  ].join('\n');
}

/** Writes a file as the repository's Prettier settings format it, so `npm run lint` stays clean. */
export async function writeFormatted(path: string, text: string): Promise<void> {
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(text, { ...options, filepath: path }));
}

/** Replaces the README's part between the markers with the tables. */
export async function writeReadmeTables(readmePath: string, results: BenchResults): Promise<void> {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start)
    throw new Error(`${readmePath} has no ${README_START} … ${README_END} markers`);
  const updated = `${readme.slice(0, start + README_START.length)}\n\n${renderTables(results)}\n\n${readme.slice(end)}`;
  await writeFormatted(readmePath, updated);
}

/** A Markdown text with its tables' padding removed, to compare tables however they are aligned. */
export function withoutTablePadding(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ +/g, ' ').replace(/-{3,}/g, '---') : line))
    .join('\n')
    .trim();
}
