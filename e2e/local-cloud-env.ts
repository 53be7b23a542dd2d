// Starts the local cloud in-process and gives the environment that points the bundled action at it.
import { LocalCloudControl } from '../sim/control-client.js';
import { startLocalCloud, type LocalCloud } from '../sim/server.js';

export interface TestCloud {
  cloud: LocalCloud;
  control: LocalCloudControl;
  env: Record<string, string>;
}

export async function startTestCloud(): Promise<TestCloud> {
  const cloud = await startLocalCloud({ port: 0, tickMs: 50 });
  return {
    cloud,
    control: new LocalCloudControl(cloud.url),
    env: {
      AWS_ENDPOINT_URL: cloud.url,
      GITHUB_API_URL: cloud.url,
      AWS_ACCESS_KEY_ID: 'AKIDLOCALCLOUD',
      AWS_SECRET_ACCESS_KEY: 'local-cloud-secret',
      AWS_REGION: 'us-east-1',
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
