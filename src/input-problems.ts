// Every problem in the inputs is reported at once: each input's parser runs, and one that throws
// leaves its message in the list, its input marked invalid and a fallback in its place. Shared by
// the common inputs and each target's own.

export interface ProblemCollector {
  problems: string[];
  /** Runs the parser of input `name`; a thrown message becomes a problem and `fallback` is used. */
  check<T>(name: string, parse: () => T, fallback: T): T;
  /** Whether input `name` was read without a problem. */
  valid(name: string): boolean;
}

export function collectProblems(): ProblemCollector {
  const problems: string[] = [];
  const invalid = new Set<string>();
  return {
    problems,
    check(name, parse, fallback) {
      try {
        return parse();
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
        invalid.add(name);
        return fallback;
      }
    },
    valid: (name) => !invalid.has(name),
  };
}
