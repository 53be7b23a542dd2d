// The one way anything reaches the Actions log. Much of what the action logs comes from AWS, git
// or the event (alias descriptions, alarm names and reasons, branch names, the actor), and the
// runner reads every stdout line as a possible workflow command: a line that starts with `::`
// (after leading whitespace) or holds `##[name]` anywhere could add a mask, stop commands or fake
// an annotation. So every message here is made safe, whatever it contains: a log line is one line
// and never a command; an annotation's text is the escaped data of its command, one stdout line
// too. The only commands written are the ones these functions issue themselves; ESLint keeps the
// rest of src/ from writing to the log any other way.
import * as core from '@actions/core';

export interface Log {
  info(message: string): void;
  warning(message: string, title?: string): void;
  error(message: string, title?: string): void;
  notice(message: string, title?: string): void;
  /** Opens a collapsible group, closing the one still open: the runner does not nest groups. */
  startGroup(name: string): void;
  /** Closes the open group; does nothing when none is open, so `::endgroup::` is never unbalanced. */
  endGroup(): void;
  /** The step's failure: an error annotation, and exit code 1. Closes an open group first. */
  fail(message: string): void;
}

/** Line breaks as the runner and other log readers split on them. */
const LINE_BREAK = /\r\n|[\r\n\v\f\u0085\u2028\u2029]/g;
const LINE_BREAKS = /(?:\r\n|[\r\n\v\f\u0085\u2028\u2029])+/g;
/** Other control characters (escape sequences could rewrite what a line shows): never printed. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;
/** The legacy command form, which the runner finds anywhere in a line. */
const LEGACY_COMMAND = /##\[/g;
/** The command form, once leading whitespace (and invisible format characters) is trimmed. */
const LEADING_COMMAND = /^([\s\p{Cf}]*):(?=:)/u;

/**
 * `text` as one line that the runner cannot read as a workflow command: line breaks become
 * spaces, control characters U+FFFD, `##[` becomes `## [`, and a leading `::` becomes `: :`.
 */
export function safeLine(text: string): string {
  return defused(String(text).replace(LINE_BREAKS, ' ')).replace(LEADING_COMMAND, '$1: ');
}

/**
 * `text` as the data of a command (an annotation's message): its line breaks stay, as `\n`,
 * which core escapes with the rest, so that the command is still one stdout line.
 */
export function safeData(text: string): string {
  return defused(String(text).replace(LINE_BREAK, '\n'));
}

function defused(text: string): string {
  return text.replace(CONTROLS, '\uFFFD').replace(LEGACY_COMMAND, '## [');
}

/** A log writing through @actions/core, which escapes the data of the commands it issues. */
export function createLog(): Log {
  let groupOpen = false;
  const properties = (title?: string) => (title ? { title: safeLine(title) } : {});
  const endGroup = () => {
    if (!groupOpen) return;
    groupOpen = false;
    core.endGroup();
  };
  return {
    info: (message) => core.info(safeLine(message)),
    warning: (message, title) => core.warning(safeData(message), properties(title)),
    error: (message, title) => core.error(safeData(message), properties(title)),
    notice: (message, title) => core.notice(safeData(message), properties(title)),
    startGroup(name) {
      endGroup();
      core.startGroup(safeLine(name));
      groupOpen = true;
    },
    endGroup,
    fail(message) {
      endGroup();
      core.setFailed(safeData(message));
    },
  };
}

/** The action's log. */
export const log: Log = createLog();
