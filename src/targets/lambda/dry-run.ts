// The writes a dry run of an alias release would make, as the report's plan lists them.
import type { DryRunWrites, ExistingSplitPolicy } from '../definition.js';

export interface AliasDryRunFacts {
  functionName: string;
  alias: string;
  /** `publish`, or the published version to release. */
  version: string;
  previousVersion: string;
  onExistingSplit: ExistingSplitPolicy;
  /** The split found on the alias, if any. */
  split?: { version: string; weight: number };
}

const percent = (n: number) => `${Math.round(n * 1e6) / 1e6}%`;

export function aliasDryRunWrites(facts: AliasDryRunFacts): DryRunWrites {
  const { alias, split } = facts;
  const target = facts.version === 'publish' ? 'the new version' : `version ${facts.version}`;
  const previous = `version ${facts.previousVersion}`;
  const before: string[] = [];
  if (split && facts.onExistingSplit === 'rollback') {
    before.push(
      `UpdateAlias ${alias}: clear the split left on it (${percent(split.weight)} on version ${split.version}), all traffic back on ${previous}`,
    );
  }
  if (facts.version === 'publish') {
    before.push(
      `PublishVersion of ${facts.functionName}: the code and configuration of $LATEST become the new version`,
    );
  }
  return {
    before,
    step: (weight) =>
      `UpdateAlias ${alias}: ${percent(weight)} on ${target}, ${percent(100 - weight)} on ${previous}`,
    promote: `UpdateAlias ${alias}: all traffic on ${target}, the split removed`,
    rollback: `UpdateAlias ${alias}: all traffic back on ${previous}, the split removed`,
    resumed:
      split && facts.onExistingSplit === 'resume'
        ? {
            weight: split.weight,
            because: `resumed: the alias already sends ${percent(split.weight)} to version ${split.version}`,
          }
        : undefined,
  };
}
