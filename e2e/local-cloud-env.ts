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

/**
 * One local cloud for a test file: started before its tests, closed after them, and emptied
 * (writes log included) before each. Its fields are read once the cloud has started.
 */
export function useTestCloud(): TestCloud {
  let started: TestCloud | undefined;
  const current = (): TestCloud => {
    if (!started) throw new Error('the local cloud is used before beforeAll started it');
    return started;
  };
  beforeAll(async () => {
    started = await startTestCloud();
  });
  afterAll(async () => {
    await started?.cloud.close();
  });
  beforeEach(() => current().control.reset({ clearWrites: true }));
  return {
    get cloud() {
      return current().cloud;
    },
    get control() {
      return current().control;
    },
    get env() {
      return current().env;
    },
  };
}
