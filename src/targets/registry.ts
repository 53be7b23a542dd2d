// Which definition moves the traffic, by the `target` input. A new target adds its folder and
// one line to TARGETS; nothing else outside its folder changes.
import type { InputReader, TargetDefinition } from './definition.js';
import { apiGatewayStage } from './api-gateway/definition.js';
import { lambdaAlias } from './lambda/definition.js';

// Definitions are generic over their own inputs and saved state; the registry holds them as the
// entry points see them, opaque.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDefinition = TargetDefinition<any, any>;

export const TARGETS = {
  'lambda-alias': lambdaAlias,
  'api-gateway-stage': apiGatewayStage,
} satisfies Record<string, AnyDefinition>;

export type TargetKind = keyof typeof TARGETS;

export const DEFAULT_TARGET: TargetKind = 'lambda-alias';

export function isTargetKind(text: string): text is TargetKind {
  return Object.hasOwn(TARGETS, text);
}

/** The `target` input's value, checked. */
export function parseTarget(text: string): TargetKind {
  if (isTargetKind(text)) return text;
  throw new Error(
    `Input "target": "${text}" is not a target. Accepted: ${Object.keys(TARGETS)
      .map((k) => `"${k}"`)
      .join(', ')} (default "${DEFAULT_TARGET}").`,
  );
}

export function targetDefinition(kind: TargetKind): AnyDefinition {
  return TARGETS[kind];
}

/** The definition for a saved or read kind, or undefined when no such target is registered. */
export function findTarget(kind: string): AnyDefinition | undefined {
  return isTargetKind(kind) ? TARGETS[kind] : undefined;
}

/** Inputs of other targets given with `kind`: refused, each naming the target it belongs to. */
export function foreignInputProblems(
  kind: string,
  read: InputReader,
  targets: Record<string, Pick<AnyDefinition, 'inputNames'>> = TARGETS,
): string[] {
  const own = new Set<string>(targets[kind]?.inputNames ?? []);
  const problems: string[] = [];
  for (const [other, definition] of Object.entries(targets)) {
    if (other === kind) continue;
    for (const name of definition.inputNames) {
      if (own.has(name) || !read(name).trim()) continue;
      problems.push(
        `Input "${name}" belongs to target "${other}", not to "${kind}": remove it, or set "target: ${other}".`,
      );
    }
  }
  return problems;
}
