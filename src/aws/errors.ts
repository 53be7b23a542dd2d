// Every AWS call goes through awsCall: the error says what we were doing, what AWS said, and a
// hint for the fix.

export class AwsCallError extends Error {
  constructor(
    message: string,
    /** AWS's error name, e.g. AccessDeniedException. */
    readonly code: string,
    readonly httpStatus: number | undefined,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'AwsCallError';
  }
}

export interface CallContext {
  /** What we were doing, as "read alias live of function orders". */
  doing: string;
  /** The IAM action the call needs, as "lambda:GetAlias". */
  iamAction: string;
  region: string;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function hintFor(code: string, status: number | undefined, context: CallContext): string {
  if (/AccessDenied|NotAuthorized|Unauthorized/i.test(code) || status === 403) {
    return `the credentials lack the IAM permission ${context.iamAction}; add it to the role's policy (see "IAM policy" in the README)`;
  }
  if (/ResourceNotFound|NotFound/i.test(code) || status === 404) {
    return `check the name and the region (${context.region})`;
  }
  if (/Throttl|TooManyRequests|RequestLimitExceeded/i.test(code) || status === 429) {
    return 'AWS kept throttling after the SDK retried; another deployment may share the account quota, run again later';
  }
  if (
    /ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|CredentialsProvider/i.test(
      code,
    )
  ) {
    return 'the AWS credentials are missing, wrong or expired; set them with aws-actions/configure-aws-credentials before this step';
  }
  if (/ResourceConflict/i.test(code)) {
    return 'the function is being changed by another operation; wait for it to finish and run again';
  }
  if (/PreconditionFailed/i.test(code)) {
    return 'someone else changed the resource meanwhile';
  }
  if (status !== undefined && status >= 500) {
    return 'AWS answered with a server error after the SDK retried; run again';
  }
  if (/TimeoutError|ECONN|EPIPE|socket/i.test(code)) {
    return 'the endpoint could not be reached; check the region and the network';
  }
  return 'see the AWS message above';
}

function toAwsCallError(error: unknown, context: CallContext): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const code = shape.name ?? shape.Code ?? 'Error';
  const status = shape.$metadata?.httpStatusCode;
  const awsMessage = (shape.message ?? String(error)).trim();
  const hint = hintFor(code, status, context);
  return new AwsCallError(
    `Could not ${context.doing}: ${code}: ${awsMessage} (hint: ${hint})`,
    code,
    status,
    hint,
  );
}

export async function awsCall<T>(context: CallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAwsCallError(error, context);
  }
}
