// The AWS credentials must outlast the rollout: a rollback needs them until the timeout.
import { formatDuration } from '../duration.js';
import { log } from '../log.js';

/** How long an assumed role's session lasts unless asked otherwise. */
const DEFAULT_SESSION_MS = 60 * 60_000;

/** A rollback needs credentials until the timeout: refuse a release that would outlive them. */
export function checkCredentialExpiry(timeoutMs: number, env: NodeJS.ProcessEnv, now: number): void {
  const limit = formatDuration(timeoutMs);
  const expires = Date.parse(env.AWS_CREDENTIAL_EXPIRATION ?? '');
  if (Number.isNaN(expires)) {
    if (timeoutMs > DEFAULT_SESSION_MS) {
      log.warning(
        `The rollout may last up to ${limit} (its timeout), and the AWS credentials' expiry is unknown (AWS_CREDENTIAL_EXPIRATION is not set). ` +
          'Role sessions last 1 hour by default: raise role-duration-seconds so that a late rollback still has credentials.',
      );
    }
    return;
  }
  if (expires < now + timeoutMs) {
    throw new Error(
      `The AWS credentials expire at ${new Date(expires).toISOString()}, before the rollout's timeout (${limit} from now), and a rollback needs them until then. ` +
        'Raise role-duration-seconds in aws-actions/configure-aws-credentials, or lower "timeout" or choose a shorter strategy.',
    );
  }
}
