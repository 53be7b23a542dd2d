/** Helpers for tests that run the real SDK clients against an in-process local cloud. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LocalCloudControl } from './control-client.js';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from './server.js';

export interface TestCloud {
  cloud: LocalCloud;
  control: LocalCloudControl;
  lambda: LambdaClient;
  cloudwatch: CloudWatchClient;
  /** Client options for other SDK clients. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts?: number;
  };
  close(): Promise<void>;
}

export async function testCloud(opts: LocalCloudOptions & { maxAttempts?: number } = {}): Promise<TestCloud> {
  const { maxAttempts, ...cloudOpts } = opts;
  const cloud = await startLocalCloud(cloudOpts);
  const clientConfig = {
    endpoint: cloud.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  };
  const lambda = new LambdaClient(clientConfig);
  const cloudwatch = new CloudWatchClient(clientConfig);
  return {
    cloud,
    control: new LocalCloudControl(cloud.url),
    lambda,
    cloudwatch,
    clientConfig,
    close: async () => {
      lambda.destroy();
      cloudwatch.destroy();
      await cloud.close();
    },
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until the check returns a truthy value or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
