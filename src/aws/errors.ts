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
  /** Node's system error code for a failed connection, as ECONNREFUSED or ENOTFOUND. */
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function hintFor(code: string, status: number | undefined, context: CallContext): string {
  // First: a code such as ENOTFOUND (DNS) must not read as AWS's ResourceNotFound.
  const unreachable = status === undefined ? unreachableBecause(code) : undefined;
  if (unreachable) return endpointHint(unreachable, context);
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
  return 'see the AWS message above';
}

/** What a connection failure means, from Node's or the SDK's code; undefined for any other error. */
function unreachableBecause(code: string): string | undefined {
  if (/ECONNREFUSED/.test(code)) return 'the connection was refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(code)) return 'its host name did not resolve (DNS)';
  if (/TimeoutError|ETIMEDOUT|ESOCKETTIMEDOUT/i.test(code)) return 'it did not answer in time';
  if (/ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|socket/i.test(code)) return 'the connection failed';
  return undefined;
}

/** The service's variable suffix (AWS_ENDPOINT_URL_<SERVICE>) and host prefix, by IAM prefix. */
const SERVICES: Record<string, { label: string; envSuffix: string; host: string }> = {
  lambda: { label: 'Lambda', envSuffix: 'LAMBDA', host: 'lambda' },
  cloudwatch: { label: 'CloudWatch', envSuffix: 'CLOUDWATCH', host: 'monitoring' },
  apigateway: { label: 'API Gateway', envSuffix: 'API_GATEWAY', host: 'apigateway' },
  codedeploy: { label: 'CodeDeploy', envSuffix: 'CODEDEPLOY', host: 'codedeploy' },
};

/**
 * Which endpoint could not be reached, found as the SDK finds it (AWS_ENDPOINT_URL_<SERVICE>,
 * then AWS_ENDPOINT_URL, then the regional default), and what to check for each.
 */
export function endpointHint(
  why: string,
  context: CallContext,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const prefix = context.iamAction.split(':')[0] ?? '';
  const service = SERVICES[prefix] ?? { label: prefix, envSuffix: prefix.toUpperCase(), host: prefix };
  const perService = `AWS_ENDPOINT_URL_${service.envSuffix}`;
  const variable = env[perService] ? perService : env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : undefined;
  if (variable) {
    return `${service.label} at ${env[variable]} (from ${variable}) could not be reached: ${why}; check that the URL is right and that the endpoint is running, or unset ${variable} to use AWS`;
  }
  return `${service.label} at https://${service.host}.${context.region}.amazonaws.com could not be reached: ${why}; check the region (${context.region}) and the runner's network (proxy, firewall, DNS)`;
}

function toAwsCallError(error: unknown, context: CallContext): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  // A connection failure is a plain Error whose code says what happened.
  const systemCode = typeof shape.code === 'string' && /^E[A-Z_]+$/.test(shape.code) ? shape.code : undefined;
  const code = systemCode ?? shape.name ?? shape.Code ?? 'Error';
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
