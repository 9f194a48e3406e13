import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/observability/logger.js';
import type { ApiClient, ApiRequest } from '../../../src/runtime/api/api-client.js';
import { EventRecorder } from '../../../src/runtime/reconcile/event-recorder.js';

function fakeApi(): { api: ApiClient; sent: ApiRequest[] } {
  const sent: ApiRequest[] = [];
  const api = { request: async (r: ApiRequest) => sent.push(r) } as unknown as ApiClient;
  return { api, sent };
}

const parent = {
  apiVersion: 'example.com/v1',
  kind: 'Echo',
  metadata: { name: 'web', namespace: 'demo', uid: 'u1' },
};

describe('EventRecorder', () => {
  it('reports Events as the component it is given, from the instance it is given', async () => {
    const { api, sent } = fakeApi();
    const recorder = new EventRecorder(api, 'echo-server', silentLogger(), 'echo-server-7d9f-abcde');
    recorder.record(parent, 'Warning', 'SyncFailed', 'boom');
    await recorder.flush();
    const body = sent[0]?.body as Record<string, unknown>;
    assert.deepEqual(body.source, { component: 'echo-server' });
    assert.equal(body.reportingComponent, 'echo-server');
    assert.equal(body.reportingInstance, 'echo-server-7d9f-abcde');
  });

  it('takes the instance from POD_NAME, then HOSTNAME, then the component', async () => {
    const saved = { POD_NAME: process.env.POD_NAME, HOSTNAME: process.env.HOSTNAME };
    const instanceOf = async () => {
      const { api, sent } = fakeApi();
      const recorder = new EventRecorder(api, 'echo-server', silentLogger());
      recorder.record(parent, 'Normal', 'Created', 'x');
      await recorder.flush();
      return (sent[0]?.body as { reportingInstance?: string } | undefined)?.reportingInstance;
    };
    try {
      process.env.POD_NAME = 'pod-a';
      process.env.HOSTNAME = 'host-b';
      assert.equal(await instanceOf(), 'pod-a');
      delete process.env.POD_NAME;
      assert.equal(await instanceOf(), 'host-b');
      delete process.env.HOSTNAME;
      assert.equal(await instanceOf(), 'echo-server');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
